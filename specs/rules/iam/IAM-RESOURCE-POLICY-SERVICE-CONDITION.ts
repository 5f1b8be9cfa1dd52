import { defineRule } from '../engine.ts';
import type { Json } from '../../../scripts/lib/cfn/template.ts';
import { conditionEntries, isAllow, principalsOf, resourcePolicies, statementsOf } from '../helpers.ts';

/** A condition value that pins this account or one of the stack's resources (not someone else's). */
function pinsThisStack(value: Json): boolean {
  return typeof value === 'string' && (value.includes('{{AWS::AccountId}}') || /\{\{(Ref|GetAtt):/.test(value)) && !/(?<!\d)\d{12}(?!\d)/.test(value);
}

const CONFUSED_DEPUTY_KEYS = ['aws:sourceaccount', 'aws:sourcearn', 'aws:sourceorgid', 'aws:sourceorgpaths'];

export const rule = defineRule({
  id: 'IAM-RESOURCE-POLICY-SERVICE-CONDITION',
  pack: 'generic',
  severity: 'error',
  title: 'Service-principal Allow statements in resource policies carry aws:SourceAccount / aws:SourceArn (or an encryption context) pinned to this stack',
  rationale:
    'Without a source condition any customer of the service (e.g. another account\'s EventBridge rule or S3 bucket) can use the grant: ' +
    'the confused-deputy problem. Guard LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED checks this for Lambda permissions only; no static tool ' +
    'checks bucket, queue, topic or key policies, nor that the condition value is this account or a resource of this stack.',
  remediation: 'Add `aws:SourceAccount: !Ref AWS::AccountId` and/or `aws:SourceArn` of the stack resource to the service-principal statement.',
  resourceTypes: ['AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy', 'AWS::KMS::Key'],
  template: (view, ctx) =>
      resourcePolicies(view).flatMap((policy) =>
        statementsOf(policy.document, policy.path).flatMap(({ statement, path }) => {
          if (!isAllow(statement) || !principalsOf(statement).some((p) => p.kind === 'Service')) return [];
          const pinned = conditionEntries(statement).some(
            (c) =>
              (CONFUSED_DEPUTY_KEYS.includes(c.key) || c.key.startsWith('kms:encryptioncontext:')) &&
              !c.operator.startsWith('StringNot') && !c.operator.startsWith('ArnNot') &&
              c.values.length > 0 &&
              (c.key.startsWith('aws:sourceorg') || c.values.every(pinsThisStack)),
          );
          return pinned
            ? []
            : [{ logicalId: policy.logicalId, path: `${path}.Condition`, message: 'service principal without aws:SourceAccount/aws:SourceArn pinned to this stack; add the condition' }];
        }),
      ),
});
