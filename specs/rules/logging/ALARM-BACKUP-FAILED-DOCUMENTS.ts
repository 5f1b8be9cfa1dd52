import type { Rule } from '../types.ts';
import { ScenarioFindings, scenarioValue } from '../helpers.ts';
import { backupFunction } from '../contract/stack.ts';
import { METRIC, METRICS_NAMESPACE } from '../../../lambda/src/metric-names.ts';
import { breachesAt, checkRequiredAlarm, environmentDimensionProblem } from './alarms.ts';

export const rule: Rule = {
  id: 'ALARM-BACKUP-FAILED-DOCUMENTS',
  pack: 'backup-stack',
  severity: 'error',
  title: `An alarm on ${METRICS_NAMESPACE} ${METRIC.DocumentsFailed} for this environment fires on the first failed document and notifies`,
  rationale:
    'A run that copies most documents but fails some ends without a Lambda error; only the function\'s own metric ' +
    'tells. The names come from lambda/src/metric-names.ts, the module the function publishes with, so a renamed metric ' +
    'breaks this rule instead of silently orphaning the alarm. No known tool checks custom-metric alarms.',
  resourceTypes: ['AWS::CloudWatch::Alarm'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const view of ctx.views) {
      const fn = backupFunction(view);
      if (!fn) continue;
      const environment = scenarioValue(view);
      checkRequiredAlarm(view, { logicalId: fn.logicalId, what: 'the backup' }, {
        namespace: METRICS_NAMESPACE,
        metricName: METRIC.DocumentsFailed,
        problems: (alarm, metric) => [
          ...environmentDimensionProblem(metric, environment),
          ...(!breachesAt(alarm, 1) || breachesAt(alarm, 0) ? [['Properties.Threshold', 'the alarm does not fire on one failed document'] as [string, string]] : []),
        ],
      }, (id, path, message) => out.add(view, id, path, message));
    }
    return out.list();
  },
};
export default rule;
