import { defineRule } from '../engine.ts';
import { num, Findings, scenarioValue } from '../helpers.ts';
import { backupFunction } from '../helpers.ts';
import { METRIC, METRICS_NAMESPACE } from '../../../lambda/src/metric-names.ts';
import { breachesAt, breachWindowSeconds, checkRequiredAlarm, environmentDimensionProblem } from './alarms.ts';

const HOUR = 3600;
export const MIN_WINDOW_HOURS = 25;
export const MAX_WINDOW_HOURS = 48;

export const rule = defineRule({
  id: 'ALARM-BACKUP-MISSED',
  pack: 'backup-stack',
  severity: 'error',
  title: `An alarm fires when ${METRIC.BackupSucceeded} has not been reported for ${MIN_WINDOW_HOURS}-${MAX_WINDOW_HOURS} h (TreatMissingData breaching, every datapoint breaching)`,
  rationale:
    'A schedule that stopped, a disabled rule or a permission removed by hand produce no error at all: silence must ' +
    'alarm. That needs TreatMissingData breaching, a window a little longer than the daily schedule (so a normal ' +
    'day never fires), DatapointsToAlarm equal to EvaluationPeriods (otherwise the empty hours of a normal day fire ' +
    'it) and a comparison that breaches below one success. No known tool checks heartbeat alarms.',
  remediation: 'Add an alarm on BackupSucceeded over 25-26 h with TreatMissingData: breaching and AlarmActions.',
  resourceTypes: ['AWS::CloudWatch::Alarm'],
  template(view, ctx) {
    const out = new Findings();
    const fn = backupFunction(view);
    if (!fn) return out.list();
    const environment = scenarioValue(view);
    checkRequiredAlarm(view, { logicalId: fn.logicalId, what: 'the daily backup' }, {
      namespace: METRICS_NAMESPACE,
      metricName: METRIC.BackupSucceeded,
      problems: (alarm, metric) => {
        const p = alarm.resolved;
        const problems = environmentDimensionProblem(metric, environment);
        if (p['TreatMissingData'] !== 'breaching') problems.push(['Properties.TreatMissingData', `TreatMissingData is ${JSON.stringify(p['TreatMissingData'] ?? 'missing')}: a run that never happened raises nothing`]);
        if (!breachesAt(alarm, 0) || breachesAt(alarm, 1)) problems.push(['Properties.Threshold', 'the comparison does not breach on zero successes and clear on one']);
        const datapoints = num(p['DatapointsToAlarm']);
        if (datapoints !== undefined && datapoints !== num(p['EvaluationPeriods'])) {
          problems.push(['Properties.DatapointsToAlarm', 'DatapointsToAlarm below EvaluationPeriods fires on the empty hours of a normal day']);
        }
        const window = breachWindowSeconds(alarm);
        if (window === undefined || window < MIN_WINDOW_HOURS * HOUR || window > MAX_WINDOW_HOURS * HOUR) {
          problems.push(['Properties.EvaluationPeriods', `silence alarms after ${window === undefined ? '?' : window / HOUR} h, not within ${MIN_WINDOW_HOURS}-${MAX_WINDOW_HOURS} h of a daily schedule`]);
        }
        return problems;
      },
    }, (id, path, message) => out.add(id, path, message));
    return out.list();
  },
});
export default rule;
