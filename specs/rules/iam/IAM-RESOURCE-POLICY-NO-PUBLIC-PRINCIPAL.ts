import { defineRule } from '../engine.ts';
import { isAllow, principalsOf, resourcePolicies, statementsOf } from '../helpers.ts';

export const rule = defineRule({
  id: 'IAM-RESOURCE-POLICY-NO-PUBLIC-PRINCIPAL',
  pack: 'generic',
  severity: 'error',
  // Public (or any-account) access to a bucket, queue, topic or key: no reason makes it acceptable.
  mandatory: true,
  title: 'Bucket, queue, topic, key and secret policies allow nothing to `*` / `{AWS: "*"}` (Deny to `*` is fine)',
  rationale:
    'An Allow to every principal makes the resource public or cross-account. cfn_nag F16/F18/F21/F76 and Guard ' +
    '*_NO_WILDCARD_PRINCIPAL check it per type (checkov has no CloudFormation check for bucket, queue or topic policies); ' +
    'Security Hub S3.2/S3.3, SQS.3, KMS.5 find it after deployment. This rule covers all five policy types in one place.',
  remediation: 'Replace `*` with the service or account principals that need access (Deny statements may keep `*`).',
  resourceTypes: ['AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy', 'AWS::KMS::Key', 'AWS::SecretsManager::ResourcePolicy'],
  template: (view, ctx) =>
      resourcePolicies(view).flatMap((policy) =>
        statementsOf(policy.document, policy.path).flatMap(({ statement, path }) =>
          isAllow(statement) && principalsOf(statement).some((p) => p.value.trim() === '*')
            ? [{ logicalId: policy.logicalId, path: `${path}.Principal`, message: 'allows every principal (`*`); name the service or account principal instead' }]
            : [],
        ),
      ),
});
