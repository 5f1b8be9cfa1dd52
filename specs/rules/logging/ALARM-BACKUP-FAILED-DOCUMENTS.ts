import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';
import { backupFunction } from '../helpers.ts';
import { METRIC, METRICS_NAMESPACE } from '../../../lambda/src/metric-names.ts';
import { checkFirstCountAlarm } from './alarms.ts';

export const rule = defineRule({
  id: 'ALARM-BACKUP-FAILED-DOCUMENTS',
  pack: 'backup-stack',
  severity: 'error',
  title: `An alarm on ${METRICS_NAMESPACE} ${METRIC.DocumentsFailed} for this environment fires on the first failed document and notifies`,
  rationale:
    'A run that copies most documents but fails some ends without a Lambda error; only the function\'s own metric ' +
    'tells. The names come from lambda/src/metric-names.ts, the module the function publishes with, so a renamed metric ' +
    'breaks this rule instead of silently orphaning the alarm. No known tool checks custom-metric alarms.',
  remediation: 'Add an alarm on the backup namespace\'s DocumentsFailed with this Environment\'s dimension, firing on the first failed document, with AlarmActions.',
  resourceTypes: ['AWS::CloudWatch::Alarm'],
  template(view, ctx) {
    const out = new Findings();
    const fn = backupFunction(view);
    if (fn) checkFirstCountAlarm(view, { logicalId: fn.logicalId, what: 'the backup' }, METRIC.DocumentsFailed, 'failed document', (id, path, message) => out.add(id, path, message));
    return out.list();
  },
});
export default rule;
