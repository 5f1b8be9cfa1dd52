import type { Json } from '../../../scripts/lib/cfn/template.ts';
import { defineRule } from '../engine.ts';
import { finding, isObject } from '../helpers.ts';
import type { RuleFinding } from '../types.ts';

export const MAPPING = 'EnvironmentConfig';

/** Second-level keys read with Fn::FindInMap [EnvironmentConfig, !Ref Environment, Key] anywhere in `value`. */
function usedKeys(value: Json | undefined, into: Set<string>): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => usedKeys(v, into));
  else if (isObject(value)) {
    const fim = value['Fn::FindInMap'];
    if (Array.isArray(fim) && fim[0] === MAPPING && JSON.stringify(fim[1]) === JSON.stringify({ Ref: 'Environment' }) && typeof fim[2] === 'string') into.add(fim[2]);
    Object.values(value).forEach((v) => usedKeys(v, into));
  }
  return into;
}

export const rule = defineRule({
  id: 'CONTRACT-ENVIRONMENT-MAPPING',
  pack: 'backup-stack',
  severity: 'error',
  title: `Mapping ${MAPPING} has one entry per Environment value, the same keys in each, and every key is used by the template`,
  rationale:
    'A key missing from one environment fails only when that environment is deployed; an unused key is a setting ' +
    'someone believes is in force. cfn-lint W7001 flags an unused mapping as a whole; no tool compares the entries.',
  remediation: 'Give the mapping one entry per Environment value with the same keys in each, and remove keys nothing reads with !FindInMap.',
  resourceTypes: [],
  once(ctx) {
    const id = `Mappings.${MAPPING}`;
    const mapping = ctx.template.mappings[MAPPING];
    if (!mapping) return [finding('Template', 'Mappings', `the template has no ${MAPPING} mapping`)];
    const out: RuleFinding[] = [];
    const allowed = ctx.template.parameters['Environment']?.['AllowedValues'];
    const environments = Array.isArray(allowed) ? allowed.map(String) : Object.keys(mapping);
    for (const e of environments) if (!isObject(mapping[e])) out.push(finding(id, e, `no entry for Environment ${e}`));
    for (const e of Object.keys(mapping)) if (!environments.includes(e)) out.push(finding(id, e, `entry ${e} is not an Environment value`));
    const keys = new Set(Object.values(mapping).flatMap((v) => (isObject(v) ? Object.keys(v) : [])));
    for (const e of environments) {
      const entry = mapping[e];
      if (!isObject(entry)) continue;
      for (const k of keys) if (!(k in entry)) out.push(finding(id, `${e}.${k}`, `${e} has no ${k} (other environments do)`));
    }
    const raw = ctx.template.raw;
    const used = usedKeys([raw['Resources'] ?? null, raw['Outputs'] ?? null, raw['Conditions'] ?? null], new Set());
    if (used.size === 0) out.push(finding(id, '', `no resource reads ${MAPPING} with !FindInMap [${MAPPING}, !Ref Environment, ...]`));
    for (const k of keys) if (used.size > 0 && !used.has(k)) out.push(finding(id, k, `${k} is never read by the template`));
    for (const k of used) if (!keys.has(k)) out.push(finding(id, k, `the template reads ${k}, which the mapping does not define`));
    return out;
  },
});
export default rule;
