import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';
import { verifierFunction } from '../helpers.ts';
import { VERIFY_METRIC } from '../../../lambda/src/metric-names.ts';
import { checkHeartbeatAlarm, HEARTBEAT_MAX_WINDOW_HOURS, HEARTBEAT_MIN_WINDOW_HOURS } from './alarms.ts';

export const rule = defineRule({
  id: 'ALARM-VERIFICATION-MISSED',
  pack: 'backup-stack',
  severity: 'error',
  title: `An alarm fires when ${VERIFY_METRIC.RestoreVerified} has not been reported for ${HEARTBEAT_MIN_WINDOW_HOURS}-${HEARTBEAT_MAX_WINDOW_HOURS} h (TreatMissingData breaching, every datapoint breaching)`,
  rationale:
    'A restore verifier that stopped running (schedule disabled, permission removed, every run crashing before it ' +
    'publishes) reports no failed verification: its silence must alarm, exactly like the backup\'s heartbeat ' +
    '(ALARM-BACKUP-MISSED, the same checks): TreatMissingData breaching, a window a little longer than the daily ' +
    'schedule, DatapointsToAlarm equal to EvaluationPeriods and a comparison that breaches below one success. No ' +
    'known tool checks heartbeat alarms.',
  remediation: 'Add an alarm on RestoreVerified with this Environment\'s dimension over 25-26 h, LessThanThreshold 1, TreatMissingData: breaching and AlarmActions.',
  resourceTypes: ['AWS::CloudWatch::Alarm'],
  template(view, ctx) {
    const out = new Findings();
    const fn = verifierFunction(view);
    if (!fn) return out.list();
    checkHeartbeatAlarm(view, { logicalId: fn.logicalId, what: 'the daily restore verification' }, VERIFY_METRIC.RestoreVerified, (id, path, message) => out.add(id, path, message));
    return out.list();
  },
});
export default rule;
