import { defineRule } from '../engine.ts';
import { actionsOf, isAllow, isWildcardAction, resourcePolicies, statementsOf } from '../helpers.ts';

export const rule = defineRule({
  id: 'IAM-RESOURCE-POLICY-NO-WILDCARD-ACTION',
  pack: 'generic',
  severity: 'error',
  title: 'Resource policies (including KMS key policies) allow no `*` or `service:*` action',
  rationale:
    'A wildcard action in a bucket, queue, topic or key policy hands its principal full control, including changing the policy. ' +
    'cfn_nag F15/F20 and Guard S3_BUCKET_POLICY_NO_WILDCARD_ACTION / SQS_QUEUEPOLICY_NO_WILDCARD_ACTION check buckets and queues; ' +
    'no tool flags the default `kms:*` key-policy statement. This rule checks every Allow statement of every resource policy.',
  remediation: 'List the exact actions the principal needs instead of `*` or `service:*`, key policies included.',
  resourceTypes: ['AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy', 'AWS::KMS::Key', 'AWS::SecretsManager::ResourcePolicy'],
  template: (view, ctx) =>
      resourcePolicies(view).flatMap((policy) =>
        statementsOf(policy.document, policy.path).flatMap(({ statement, path }) => {
          if (!isAllow(statement)) return [];
          const wild = actionsOf(statement).filter(isWildcardAction);
          return wild.length === 0 ? [] : [{ logicalId: policy.logicalId, path: `${path}.Action`, message: `allows ${wild.join(', ')}; list the actions the principal needs` }];
        }),
      ),
});
