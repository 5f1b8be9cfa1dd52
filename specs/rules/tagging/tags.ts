// Which resource types take tags (table generated from cfn-lint's schemas by scripts/rules-taggable-types.ts) and
// reading a resource's resolved tags in either shape.
import type { Json } from '../../../scripts/lib/cfn/template.ts';
import type { ResolvedResource } from '../../../scripts/lib/cfn/intrinsics.ts';
import { isObject } from '../helpers.ts';
import type { Pack } from '../types.ts';
import table from './taggable-types.json' with { type: 'json' };

const TYPES = (table as { types: Record<string, string> }).types;

/** This product's tags: required whenever the backup-stack pack runs, whatever is configured. */
export const PRODUCT_TAGS: readonly string[] = ['Environment', 'Purpose', 'iac-rlhf-amazon'];
/**
 * The generic pack requires no tag unless told: which tags an organisation requires is its own policy (AWS
 * Config's required-tags rule likewise has no default), and this product's tags on another team's template are
 * noise (39 % of all findings on a public corpus). Set them with `--required-tags` or a config file's `requiredTags`.
 */
export const GENERIC_DEFAULT_TAGS: readonly string[] = [];

/** The tags a run requires: the configured ones (or the generic default), plus this product's when its pack runs. */
export function requiredTagsFor(configured: readonly string[] | undefined, packs: readonly Pack[]): string[] {
  const tags = [...(configured ?? GENERIC_DEFAULT_TAGS)];
  if (packs.includes('backup-stack')) tags.push(...PRODUCT_TAGS);
  return [...new Set(tags)];
}

/** The tag property of a type and its shape, or undefined when the type takes no tags. */
export function tagProperty(type: string): { property: string; shape: 'list' | 'map' } | undefined {
  const entry = TYPES[type];
  if (!entry) return undefined;
  const [property, shape] = entry.split(':');
  return { property: property!, shape: shape === 'map' ? 'map' : 'list' };
}

export interface Tag { key: string; value: Json | undefined; path: string; valuePath: string }

/** The resolved tags of a resource, each with its property path. */
export function tagsOf(resource: ResolvedResource): Tag[] {
  const spec = tagProperty(resource.type);
  if (!spec) return [];
  const raw = resource.resolved[spec.property];
  const base = `Properties.${spec.property}`;
  if (Array.isArray(raw)) {
    return raw.flatMap((t, i) => (isObject(t) && typeof t['Key'] === 'string' ? [{ key: t['Key'], value: t['Value'], path: `${base}[${i}]`, valuePath: `${base}[${i}].Value` }] : []));
  }
  if (isObject(raw)) return Object.entries(raw).map(([key, value]) => ({ key, value, path: `${base}.${key}`, valuePath: `${base}.${key}` }));
  return [];
}
