import { defineRule } from '../engine.ts';
import { num, Findings } from '../helpers.ts';

/** The values CloudWatch Logs accepts for RetentionInDays (cfn-lint E3030 enum, Guard CW_LOGGROUP_RETENTION_PERIOD_CHECK). */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export const rule = defineRule({
  id: 'LOG-GROUP-RETENTION',
  pack: 'generic',
  severity: 'warning',
  title: 'Every log group sets RetentionInDays to a value CloudWatch Logs accepts (never "keep forever")',
  rationale:
    'Without RetentionInDays logs are kept, and billed, forever. checkov CKV_AWS_66 and cfn_nag W86 check presence; ' +
    'Guard CW_LOGGROUP_RETENTION_PERIOD_CHECK and cfn-lint E3030 check the enum. This rule does both, per scenario.',
  remediation: 'Set RetentionInDays to one of the values CloudWatch Logs accepts.',
  resourceTypes: ['AWS::Logs::LogGroup'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const raw = resource.resolved['RetentionInDays'];
    if (raw === undefined) {
      out.add(resource.logicalId, 'Properties.RetentionInDays', 'no RetentionInDays: logs are kept forever');
    } else if (!RETENTION_DAYS.includes(num(raw) ?? -1)) {
      out.add(resource.logicalId, 'Properties.RetentionInDays', `RetentionInDays ${JSON.stringify(raw)} is not one of ${RETENTION_DAYS.join(', ')}`);
    }
    return out.list();
  },
});
export default rule;
