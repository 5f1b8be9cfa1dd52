import { defineRule } from '../engine.ts';
import { at, Findings } from '../helpers.ts';

export const rule = defineRule({
  id: 'S3-OWNERSHIP-ENFORCED',
  pack: 'generic',
  severity: 'error',
  title: 'Every bucket disables ACLs (OwnershipControls BucketOwnerEnforced) and sets no AccessControl',
  rationale:
    'With ACLs disabled only policies grant access, and every object belongs to the bucket owner. Security Hub ' +
    'S3.12 and cfn-lint W3045 push the same way; checkov CKV_AWS_20/57 and cfn_nag W31/F14 only reject public canned ' +
    'ACLs, none requires BucketOwnerEnforced.',
  remediation: 'Set `OwnershipControls: {Rules: [{ObjectOwnership: BucketOwnerEnforced}]}` and remove AccessControl.',
  resourceTypes: ['AWS::S3::Bucket'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const rules = at(resource.resolved, 'OwnershipControls.Rules');
    const owners = Array.isArray(rules) ? rules.map((r) => at(r, 'ObjectOwnership')) : [];
    if (owners.length !== 1 || owners[0] !== 'BucketOwnerEnforced') {
      out.add(resource.logicalId, 'Properties.OwnershipControls', `object ownership is ${JSON.stringify(owners)}, not [BucketOwnerEnforced]`);
    }
    const acl = resource.resolved['AccessControl'];
    if (acl !== undefined) {
      out.add(resource.logicalId, 'Properties.AccessControl', `AccessControl ${JSON.stringify(acl)} uses a legacy ACL; grant access with a bucket policy`);
    }
    return out.list();
  },
});
export default rule;
