import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';
import { verifierFunction } from '../helpers.ts';
import { METRICS_NAMESPACE, VERIFY_METRIC } from '../../../lambda/src/metric-names.ts';
import { checkFirstCountAlarm } from './alarms.ts';

export const rule = defineRule({
  id: 'ALARM-VERIFICATION-FAILED',
  pack: 'backup-stack',
  severity: 'error',
  title: `An alarm on ${METRICS_NAMESPACE} ${VERIFY_METRIC.VerificationFailures} for this environment fires on the first failed verification and notifies`,
  rationale:
    'A backup that no longer matches its manifest (missing, another version, another checksum) is a restore that ' +
    'will fail. The verifier\'s function error says only that something went wrong (a crash looks the same); its own ' +
    'metric says that verification found failures, and how many. The names come from ' +
    'lambda/src/metric-names.ts, the module the verifier publishes with, so a renamed metric breaks this rule ' +
    'instead of silently orphaning the alarm. No known tool checks custom-metric alarms.',
  remediation: 'Add an alarm on the backup namespace\'s VerificationFailures with this Environment\'s dimension, firing on the first failure (GreaterThanOrEqualToThreshold 1), with AlarmActions.',
  resourceTypes: ['AWS::CloudWatch::Alarm'],
  template(view, ctx) {
    const out = new Findings();
    const fn = verifierFunction(view);
    if (fn) checkFirstCountAlarm(view, { logicalId: fn.logicalId, what: 'the restore verifier' }, VERIFY_METRIC.VerificationFailures, 'failed verification', (id, path, message) => out.add(id, path, message));
    return out.list();
  },
});
export default rule;
