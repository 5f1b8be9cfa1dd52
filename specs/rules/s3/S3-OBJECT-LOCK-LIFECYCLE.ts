import { defineRule } from '../engine.ts';
import { at, num, Findings } from '../helpers.ts';
import { lifecycleRules } from './lifecycle.ts';
import { defaultRetention } from './object-lock.ts';

export const rule = defineRule({
  id: 'S3-OBJECT-LOCK-LIFECYCLE',
  pack: 'generic',
  severity: 'warning',
  title: 'A bucket with an Object Lock default retention has no lifecycle rule that expires noncurrent versions before the retention ends',
  rationale:
    'S3 cannot permanently delete a version whose retention has not ended, so a NoncurrentVersionExpiration shorter ' +
    'than the default retention does nothing for a version that became noncurrent early: the rule promises a cost ' +
    'and a deletion that do not happen. (Current-object expiration only adds a delete marker, which a lock allows.) ' +
    'Neither cfn-lint nor checkov compares the two.',
  remediation: 'Set NoncurrentVersionExpiration.NoncurrentDays to at least the Object Lock default retention (in days).',
  resourceTypes: ['AWS::S3::Bucket'],
  resource(resource) {
    const out = new Findings();
    const lock = defaultRetention(resource.resolved);
    if (lock?.days === undefined) return out.list();
    for (const lc of lifecycleRules(resource.resolved) ?? []) {
      if (!lc.enabled) continue;
      const nested = num(at(lc.rule, 'NoncurrentVersionExpiration.NoncurrentDays'));
      const days = nested ?? num(lc.rule['NoncurrentVersionExpirationInDays']);
      if (days !== undefined && days < lock.days) {
        const path = nested === undefined ? `${lc.path}.NoncurrentVersionExpirationInDays` : `${lc.path}.NoncurrentVersionExpiration.NoncurrentDays`;
        out.add(resource.logicalId, path, `noncurrent versions expire after ${days} days, before the ${lock.days}-day Object Lock retention ends: S3 cannot delete them then`);
      }
    }
    return out.list();
  },
});
export default rule;
