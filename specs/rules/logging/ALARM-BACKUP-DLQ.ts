import type { ResolvedResource } from '../../../scripts/lib/cfn/intrinsics.ts';
import { defineRule } from '../engine.ts';
import { asArray, at, isGetAttOf, isObject, Findings, targetOf } from '../helpers.ts';
import { schedulesOf, stackFunctions, T } from '../helpers.ts';
import { breachesAt, checkRequiredAlarm, dimensionProblem } from './alarms.ts';

export const rule = defineRule({
  id: 'ALARM-BACKUP-DLQ',
  pack: 'backup-stack',
  severity: 'error',
  title: 'Every dead-letter queue of the backup function, the restore verifier and their schedules has an alarm on ApproximateNumberOfMessagesVisible > 0 that notifies',
  rationale:
    'A dead-letter queue only helps if someone learns that it holds a message: that is a backup (or a restore ' +
    'verification) that did not run. ' +
    'No known tool requires an alarm per dead-letter queue.',
  remediation: 'Add an alarm on AWS/SQS ApproximateNumberOfMessagesVisible > 0 for each dead-letter queue, with AlarmActions.',
  resourceTypes: ['AWS::CloudWatch::Alarm', 'AWS::SQS::Queue'],
  template(view, ctx) {
    const out = new Findings();
    const queues = new Map<string, ResolvedResource>();
    const addQueue = (value: unknown) => {
      const q = targetOf(view, value as never, [T.queue], ['Arn']);
      if (q) queues.set(q.logicalId, q);
    };
    for (const { fn } of stackFunctions(view)) {
      addQueue(at(fn.resolved, 'DeadLetterConfig.TargetArn'));
      for (const rule of schedulesOf(view, fn)) for (const t of asArray(rule.resolved['Targets'])) if (isObject(t)) addQueue(at(t, 'DeadLetterConfig.Arn'));
    }
    for (const queue of queues.values()) {
      checkRequiredAlarm(view, { logicalId: queue.logicalId, what: `the dead-letter queue ${queue.logicalId}` }, {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        // An alarm on another of these queues is that queue's, not a misconfigured one of this queue.
        about: (alarm, metric) =>
          ![...queues.values()].some((q) => q !== queue && isGetAttOf(view, metric.dimensions['QueueName'], q.logicalId, 'QueueName')),
        problems: (alarm, metric) => [
          ...dimensionProblem(metric, 'QueueName', isGetAttOf(view, metric.dimensions['QueueName'], queue.logicalId, 'QueueName'), `!GetAtt ${queue.logicalId}.QueueName`),
          ...(!breachesAt(alarm, 1) || breachesAt(alarm, 0) ? [['Properties.Threshold', 'the alarm does not fire on the first message'] as [string, string]] : []),
        ],
      }, (id, path, message) => out.add(id, path, message));
    }
    return out.list();
  },
});
export default rule;
