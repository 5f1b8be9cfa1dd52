import { defineRule } from '../engine.ts';
import { isRefTo, Findings } from '../helpers.ts';
import { stackFunctions } from '../helpers.ts';
import { breachesAt, checkRequiredAlarm, dimensionProblem } from './alarms.ts';

export const rule = defineRule({
  id: 'ALARM-BACKUP-ERRORS',
  pack: 'backup-stack',
  severity: 'error',
  title: 'An alarm on AWS/Lambda Errors of each function of the stack (the backup function and the restore verifier) fires on the first error and notifies',
  rationale:
    'A crashed backup run is invisible unless something watches the function\'s Errors metric. No known tool ' +
    'requires particular alarms; this rule checks the alarm exists, watches this stack\'s function, fires on one ' +
    'error (Sum or Maximum) and has an action. The restore verifier crashing is as silent as the backup crashing, ' +
    'so each of the two needs its own alarm; an alarm on the other function\'s errors does not count.',
  remediation: 'Add an alarm on AWS/Lambda Errors per function (backup function, restore verifier) with threshold >= 1 (GreaterThanOrEqualToThreshold 1) and AlarmActions.',
  resourceTypes: ['AWS::CloudWatch::Alarm', 'AWS::Lambda::Function'],
  template(view, ctx) {
    const out = new Findings();
    const functions = stackFunctions(view);
    for (const { fn, what } of functions) {
      const others = functions.filter((f) => f.fn !== fn);
      checkRequiredAlarm(view, { logicalId: fn.logicalId, what }, {
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        about: (alarm, metric) => !others.some((o) => isRefTo(view, metric.dimensions['FunctionName'], o.fn.logicalId)),
        problems: (alarm, metric) => [
          ...dimensionProblem(metric, 'FunctionName', isRefTo(view, metric.dimensions['FunctionName'], fn.logicalId), `!Ref ${fn.logicalId}`),
          ...(!['Sum', 'Maximum'].includes(String(alarm.resolved['Statistic'])) ? [['Properties.Statistic', 'Statistic is not Sum or Maximum'] as [string, string]] : []),
          ...(!breachesAt(alarm, 1) || breachesAt(alarm, 0) ? [['Properties.Threshold', 'the alarm does not fire on exactly one error or more'] as [string, string]] : []),
        ],
      }, (id, path, message) => out.add(id, path, message));
    }
    return out.list();
  },
});
export default rule;
