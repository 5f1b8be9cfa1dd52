import { defineRule } from '../engine.ts';
import { at, bool, Findings } from '../helpers.ts';

const FLAGS = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'];

export const rule = defineRule({
  id: 'S3-PUBLIC-ACCESS-BLOCK',
  pack: 'generic',
  severity: 'error',
  // A bucket that can be made public: no reason makes it acceptable.
  mandatory: true,
  title: 'Every bucket sets all four PublicAccessBlockConfiguration flags to true',
  rationale:
    'Bucket-level Block Public Access stops a later policy or ACL from exposing backups. checkov CKV_AWS_53-56 and ' +
    'Guard S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED check the flags; cdk-nag AwsSolutions-S2 passes a missing block. ' +
    'Here a missing block fails too.',
  remediation: 'Set BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls and RestrictPublicBuckets to true.',
  resourceTypes: ['AWS::S3::Bucket'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const block = resource.resolved['PublicAccessBlockConfiguration'];
    if (block === undefined) {
      out.add(resource.logicalId, 'Properties.PublicAccessBlockConfiguration', 'bucket has no PublicAccessBlockConfiguration');
      return out.list();
    }
    for (const flag of FLAGS) {
      if (bool(at(block, flag)) !== true) {
        out.add(resource.logicalId, `Properties.PublicAccessBlockConfiguration.${flag}`, `${flag} is not true`);
      }
    }
    return out.list();
  },
});
export default rule;
