import { defineRule } from '../engine.ts';
import { at, Findings, statementsOf } from '../helpers.ts';
import { actionCovers, backupBucket, bucketPoliciesOf, conditionValues, isAnyone, isStackKeyArn, resourceCovers } from '../helpers.ts';

const NOT_EQUALS = /^StringNotEquals(IfExists)?$/;

export const rule = defineRule({
  id: 'S3-BACKUP-PUT-ENCRYPTION',
  pack: 'backup-stack',
  severity: 'error',
  title: 'The backup bucket policy denies puts that ask for another SSE algorithm or another KMS key than the stack key',
  rationale:
    'Default encryption applies only when a request names no encryption; a writer could still ask for SSE-S3 or for ' +
    'its own key and so escape the stack key\'s policy. A Deny on s3:PutObject with StringNotEquals(IfExists) on ' +
    's3:x-amz-server-side-encryption (aws:kms) and on s3:x-amz-server-side-encryption-aws-kms-key-id (the key the ' +
    'bucket encrypts with) closes that. No known tool checks this.',
  remediation: 'Add Deny statements for s3:PutObject whose s3:x-amz-server-side-encryption is not aws:kms or whose key id is not the stack key.',
  resourceTypes: ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy'],
  template(view, ctx) {
    const out = new Findings();
    const bucket = backupBucket(view);
    if (!bucket) return out.list(); // CONTRACT-BUCKETS reports a missing backup bucket
    const objects = `${view.resolve({ 'Fn::GetAtt': [bucket.logicalId, 'Arn'] })}/backups/example`;
    const keyArn = at(bucket.resolved, 'BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID');
    const policies = bucketPoliciesOf(view, bucket.logicalId);
    const [id, path] = policies[0] ? [policies[0].logicalId, 'Properties.PolicyDocument'] : [bucket.logicalId, ''];
    const denies = policies
      .flatMap((p) => statementsOf(p.resolved['PolicyDocument'], 'Properties.PolicyDocument').map((s) => s.statement))
      .filter((s) => s['Effect'] === 'Deny' && isAnyone(s['Principal']) && actionCovers(s, 's3:PutObject') && resourceCovers(s, objects));
    const deniesOther = (key: string, accept: (values: unknown[]) => boolean) =>
      denies.some((s) => conditionValues(s, key).some((c) => NOT_EQUALS.test(c.operator) && c.values.length > 0 && accept(c.values)));
    if (!deniesOther('s3:x-amz-server-side-encryption', (v) => v.every((x) => x === 'aws:kms' || x === 'aws:kms:dsse'))) {
      out.add(id, path, `no statement in the policy of ${bucket.logicalId} denies s3:PutObject whose s3:x-amz-server-side-encryption is not aws:kms`);
    }
    if (!deniesOther('s3:x-amz-server-side-encryption-aws-kms-key-id', (v) => v.length === 1 && isStackKeyArn(view, v[0]) !== undefined && (keyArn === undefined || v[0] === keyArn))) {
      out.add(id, path, `no statement in the policy of ${bucket.logicalId} denies s3:PutObject with a KMS key other than the stack key the bucket encrypts with`);
    }
    return out.list();
  },
});
export default rule;
