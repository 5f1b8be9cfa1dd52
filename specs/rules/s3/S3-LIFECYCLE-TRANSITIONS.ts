import type { Json } from '../../../scripts/lib/cfn/template.ts';
import { defineRule } from '../engine.ts';
import { asArray, at, isObject, num, Findings } from '../helpers.ts';
import { lifecycleRules, STORAGE_CLASSES } from './lifecycle.ts';

interface Step { path: string; storageClass: string; day: number | undefined }

function steps(list: Json | undefined, single: Json | undefined, base: string, listKey: string, singleKey: string, dayKey: string): Step[] {
  const out: Step[] = [];
  asArray(list).forEach((t, i) => {
    if (isObject(t)) out.push({ path: `${base}.${listKey}[${i}]`, storageClass: String(t['StorageClass']), day: num(t[dayKey]) });
  });
  if (isObject(single)) out.push({ path: `${base}.${singleKey}`, storageClass: String(single['StorageClass']), day: num(single[dayKey]) });
  return out;
}

export const rule = defineRule({
  id: 'S3-LIFECYCLE-TRANSITIONS',
  pack: 'generic',
  severity: 'warning',
  title: 'Lifecycle transitions come before expiration, in storage-class order, and respect each class\'s minimum days',
  rationale:
    'S3 rejects STANDARD_IA/ONEZONE_IA transitions before day 30, and bills the minimum storage duration (30/90/180 days) ' +
    'of a class even when the object expires earlier, so a transition too close to expiry costs more than it saves. ' +
    'cfn-lint validates only the schema of the dates; no tool compares transitions with expiration.',
  remediation: 'Order transitions by storage class before expiration and respect each class\'s minimum days.',
  resourceTypes: ['AWS::S3::Bucket'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    for (const lc of lifecycleRules(resource.resolved) ?? []) {
      if (!lc.enabled) continue;
      const current = steps(lc.rule['Transitions'], lc.rule['Transition'], lc.path, 'Transitions', 'Transition', 'TransitionInDays');
      const noncurrent = steps(
        lc.rule['NoncurrentVersionTransitions'], lc.rule['NoncurrentVersionTransition'], lc.path,
        'NoncurrentVersionTransitions', 'NoncurrentVersionTransition', 'TransitionInDays',
      );
      const expiry = num(lc.rule['ExpirationInDays']);
      const noncurrentExpiry = num(at(lc.rule, 'NoncurrentVersionExpiration.NoncurrentDays')) ?? num(lc.rule['NoncurrentVersionExpirationInDays']);
      for (const [list, end, what] of [[current, expiry, 'expiration'], [noncurrent, noncurrentExpiry, 'noncurrent version expiration']] as const) {
        const sorted = [...list].sort((a, b) => (a.day ?? 0) - (b.day ?? 0));
        sorted.forEach((step, i) => {
          const cls = STORAGE_CLASSES[step.storageClass];
          const where = `${step.path}.TransitionInDays`;
          if (!cls) {
            out.add(resource.logicalId, `${step.path}.StorageClass`, `unknown storage class ${step.storageClass}`);
            return;
          }
          if (step.day === undefined) {
            out.add(resource.logicalId, where, 'the transition has no day count (TransitionInDays)');
            return;
          }
          if (step.day < cls.earliestTransitionDay) {
            out.add(resource.logicalId, where, `${step.storageClass} transition at day ${step.day}: S3 requires at least ${cls.earliestTransitionDay}`);
          }
          const next = sorted[i + 1];
          const leaves = next?.day ?? end;
          if (end !== undefined && step.day >= end) {
            out.add(resource.logicalId, where, `${step.storageClass} transition at day ${step.day} is not before the ${what} at day ${end}`);
          } else if (leaves !== undefined && leaves - step.day < cls.minStorageDays) {
            out.add(
              resource.logicalId, where,
              `objects stay ${leaves - step.day} days in ${step.storageClass} (day ${step.day} to ${leaves}), less than its ${cls.minStorageDays}-day minimum storage charge`,
            );
          }
          if (next && STORAGE_CLASSES[next.storageClass] && STORAGE_CLASSES[next.storageClass]!.order <= cls.order) {
            out.add(resource.logicalId, `${next.path}.StorageClass`, `transition from ${step.storageClass} to ${next.storageClass} goes against the storage-class waterfall`);
          }
        });
      }
    }
    return out.list();
  },
});
export default rule;
