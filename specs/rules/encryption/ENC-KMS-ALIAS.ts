import { defineRule } from '../engine.ts';
import type { RuleFinding } from '../types.ts';
import { stackKeyOf } from '../helpers.ts';

export const rule = defineRule({
  id: 'ENC-KMS-ALIAS',
  pack: 'generic',
  severity: 'error',
  title: 'KMS aliases are named `alias/…` (never the reserved `alias/aws/…`) and target a key of this stack',
  rationale:
    'CloudFormation rejects names without `alias/` and `alias/aws/` is reserved for AWS-managed keys (cfn-lint E1164 checks the ' +
    'pattern); an alias that points at a key outside the stack silently redirects encryption. No tool checks the target.',
  remediation: 'Name the alias `alias/<name>` outside `alias/aws/` and set TargetKeyId to `!Ref` a key of this stack.',
  resourceTypes: ['AWS::KMS::Alias'],
  template: (view, ctx) =>
      view.resources
        .filter((r) => r.type === 'AWS::KMS::Alias')
        .flatMap((r) => {
          const out: RuleFinding[] = [];
          const name = view.resolveLiteral(r.properties['AliasName'] ?? null);
          if (typeof name !== 'string' || !name.startsWith('alias/') || name.startsWith('alias/aws/')) {
            out.push({ logicalId: r.logicalId, path: 'Properties.AliasName', message: `alias name ${JSON.stringify(name)} must start with alias/ and not alias/aws/` });
          }
          if (!stackKeyOf(view, r.resolved['TargetKeyId'])) {
            out.push({ logicalId: r.logicalId, path: 'Properties.TargetKeyId', message: 'the alias targets a key that is not a KMS key of this stack' });
          }
          return out;
        }),
});
