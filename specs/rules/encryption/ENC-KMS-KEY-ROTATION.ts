import { defineRule } from '../engine.ts';
import { bool } from '../helpers.ts';

export const rule = defineRule({
  id: 'ENC-KMS-KEY-ROTATION',
  pack: 'generic',
  severity: 'error',
  title: 'Symmetric KMS keys have `EnableKeyRotation: true`',
  rationale:
    'Automatic rotation limits how much data one key version protects. checkov CKV_AWS_7, cfn_nag F19, Guard ' +
    'CMK_BACKING_KEY_ROTATION_ENABLED, Security Hub KMS.4 and CT.KMS.PR.1 check it; this rule resolves the value (an !If or ' +
    'FindInMap that is false in one environment is caught and named).',
  remediation: 'Set `EnableKeyRotation: true` on the key in every scenario.',
  resourceTypes: ['AWS::KMS::Key'],
  template: (view, ctx) =>
      view.resources
        .filter((r) => r.type === 'AWS::KMS::Key')
        .filter((r) => (r.resolved['KeySpec'] ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT' && bool(r.resolved['EnableKeyRotation']) !== true)
        .map((r) => ({ logicalId: r.logicalId, path: 'Properties.EnableKeyRotation', message: 'key rotation is off; set EnableKeyRotation: true' })),
});
