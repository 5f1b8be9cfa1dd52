import { defineRule } from '../engine.ts';
import { isGetAttOf, isRefTo, Findings } from '../helpers.ts';
import { T } from '../helpers.ts';

export const rule = defineRule({
  id: 'CONTRACT-KMS-KEY-ALIAS',
  pack: 'backup-stack',
  severity: 'error',
  title: 'The stack creates its own KMS key and an alias that targets it',
  rationale:
    'Backups, logs and the dead-letter queue are encrypted with a key the stack owns; the alias gives operators a ' +
    'stable handle. Checked by relationship (TargetKeyId is !Ref or !GetAtt Arn of a key of the stack), which no ' +
    'known tool does.',
  remediation: 'Declare an AWS::KMS::Key and an AWS::KMS::Alias whose TargetKeyId is `!Ref` that key.',
  resourceTypes: ['AWS::KMS::Key', 'AWS::KMS::Alias'],
  template(view, ctx) {
    const out = new Findings();
    const keys = view.resources.filter((r) => r.type === T.key);
    if (keys.length === 0) {
      out.add('Template', 'Resources', 'the stack creates no AWS::KMS::Key');
      return out.list();
    }
    const aliased = view.resources.some(
      (a) => a.type === T.alias && keys.some((k) => isRefTo(view, a.resolved['TargetKeyId'], k.logicalId) || isGetAttOf(view, a.resolved['TargetKeyId'], k.logicalId)),
    );
    if (!aliased) out.add(keys[0]!.logicalId, '', 'no AWS::KMS::Alias targets the stack key');
    return out.list();
  },
});
export default rule;
