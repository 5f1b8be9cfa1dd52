import type { Rule } from '../types.ts';
import { ScenarioFindings } from '../helpers.ts';
import { firesOncePerDay, parseSchedule } from '../resilience/schedule.ts';
import { backupFunction, schedulesOf } from './stack.ts';

export const rule: Rule = {
  id: 'CONTRACT-SCHEDULE',
  pack: 'backup-stack',
  severity: 'error',
  title: 'An EventBridge rule of the stack invokes the backup function once a day (rate(1 day) or a cron with one fixed minute and hour)',
  rationale:
    'The contract is a daily backup: more often doubles cost and overlaps runs, less often widens the recovery point. ' +
    'cfn-lint E3027 validates the syntax only; no known tool checks what the rule targets or how often it fires.',
  resourceTypes: ['AWS::Events::Rule'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const view of ctx.views) {
      const fn = backupFunction(view);
      if (!fn) continue;
      const rules = schedulesOf(view, fn);
      if (rules.length === 0) {
        out.add(view, fn.logicalId, '', 'no scheduled EventBridge rule targets the backup function');
        continue;
      }
      for (const r of rules) {
        const expression = r.resolved['ScheduleExpression'];
        const parsed = typeof expression === 'string' ? parseSchedule(expression) : { error: 'not a string' };
        if ('error' in parsed || !firesOncePerDay(parsed)) {
          out.add(view, r.logicalId, 'Properties.ScheduleExpression', `${JSON.stringify(expression)} does not fire exactly once a day`);
        }
      }
    }
    return out.list();
  },
};
export default rule;
