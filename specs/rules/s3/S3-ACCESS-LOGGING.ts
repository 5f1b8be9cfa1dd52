import { defineRule } from '../engine.ts';
import { at, Findings, statementsOf, targetOf } from '../helpers.ts';
import { actionCovers, bucketPoliciesOf, conditionValues, isServicePrincipal, resourceCovers, T } from '../helpers.ts';

export const rule = defineRule({
  id: 'S3-ACCESS-LOGGING',
  pack: 'generic',
  severity: 'error',
  title: 'Buckets log server access to another bucket of this stack, under a prefix, which lets logging.s3 deliver with aws:SourceAccount',
  rationale:
    'Access logs are the audit trail of who read or wrote backups. checkov CKV_AWS_18, cfn_nag W35 and Guard ' +
    'S3_BUCKET_LOGGING_ENABLED only test that LoggingConfiguration exists, even when it names a bucket that does not ' +
    'exist or the bucket itself. This rule checks the target is a different bucket of the stack, a prefix is set and ' +
    'the target\'s bucket policy admits delivery by logging.s3.amazonaws.com for that prefix, scoped with aws:SourceAccount. ' +
    'Suppress on the log target bucket itself.',
  remediation: 'Set LoggingConfiguration to another bucket of this stack with a LogFilePrefix, and let logging.s3.amazonaws.com write there with aws:SourceAccount.',
  resourceTypes: ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy'],
  resource(resource, ctx) {
    if (resource.type !== T.bucket) return [];
    const { view } = ctx;
    const out = new Findings();
    const logging = resource.resolved['LoggingConfiguration'];
    if (logging === undefined) {
      out.add(resource.logicalId, 'Properties.LoggingConfiguration', 'bucket has no server access logging');
      return out.list();
    }
    const destination = at(logging, 'DestinationBucketName');
    const target = targetOf(view, destination, [T.bucket]);
    if (!target) {
      out.add(resource.logicalId, 'Properties.LoggingConfiguration.DestinationBucketName', `log target ${JSON.stringify(destination ?? null)} is not a bucket of this stack`);
      return out.list();
    }
    if (target.logicalId === resource.logicalId) {
      out.add(resource.logicalId, 'Properties.LoggingConfiguration.DestinationBucketName', 'the bucket logs into itself, which loops');
      return out.list();
    }
    const prefix = at(logging, 'LogFilePrefix');
    if (typeof prefix !== 'string' || prefix.trim() === '') {
      out.add(resource.logicalId, 'Properties.LoggingConfiguration.LogFilePrefix', 'no LogFilePrefix: logs of different buckets would mix at the root of the log bucket');
    }
    const objectArn = `${view.resolve({ 'Fn::GetAtt': [target.logicalId, 'Arn'] })}/${typeof prefix === 'string' ? prefix : ''}example.log`;
    const delivering = bucketPoliciesOf(view, target.logicalId).flatMap((p) =>
      statementsOf(p.resolved['PolicyDocument'], 'Properties.PolicyDocument').map((s) => s.statement),
    ).filter(
      (s) =>
        s['Effect'] === 'Allow' &&
        isServicePrincipal(s['Principal'], 'logging.s3') &&
        actionCovers(s, 's3:PutObject') &&
        resourceCovers(s, objectArn),
    );
    if (delivering.length === 0) {
      out.add(
        resource.logicalId,
        'Properties.LoggingConfiguration.DestinationBucketName',
        `the bucket policy of ${target.logicalId} does not allow logging.s3.amazonaws.com to s3:PutObject under the log prefix`,
      );
    } else if (!delivering.some((s) => conditionValues(s, 'aws:SourceAccount').some((c) => c.values.includes('{{AWS::AccountId}}')))) {
      out.add(
        resource.logicalId,
        'Properties.LoggingConfiguration.DestinationBucketName',
        `the log-delivery statement in the bucket policy of ${target.logicalId} has no aws:SourceAccount condition on this account`,
      );
    }
    return out.list();
  },
});
export default rule;
