import type { Rule } from '../types.ts';
import { at, resourcesOf, ScenarioFindings } from '../helpers.ts';

const ALGORITHMS = ['AES256', 'aws:kms', 'aws:kms:dsse'];

export const rule: Rule = {
  id: 'S3-ENCRYPTION',
  pack: 'generic',
  severity: 'error',
  title: 'Every bucket declares default encryption with a valid SSE algorithm',
  rationale:
    'Objects must be encrypted at rest by configuration, not by client discipline. cfn_nag W41 and Guard ' +
    'S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED check presence only; checkov CKV_AWS_19 even passes a missing block. ' +
    'This rule requires the block and checks every rule\'s SSEAlgorithm value.',
  resourceTypes: ['AWS::S3::Bucket'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const { resource, view } of resourcesOf(ctx, 'AWS::S3::Bucket')) {
      const rules = at(resource.resolved, 'BucketEncryption.ServerSideEncryptionConfiguration');
      if (!Array.isArray(rules) || rules.length === 0) {
        out.add(view, resource.logicalId, 'Properties.BucketEncryption', 'bucket has no default encryption (BucketEncryption.ServerSideEncryptionConfiguration)');
        continue;
      }
      rules.forEach((r, i) => {
        const algorithm = at(r, 'ServerSideEncryptionByDefault.SSEAlgorithm');
        if (typeof algorithm !== 'string' || !ALGORITHMS.includes(algorithm)) {
          out.add(
            view,
            resource.logicalId,
            `Properties.BucketEncryption.ServerSideEncryptionConfiguration[${i}].ServerSideEncryptionByDefault.SSEAlgorithm`,
            `SSEAlgorithm ${JSON.stringify(algorithm ?? null)} is not one of ${ALGORITHMS.join(', ')}`,
          );
        }
      });
    }
    return out.list();
  },
};
export default rule;
