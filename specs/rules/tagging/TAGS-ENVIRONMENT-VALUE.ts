import { defineRule } from '../engine.ts';
import { Findings, scenarioValue } from '../helpers.ts';
import { tagsOf } from './tags.ts';

export const rule = defineRule({
  id: 'TAGS-ENVIRONMENT-VALUE',
  pack: 'generic',
  severity: 'error',
  title: 'In templates with an Environment parameter, every Environment tag equals that parameter in every scenario',
  rationale:
    'A literal `prod` copied into a dev template, or a mapping that tags staging resources as prod, misroutes cost ' +
    'reports and tag-based access. Checked per Environment value; no known tool checks tag values.',
  remediation: 'Set the Environment tag\'s value to `!Ref Environment`.',
  resourceTypes: [],
  template(view) {
    const out = new Findings();
    for (const resource of view.resources) {
      const environment = scenarioValue(view);
      if (environment === undefined) continue;
      for (const tag of tagsOf(resource)) {
        if (tag.key === 'Environment' && tag.value !== environment) {
          out.add(resource.logicalId, tag.valuePath, `Environment tag is ${JSON.stringify(tag.value ?? null)}, not the Environment parameter`);
        }
      }
    }
    return out.list();
  },
});
export default rule;
