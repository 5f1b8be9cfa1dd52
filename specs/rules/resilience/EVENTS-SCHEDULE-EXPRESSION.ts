import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';
import { parseSchedule } from './schedule.ts';

export const rule = defineRule({
  id: 'EVENTS-SCHEDULE-EXPRESSION',
  pack: 'generic',
  severity: 'error',
  title: 'Schedule rules use a valid rate(N unit) or six-field EventBridge cron(...) expression',
  rationale:
    'EventBridge rejects a malformed expression at deploy time, or (with a Unix five-field cron copied from ' +
    'elsewhere) the schedule never means what was intended. cfn-lint E3027 validates the syntax; checkov, cfn_nag ' +
    'and Guard have no Events rule checks. This rule also checks field ranges and the singular/plural rate unit.',
  remediation: 'Write `rate(N unit)` (singular unit for 1) or a six-field `cron(min hour day month weekday year)` with valid fields.',
  resourceTypes: ['AWS::Events::Rule'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const expression = resource.resolved['ScheduleExpression'];
    if (expression === undefined) return out.list();
    const parsed = typeof expression === 'string' ? parseSchedule(expression) : { error: 'not a string' };
    if ('error' in parsed) out.add(resource.logicalId, 'Properties.ScheduleExpression', `${JSON.stringify(expression)}: ${parsed.error}`);
    return out.list();
  },
});
export default rule;
