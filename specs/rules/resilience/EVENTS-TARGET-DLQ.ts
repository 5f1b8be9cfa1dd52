import type { Rule } from '../types.ts';
import { asArray, at, isObject, resourcesOf, ScenarioFindings, targetOf } from '../helpers.ts';

export const rule: Rule = {
  id: 'EVENTS-TARGET-DLQ',
  pack: 'generic',
  severity: 'error',
  title: 'Every EventBridge target has DeadLetterConfig.Arn pointing at an SQS queue of this stack',
  rationale:
    'When EventBridge cannot invoke the target (throttling, a permission removed, retries exhausted) the event is ' +
    'dropped unless a dead-letter queue keeps it. cdk-nag Serverless-EventBusDLQ checks the key exists; no tool ' +
    'checks it names a queue of the stack.',
  resourceTypes: ['AWS::Events::Rule'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const { resource, view } of resourcesOf(ctx, 'AWS::Events::Rule')) {
      asArray(resource.resolved['Targets']).forEach((target, i) => {
        if (!isObject(target)) return;
        const arn = at(target, 'DeadLetterConfig.Arn');
        const path = `Properties.Targets[${i}].DeadLetterConfig.Arn`;
        if (arn === undefined) out.add(view, resource.logicalId, path, 'the target has no dead-letter queue');
        else if (!targetOf(view, arn, ['AWS::SQS::Queue'], ['Arn'])) out.add(view, resource.logicalId, path, `dead-letter ${JSON.stringify(arn)} is not !GetAtt <queue>.Arn of a queue of this stack`);
      });
    }
    return out.list();
  },
};
export default rule;
