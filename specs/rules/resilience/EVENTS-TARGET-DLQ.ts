import { defineRule } from '../engine.ts';
import { asArray, at, isObject, Findings, targetOf } from '../helpers.ts';

export const rule = defineRule({
  id: 'EVENTS-TARGET-DLQ',
  pack: 'generic',
  severity: 'error',
  title: 'Every EventBridge target has DeadLetterConfig.Arn pointing at an SQS queue of this stack',
  rationale:
    'When EventBridge cannot invoke the target (throttling, a permission removed, retries exhausted) the event is ' +
    'dropped unless a dead-letter queue keeps it. cdk-nag Serverless-EventBusDLQ checks the key exists; no tool ' +
    'checks it names a queue of the stack.',
  remediation: 'Set each target\'s `DeadLetterConfig.Arn` to `!GetAtt` an SQS queue of this stack.',
  resourceTypes: ['AWS::Events::Rule'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    asArray(resource.resolved['Targets']).forEach((target, i) => {
      if (!isObject(target)) return;
      const arn = at(target, 'DeadLetterConfig.Arn');
      const path = `Properties.Targets[${i}].DeadLetterConfig.Arn`;
      if (arn === undefined) out.add(resource.logicalId, path, 'the target has no dead-letter queue');
      else if (!targetOf(view, arn, ['AWS::SQS::Queue'], ['Arn'])) out.add(resource.logicalId, path, `dead-letter ${JSON.stringify(arn)} is not !GetAtt <queue>.Arn of a queue of this stack`);
    });
    return out.list();
  },
});
export default rule;
