import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';
import { tagsOf } from './tags.ts';

// Shapes of credentials that must never sit in a tag (tags are readable with tag:GetResources by many roles).
const SECRET_SHAPES: Array<[string, RegExp]> = [
  ['an AWS access key id', /\b(AKIA|ASIA)[A-Z0-9]{16}\b/],
  ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['a JSON web token', /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/],
  ['a GitHub or Slack token', /\b(ghp_[A-Za-z0-9]{36}|xox[abpr]-[A-Za-z0-9-]{10,})/],
  ['a password assignment', /(password|passwd|secret|api[_-]?key|token)\s*[:=]\s*\S+/i],
  ['a long random-looking string', /^(?=.*[0-9])(?=.*[A-Z])(?=.*[a-z])[A-Za-z0-9+/=_-]{32,}$/],
];
const SECRET_KEYS = /(password|passwd|secret|api[_-]?key|access[_-]?key|token|credential)/i;

export const rule = defineRule({
  id: 'TAGS-NO-SECRETS',
  pack: 'generic',
  severity: 'error',
  title: 'Tag keys and values hold no secrets (no credential-named keys, no key, token or password shapes)',
  rationale:
    'Tags are visible to anyone with tag:GetResources or the service\'s Describe/List calls and are copied into ' +
    'billing reports. checkov CKV_AWS_45 scans Lambda environment variables only; no known tool scans tags.',
  remediation: 'Remove the credential from the tag; keep secrets in Secrets Manager or SSM.',
  resourceTypes: [],
  template(view) {
    const out = new Findings();
    for (const resource of view.resources) {
      for (const tag of tagsOf(resource)) {
        if (SECRET_KEYS.test(tag.key)) out.add(resource.logicalId, tag.path, `tag key ${JSON.stringify(tag.key)} names a credential`);
        if (typeof tag.value !== 'string' || tag.value.includes('{{')) continue;
        const shape = SECRET_SHAPES.find(([, re]) => re.test(tag.value as string));
        if (shape) out.add(resource.logicalId, tag.path, `the value of tag ${tag.key} looks like ${shape[0]}`);
      }
    }
    return out.list();
  },
});
export default rule;
