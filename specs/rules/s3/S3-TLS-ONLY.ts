import { defineRule } from '../engine.ts';
import { bool, Findings, statementsOf } from '../helpers.ts';
import { actionCovers, bucketPoliciesOf, conditionValues, isAnyone, T } from '../helpers.ts';

export const rule = defineRule({
  id: 'S3-TLS-ONLY',
  pack: 'generic',
  severity: 'error',
  title: 'Every bucket has a bucket policy that denies s3:* to everyone without TLS, on the bucket ARN and bucket/*',
  rationale:
    'Without the deny, plain-HTTP requests are accepted. Guard S3_BUCKET_SSL_REQUESTS_ONLY accepts any Deny with the ' +
    'condition; cdk-nag AwsSolutions-S10 and Security Hub S3.5 require both resources. cfn_nag W51 only checks a ' +
    'policy exists. This rule requires a policy per bucket and a Deny for Principal *, s3:* (or *), ' +
    'aws:SecureTransport false, covering both the bucket and its objects.',
  remediation: 'Add a bucket policy that denies s3:* to Principal * when aws:SecureTransport is false, on the bucket ARN and bucket/*.',
  resourceTypes: ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy'],
  resource(resource, ctx) {
    if (resource.type !== T.bucket) return [];
    const { view } = ctx;
    const out = new Findings();
    const policies = bucketPoliciesOf(view, resource.logicalId);
    if (policies.length === 0) {
      out.add(resource.logicalId, '', 'no AWS::S3::BucketPolicy refers to this bucket');
      return out.list();
    }
    const arn = view.resolve({ 'Fn::GetAtt': [resource.logicalId, 'Arn'] }) as string;
    const covered = new Set<string>();
    for (const policy of policies) {
      for (const { statement } of statementsOf(policy.resolved['PolicyDocument'], 'Properties.PolicyDocument')) {
        const insecure = conditionValues(statement, 'aws:SecureTransport').some(
          (c) => /^Bool(IfExists)?$/.test(c.operator) && c.values.length > 0 && c.values.every((v) => bool(v as never) === false),
        );
        if (statement['Effect'] !== 'Deny' || !isAnyone(statement['Principal']) || !insecure) continue;
        if (!actionCovers(statement, 's3:*') && !actionCovers(statement, '*')) continue;
        const resources = Array.isArray(statement['Resource']) ? statement['Resource'] : [statement['Resource']];
        for (const r of resources) {
          if (r === arn || r === '*') covered.add('bucket');
          if (r === `${arn}/*` || r === '*') covered.add('objects');
        }
      }
    }
    const missing = ['bucket', 'objects'].filter((k) => !covered.has(k));
    if (missing.length > 0) {
      out.add(
        policies[0]!.logicalId,
        'Properties.PolicyDocument',
        `no Deny of s3:* for Principal * when aws:SecureTransport is false covers ${missing.map((m) => (m === 'bucket' ? 'the bucket ARN' : 'bucket/*')).join(' and ')} of ${resource.logicalId}`,
      );
    }
    return out.list();
  },
});
export default rule;
