import type { Rule } from '../types.ts';
import { isGetAttOf, isRefTo, ScenarioFindings } from '../helpers.ts';
import { T } from './stack.ts';

export const rule: Rule = {
  id: 'CONTRACT-KMS-KEY-ALIAS',
  pack: 'backup-stack',
  severity: 'error',
  title: 'The stack creates its own KMS key and an alias that targets it',
  rationale:
    'Backups, logs and the dead-letter queue are encrypted with a key the stack owns; the alias gives operators a ' +
    'stable handle. Checked by relationship (TargetKeyId is !Ref or !GetAtt Arn of a key of the stack), which no ' +
    'known tool does.',
  resourceTypes: ['AWS::KMS::Key', 'AWS::KMS::Alias'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const view of ctx.views) {
      const keys = view.resources.filter((r) => r.type === T.key);
      if (keys.length === 0) {
        out.add(view, 'Template', 'Resources', 'the stack creates no AWS::KMS::Key');
        continue;
      }
      const aliased = view.resources.some(
        (a) => a.type === T.alias && keys.some((k) => isRefTo(view, a.resolved['TargetKeyId'], k.logicalId) || isGetAttOf(view, a.resolved['TargetKeyId'], k.logicalId)),
      );
      if (!aliased) out.add(view, keys[0]!.logicalId, '', 'no AWS::KMS::Alias targets the stack key');
    }
    return out.list();
  },
};
export default rule;
