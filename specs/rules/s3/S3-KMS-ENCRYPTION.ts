import { defineRule } from '../engine.ts';
import { at, bool, Findings } from '../helpers.ts';
import { describeKeyValue, isStackKeyArn } from '../helpers.ts';

export const rule = defineRule({
  id: 'S3-KMS-ENCRYPTION',
  pack: 'generic',
  severity: 'error',
  title: 'Buckets default to SSE-KMS with the full ARN of a KMS key of this stack and an S3 Bucket Key',
  rationale:
    'A customer managed key of the stack puts decryption under the stack\'s key policy; an alias can be repointed ' +
    'and aws/s3 cannot be restricted. The Bucket Key cuts KMS request cost. cdk-nag S3DefaultEncryptionKMS and ' +
    'Security Hub S3.17 only require aws:kms; no tool checks which key is used or BucketKeyEnabled. Suppress ' +
    'with a reason on an access-log target bucket (log delivery supports only SSE-S3).',
  remediation: 'Set SSEAlgorithm aws:kms, KMSMasterKeyID `!GetAtt <stack key>.Arn` and `BucketKeyEnabled: true`.',
  resourceTypes: ['AWS::S3::Bucket'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const rules = at(resource.resolved, 'BucketEncryption.ServerSideEncryptionConfiguration');
    if (!Array.isArray(rules) || rules.length === 0) {
      out.add(resource.logicalId, 'Properties.BucketEncryption', 'bucket has no SSE-KMS default encryption');
      return out.list();
    }
    rules.forEach((r, i) => {
      const base = `Properties.BucketEncryption.ServerSideEncryptionConfiguration[${i}]`;
      const algorithm = at(r, 'ServerSideEncryptionByDefault.SSEAlgorithm');
      if (algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse') {
        out.add(resource.logicalId, `${base}.ServerSideEncryptionByDefault.SSEAlgorithm`, `SSEAlgorithm is ${JSON.stringify(algorithm ?? null)}, not aws:kms`);
        return;
      }
      const key = at(r, 'ServerSideEncryptionByDefault.KMSMasterKeyID');
      if (!isStackKeyArn(view, key)) {
        out.add(resource.logicalId, `${base}.ServerSideEncryptionByDefault.KMSMasterKeyID`, `KMSMasterKeyID must be the full ARN of a KMS key of this stack: ${describeKeyValue(view, key)}`);
      }
      if (algorithm === 'aws:kms' && bool(at(r, 'BucketKeyEnabled')) !== true) {
        out.add(resource.logicalId, `${base}.BucketKeyEnabled`, 'BucketKeyEnabled is not true');
      }
    });
    return out.list();
  },
});
export default rule;
