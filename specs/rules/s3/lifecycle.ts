// Shared reading of S3 lifecycle rules (used by S3-LIFECYCLE and S3-LIFECYCLE-TRANSITIONS).
import type { Json } from '../../../scripts/lib/cfn/template.ts';
import { at, isObject } from '../helpers.ts';

export interface LifecycleRule {
  rule: Record<string, Json>;
  path: string;
  enabled: boolean;
  /** True when the rule has no Prefix, TagFilters or object-size filter, so it applies to every object. */
  wholeBucket: boolean;
}

export function lifecycleRules(properties: Record<string, Json>): LifecycleRule[] | undefined {
  const rules = at(properties, 'LifecycleConfiguration.Rules');
  if (!Array.isArray(rules)) return undefined;
  return rules.flatMap((rule, i) =>
    isObject(rule)
      ? [{
          rule,
          path: `Properties.LifecycleConfiguration.Rules[${i}]`,
          enabled: rule['Status'] === 'Enabled',
          wholeBucket: ['Prefix', 'TagFilters', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan'].every(
            (k) => rule[k] === undefined || rule[k] === '' || (Array.isArray(rule[k]) && (rule[k] as Json[]).length === 0),
          ),
        }]
      : [],
  );
}

/** Minimum storage duration (days) S3 bills for each class, and the earliest day a transition into it is allowed. */
export const STORAGE_CLASSES: Record<string, { minStorageDays: number; earliestTransitionDay: number; order: number }> = {
  STANDARD_IA: { minStorageDays: 30, earliestTransitionDay: 30, order: 1 },
  INTELLIGENT_TIERING: { minStorageDays: 0, earliestTransitionDay: 0, order: 2 },
  ONEZONE_IA: { minStorageDays: 30, earliestTransitionDay: 30, order: 3 },
  GLACIER_IR: { minStorageDays: 90, earliestTransitionDay: 0, order: 4 },
  GLACIER: { minStorageDays: 90, earliestTransitionDay: 0, order: 5 },
  DEEP_ARCHIVE: { minStorageDays: 180, earliestTransitionDay: 0, order: 6 },
};
