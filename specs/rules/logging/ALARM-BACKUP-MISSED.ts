import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';
import { backupFunction } from '../helpers.ts';
import { METRIC } from '../../../lambda/src/metric-names.ts';
import { checkHeartbeatAlarm, HEARTBEAT_MAX_WINDOW_HOURS, HEARTBEAT_MIN_WINDOW_HOURS } from './alarms.ts';

export const MIN_WINDOW_HOURS = HEARTBEAT_MIN_WINDOW_HOURS;
export const MAX_WINDOW_HOURS = HEARTBEAT_MAX_WINDOW_HOURS;

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
    checkHeartbeatAlarm(view, { logicalId: fn.logicalId, what: 'the daily backup' }, METRIC.BackupSucceeded, (id, path, message) => out.add(id, path, message));
    return out.list();
  },
});
export default rule;
