import type { Rule } from '../types.ts';
import { at, resourcesOf, ScenarioFindings } from '../helpers.ts';

export const rule: Rule = {
  id: 'S3-VERSIONING',
  pack: 'generic',
  severity: 'error',
  title: 'Every bucket has VersioningConfiguration.Status Enabled',
  rationale:
    'Versioning keeps overwritten and deleted objects recoverable. checkov CKV_AWS_21, Guard ' +
    'S3_BUCKET_VERSIONING_ENABLED, Security Hub S3.14 and Control Tower CT.S3.PR.11 check the same value.',
  resourceTypes: ['AWS::S3::Bucket'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const { resource, view } of resourcesOf(ctx, 'AWS::S3::Bucket')) {
      const status = at(resource.resolved, 'VersioningConfiguration.Status');
      if (status !== 'Enabled') {
        out.add(view, resource.logicalId, 'Properties.VersioningConfiguration.Status', `versioning status is ${JSON.stringify(status ?? null)}, not Enabled`);
      }
    }
    return out.list();
  },
};
export default rule;
