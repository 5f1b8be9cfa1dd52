import { defineRule } from '../engine.ts';
import { isRefTo, num, Findings } from '../helpers.ts';
import { stackFunctions } from '../helpers.ts';
import { checkRequiredAlarm, dimensionProblem } from './alarms.ts';

export const MIN_FRACTION = 0.6;
export const MAX_FRACTION = 0.95;

export const rule = defineRule({
  id: 'ALARM-BACKUP-DURATION',
  pack: 'backup-stack',
  severity: 'error',
  title: `An alarm on the Duration (Maximum) of each function of the stack (the backup function and the restore verifier) fires between ${MIN_FRACTION * 100} % and ${MAX_FRACTION * 100} % of its Timeout, in every environment`,
  rationale:
    'A backup that grows towards the timeout is about to start failing every night; the alarm must fire before that, ' +
    'but not on normal runs. The threshold is in milliseconds and the timeout in seconds, and both usually come ' +
    'from per-environment mappings, so the rule compares them per scenario. A verifier checking a growing manifest ' +
    'approaches its timeout the same way. No known tool relates the two.',
  remediation: 'Add an alarm on AWS/Lambda Duration (Maximum) per function (backup function, restore verifier) with a threshold between 60 % and 95 % of its Timeout.',
  resourceTypes: ['AWS::CloudWatch::Alarm', 'AWS::Lambda::Function'],
  template(view, ctx) {
    const out = new Findings();
    const functions = stackFunctions(view);
    for (const { fn, what } of functions) {
      const others = functions.filter((f) => f.fn !== fn);
      const timeoutMs = (num(fn.resolved['Timeout']) ?? 3) * 1000;
      checkRequiredAlarm(view, { logicalId: fn.logicalId, what }, {
        namespace: 'AWS/Lambda',
        metricName: 'Duration',
        about: (alarm, metric) => !others.some((o) => isRefTo(view, metric.dimensions['FunctionName'], o.fn.logicalId)),
        problems: (alarm, metric) => {
          const problems = dimensionProblem(metric, 'FunctionName', isRefTo(view, metric.dimensions['FunctionName'], fn.logicalId), `!Ref ${fn.logicalId}`);
          const statistic = alarm.resolved['Statistic'] ?? alarm.resolved['ExtendedStatistic'];
          if (statistic !== 'Maximum' && !/^p(9\d|100)(\.\d+)?$/.test(String(statistic))) problems.push(['Properties.Statistic', `statistic ${JSON.stringify(statistic ?? null)} hides the slowest run; use Maximum (or p99)`]);
          if (!['GreaterThanThreshold', 'GreaterThanOrEqualToThreshold'].includes(String(alarm.resolved['ComparisonOperator']))) {
            problems.push(['Properties.ComparisonOperator', 'the alarm does not fire on long durations']);
          }
          const threshold = num(alarm.resolved['Threshold']);
          if (threshold === undefined || threshold < timeoutMs * MIN_FRACTION || threshold > timeoutMs * MAX_FRACTION) {
            problems.push([
              'Properties.Threshold',
              `threshold ${threshold ?? JSON.stringify(alarm.resolved['Threshold'] ?? null)} ms is not between ${MIN_FRACTION * 100} % and ${MAX_FRACTION * 100} % of the ${timeoutMs} ms timeout`,
            ]);
          }
          return problems;
        },
      }, (id, path, message) => out.add(id, path, message));
    }
    return out.list();
  },
});
export default rule;
