import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';
import { GENERIC_DEFAULT_TAGS, PRODUCT_TAGS, tagProperty, tagsOf } from './tags.ts';

export const rule = defineRule({
  id: 'TAGS-REQUIRED',
  pack: 'generic',
  severity: 'error',
  title:
    'Every resource whose type takes tags carries the required tags, non-empty: those of `--required-tags` or the config file ' +
    `(default ${GENERIC_DEFAULT_TAGS.length === 0 ? 'none' : GENERIC_DEFAULT_TAGS.join(', ')}), plus ${PRODUCT_TAGS.join(', ')} when the backup-stack pack runs`,
  rationale:
    'Tags drive cost allocation, ownership and access (ABAC). No static tool requires tag keys: checkov, cfn_nag, ' +
    'Guard and cdk-nag have no tagging rule and cfn-lint E3024 only validates their format; Security Hub IAM.24, ' +
    'Lambda.6 and SQS.2 check required keys only after deployment. Which types take tags comes from cfn-lint\'s ' +
    'provider schemas (taggable-types.json).',
  remediation: 'Add the missing tags with non-empty values.',
  resourceTypes: [],
  template(view, ctx) {
    const out = new Findings();
    // Unset only for in-process callers (specs): they judge this product, so its tags.
    const required = ctx.settings?.requiredTags ?? PRODUCT_TAGS;
    if (required.length === 0) return out.list();
    for (const resource of view.resources) {
      const spec = tagProperty(resource.type);
      if (!spec) continue;
      const tags = tagsOf(resource);
      const missing = required.filter((k) => {
        const tag = tags.find((t) => t.key === k);
        return !tag || tag.value === undefined || tag.value === null || String(tag.value).trim() === '';
      });
      if (missing.length > 0) out.add(resource.logicalId, `Properties.${spec.property}`, `missing or empty tags: ${missing.join(', ')}`);
    }
    return out.list();
  },
});
export default rule;
