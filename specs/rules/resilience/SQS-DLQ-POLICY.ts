import { defineRule } from '../engine.ts';
import { asStrings, conditionValues, deadLetterUses, Findings, isServicePrincipal, queuePoliciesOf, statementsOf, T, targetOf } from '../helpers.ts';

export const rule = defineRule({
  id: 'SQS-DLQ-POLICY',
  pack: 'generic',
  severity: 'error',
  title: 'A queue that is the dead-letter queue of EventBridge rules lets only events.amazonaws.com send, only for those rules (aws:SourceArn)',
  rationale:
    'EventBridge needs a queue policy to dead-letter into SQS; without aws:SourceArn any rule of any account can ' +
    'fill it. cfn_nag F20/F21 and Guard SQS_QUEUEPOLICY_* reject wildcards only; no tool relates the policy to the ' +
    'rules that use the queue.',
  remediation: 'Add a queue policy that allows sqs:SendMessage only to events.amazonaws.com with aws:SourceArn of those rules.',
  resourceTypes: ['AWS::SQS::Queue', 'AWS::SQS::QueuePolicy'],
  template(view, ctx) {
    const out = new Findings();
    const byQueue = new Map<string, Set<string>>();
    for (const use of deadLetterUses(view)) {
      if (use.kind !== 'events') continue;
      byQueue.set(use.queueId, (byQueue.get(use.queueId) ?? new Set()).add(use.byId));
    }
    for (const [queueId, ruleIds] of byQueue) {
      const policies = queuePoliciesOf(view, queueId);
      if (policies.length === 0) {
        out.add(queueId, '', `no AWS::SQS::QueuePolicy lets EventBridge dead-letter into this queue (rules ${[...ruleIds].join(', ')})`);
        continue;
      }
      const allowedRules = new Set<string>();
      for (const policy of policies) {
        for (const { statement, path } of statementsOf(policy.resolved['PolicyDocument'], 'Properties.PolicyDocument')) {
          if (statement['Effect'] !== 'Allow') continue;
          if (!isServicePrincipal(statement['Principal'], 'events')) {
            out.add(policy.logicalId, `${path}.Principal`, 'the dead-letter queue allows a principal other than events.amazonaws.com');
            continue;
          }
          const actions = asStrings(statement['Action']);
          if (actions.length !== 1 || actions[0] !== 'sqs:SendMessage') out.add(policy.logicalId, `${path}.Action`, `EventBridge needs only sqs:SendMessage, not ${actions.join(', ')}`);
          const sources = conditionValues(statement, 'aws:SourceArn').filter((c) => /^Arn(Equals|Like)$|^StringEquals$/.test(c.operator)).flatMap((c) => c.values);
          const rules = sources.map((s) => targetOf(view, s as never, [T.rule], ['Arn'])?.logicalId);
          if (sources.length === 0 || rules.some((r) => r === undefined || !ruleIds.has(r))) {
            out.add(policy.logicalId, `${path}.Condition`, `aws:SourceArn must name only the rules that dead-letter here (${[...ruleIds].join(', ')})`);
          } else rules.forEach((r) => allowedRules.add(r!));
        }
      }
      const missing = [...ruleIds].filter((r) => !allowedRules.has(r));
      if (missing.length > 0) out.add(policies[0]!.logicalId, 'Properties.PolicyDocument', `no statement lets ${missing.join(', ')} send its failed events here`);
    }
    return out.list();
  },
});
export default rule;
