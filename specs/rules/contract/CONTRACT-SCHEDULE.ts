import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';
import { firesOncePerDay, parseSchedule } from '../resilience/schedule.ts';
import { backupFunction, schedulesOf } from '../helpers.ts';

export const rule = defineRule({
  id: 'CONTRACT-SCHEDULE',
  pack: 'backup-stack',
  severity: 'error',
  title: 'An EventBridge rule of the stack invokes the backup function once a day (rate(1 day) or a cron with one fixed minute and hour)',
  rationale:
    'The contract is a daily backup: more often doubles cost and overlaps runs, less often widens the recovery point. ' +
    'cfn-lint E3027 validates the syntax only; no known tool checks what the rule targets or how often it fires.',
  remediation: 'Add an AWS::Events::Rule with `ScheduleExpression: rate(1 day)` (or a daily cron) whose target is `!GetAtt <backup function>.Arn`.',
  resourceTypes: ['AWS::Events::Rule'],
  template(view, ctx) {
    const out = new Findings();
    const fn = backupFunction(view);
    if (!fn) return out.list();
    const rules = schedulesOf(view, fn);
    if (rules.length === 0) {
      out.add(fn.logicalId, '', 'no scheduled EventBridge rule targets the backup function');
      return out.list();
    }
    for (const r of rules) {
      const expression = r.resolved['ScheduleExpression'];
      const parsed = typeof expression === 'string' ? parseSchedule(expression) : { error: 'not a string' };
      if ('error' in parsed || !firesOncePerDay(parsed)) {
        out.add(r.logicalId, 'Properties.ScheduleExpression', `${JSON.stringify(expression)} does not fire exactly once a day`);
      }
    }
    return out.list();
  },
});
export default rule;
