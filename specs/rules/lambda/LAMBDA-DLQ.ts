import { defineRule } from '../engine.ts';
import { at, Findings, targetOf } from '../helpers.ts';

export const rule = defineRule({
  id: 'LAMBDA-DLQ',
  pack: 'generic',
  severity: 'error',
  title: 'Lambda functions send failed asynchronous events to an SQS queue or SNS topic of this stack (DeadLetterConfig.TargetArn)',
  rationale:
    'Without a dead-letter target a scheduled run that fails all retries leaves no trace. checkov CKV_AWS_116, ' +
    'Guard LAMBDA_DLQ_CHECK and cdk-nag LambdaDLQ check that TargetArn is present, even when it names a queue ' +
    'that does not exist; this rule requires the ARN of a queue or topic the stack creates.',
  remediation: 'Set `DeadLetterConfig.TargetArn` to `!GetAtt` an SQS queue (or `!Ref` an SNS topic) of this stack.',
  resourceTypes: ['AWS::Lambda::Function'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const target = at(resource.resolved, 'DeadLetterConfig.TargetArn');
    if (target === undefined) {
      out.add(resource.logicalId, 'Properties.DeadLetterConfig.TargetArn', 'no dead-letter target');
    } else if (!targetOf(view, target, ['AWS::SQS::Queue'], ['Arn']) && !targetOf(view, target, ['AWS::SNS::Topic'], ['Ref'])) {
      out.add(resource.logicalId, 'Properties.DeadLetterConfig.TargetArn', `dead-letter target ${JSON.stringify(target)} is not the ARN of a queue or topic of this stack`);
    }
    return out.list();
  },
});
export default rule;
