import type { Rule } from '../types.ts';
import { resourcesOf, ScenarioFindings } from '../helpers.ts';
import { parseSchedule } from './schedule.ts';

export const rule: Rule = {
  id: 'EVENTS-SCHEDULE-EXPRESSION',
  pack: 'generic',
  severity: 'error',
  title: 'Schedule rules use a valid rate(N unit) or six-field EventBridge cron(...) expression',
  rationale:
    'EventBridge rejects a malformed expression at deploy time, or (with a Unix five-field cron copied from ' +
    'elsewhere) the schedule never means what was intended. cfn-lint E3027 validates the syntax; checkov, cfn_nag ' +
    'and Guard have no Events rule checks. This rule also checks field ranges and the singular/plural rate unit.',
  resourceTypes: ['AWS::Events::Rule'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const { resource, view } of resourcesOf(ctx, 'AWS::Events::Rule')) {
      const expression = resource.resolved['ScheduleExpression'];
      if (expression === undefined) continue;
      const parsed = typeof expression === 'string' ? parseSchedule(expression) : { error: 'not a string' };
      if ('error' in parsed) out.add(view, resource.logicalId, 'Properties.ScheduleExpression', `${JSON.stringify(expression)}: ${parsed.error}`);
    }
    return out.list();
  },
};
export default rule;
