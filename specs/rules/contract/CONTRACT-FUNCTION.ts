import { defineRule } from '../engine.ts';
import { Findings, targetOf } from '../helpers.ts';
import { backupFunction, T } from '../helpers.ts';

export const REQUIRED_RUNTIME = 'nodejs24.x';

export const rule = defineRule({
  id: 'CONTRACT-FUNCTION',
  pack: 'backup-stack',
  severity: 'error',
  title: `The stack creates the backup function on ${REQUIRED_RUNTIME} with an execution role of the stack`,
  rationale:
    `The Lambda package is built and tested for ${REQUIRED_RUNTIME}; a role created elsewhere escapes the stack's ` +
    'least-privilege review. (Log group, dead-letter queue and alarms have their own rules.) No known tool checks this.',
  remediation: 'Declare the backup function with the required Runtime and `Role: !GetAtt <role>.Arn` of a role in this stack.',
  resourceTypes: ['AWS::Lambda::Function', 'AWS::IAM::Role'],
  template(view, ctx) {
    const out = new Findings();
    const fn = backupFunction(view);
    if (!fn) {
      out.add('Template', 'Resources', 'no backup function: no AWS::Lambda::Function is told a BACKUP_BUCKET');
      return out.list();
    }
    if (fn.resolved['Runtime'] !== REQUIRED_RUNTIME) {
      out.add(fn.logicalId, 'Properties.Runtime', `runtime is ${JSON.stringify(fn.resolved['Runtime'] ?? null)}, not ${REQUIRED_RUNTIME}`);
    }
    if (!targetOf(view, fn.resolved['Role'], [T.role], ['Arn'])) {
      out.add(fn.logicalId, 'Properties.Role', 'Role is not !GetAtt <role>.Arn of a role of this stack');
    }
    return out.list();
  },
});
export default rule;
