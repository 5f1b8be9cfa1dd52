import { defineRule } from '../engine.ts';
import { at, Findings } from '../helpers.ts';

export const rule = defineRule({
  id: 'S3-VERSIONING',
  pack: 'generic',
  severity: 'error',
  title: 'Every bucket has VersioningConfiguration.Status Enabled',
  rationale:
    'Versioning keeps overwritten and deleted objects recoverable. checkov CKV_AWS_21, Guard ' +
    'S3_BUCKET_VERSIONING_ENABLED, Security Hub S3.14 and Control Tower CT.S3.PR.11 check the same value.',
  remediation: 'Set `VersioningConfiguration: {Status: Enabled}`.',
  resourceTypes: ['AWS::S3::Bucket'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const status = at(resource.resolved, 'VersioningConfiguration.Status');
    if (status !== 'Enabled') {
      out.add(resource.logicalId, 'Properties.VersioningConfiguration.Status', `versioning status is ${JSON.stringify(status ?? null)}, not Enabled`);
    }
    return out.list();
  },
});
export default rule;
