import { defineRule } from '../engine.ts';
import { at, Findings } from '../helpers.ts';

const ALGORITHMS = ['AES256', 'aws:kms', 'aws:kms:dsse'];

export const rule = defineRule({
  id: 'S3-ENCRYPTION',
  pack: 'generic',
  severity: 'error',
  title: 'Every bucket declares default encryption with a valid SSE algorithm',
  rationale:
    'Objects must be encrypted at rest by configuration, not by client discipline. cfn_nag W41 and Guard ' +
    'S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED check presence only; checkov CKV_AWS_19 even passes a missing block. ' +
    'This rule requires the block and checks every rule\'s SSEAlgorithm value.',
  remediation: 'Add BucketEncryption with a ServerSideEncryptionByDefault SSEAlgorithm of aws:kms (or AES256, aws:kms:dsse).',
  resourceTypes: ['AWS::S3::Bucket'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const rules = at(resource.resolved, 'BucketEncryption.ServerSideEncryptionConfiguration');
    if (!Array.isArray(rules) || rules.length === 0) {
      out.add(resource.logicalId, 'Properties.BucketEncryption', 'bucket has no default encryption (BucketEncryption.ServerSideEncryptionConfiguration)');
      return out.list();
    }
    rules.forEach((r, i) => {
      const algorithm = at(r, 'ServerSideEncryptionByDefault.SSEAlgorithm');
      if (typeof algorithm !== 'string' || !ALGORITHMS.includes(algorithm)) {
        out.add(
          resource.logicalId,
          `Properties.BucketEncryption.ServerSideEncryptionConfiguration[${i}].ServerSideEncryptionByDefault.SSEAlgorithm`,
          `SSEAlgorithm ${JSON.stringify(algorithm ?? null)} is not one of ${ALGORITHMS.join(', ')}`,
        );
      }
    });
    return out.list();
  },
});
export default rule;
