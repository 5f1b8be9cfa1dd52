import { defineRule } from '../engine.ts';
import type { RuleFinding } from '../types.ts';

export const rule = defineRule({
  id: 'ENC-KMS-KEY-SPEC',
  pack: 'generic',
  severity: 'warning',
  title: 'KMS keys are SYMMETRIC_DEFAULT with KeyUsage ENCRYPT_DECRYPT and not created disabled',
  rationale:
    'S3, SQS, SNS and CloudWatch Logs encryption accept only symmetric encrypt/decrypt keys, and only those rotate automatically; ' +
    'a key created with `Enabled: false` makes every encrypted resource unusable. Control Tower CT.KMS.PR.2 only checks RSA key sizes; no tool checks this.',
  remediation: 'Use `KeySpec: SYMMETRIC_DEFAULT`, `KeyUsage: ENCRYPT_DECRYPT` and leave `Enabled` true (or unset).',
  resourceTypes: ['AWS::KMS::Key'],
  template: (view, ctx) =>
      view.resources
        .filter((r) => r.type === 'AWS::KMS::Key')
        .flatMap((r) => {
          const out: RuleFinding[] = [];
          const spec = r.resolved['KeySpec'] ?? 'SYMMETRIC_DEFAULT';
          const usage = r.resolved['KeyUsage'] ?? 'ENCRYPT_DECRYPT';
          if (spec !== 'SYMMETRIC_DEFAULT') out.push({ logicalId: r.logicalId, path: 'Properties.KeySpec', message: `KeySpec ${JSON.stringify(spec)}; use SYMMETRIC_DEFAULT` });
          if (usage !== 'ENCRYPT_DECRYPT') out.push({ logicalId: r.logicalId, path: 'Properties.KeyUsage', message: `KeyUsage ${JSON.stringify(usage)}; use ENCRYPT_DECRYPT` });
          if (r.resolved['Enabled'] === false || r.resolved['Enabled'] === 'false') out.push({ logicalId: r.logicalId, path: 'Properties.Enabled', message: 'the key is created disabled' });
          return out;
        }),
});
