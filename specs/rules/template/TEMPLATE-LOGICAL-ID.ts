import { defineRule } from '../engine.ts';
import type { RuleFinding } from '../types.ts';
import { isObject } from '../helpers.ts';

/** CloudFormation's limit on the name of a resource, parameter, output or mapping. */
export const MAX_LOGICAL_ID_LENGTH = 255;

/** What is wrong with a logical id, or undefined when CloudFormation accepts it. */
export function logicalIdProblem(id: string, noun = 'logical id'): string | undefined {
  const problems: string[] = [];
  if (id.length > MAX_LOGICAL_ID_LENGTH) problems.push(`is ${id.length} characters long; CloudFormation allows at most ${MAX_LOGICAL_ID_LENGTH}`);
  const others = [...new Set(id.replace(/[A-Za-z0-9]/g, ''))];
  if (others.length > 0) {
    const shown = others.slice(0, 5).map((c) => JSON.stringify(c)).join(', ');
    problems.push(`has characters other than A-Z, a-z and 0-9 (${shown}${others.length > 5 ? ', …' : ''}), which CloudFormation refuses`);
  }
  return problems.length ? `the ${noun} ${problems.join(' and ')}` : undefined;
}

export const rule = defineRule({
  id: 'TEMPLATE-LOGICAL-ID',
  pack: 'generic',
  severity: 'error',
  title: 'Every resource, parameter, output and mapping name is alphanumeric and at most 255 characters',
  rationale:
    'CloudFormation refuses a template whose logical ids contain anything but A-Z, a-z and 0-9 or are longer than ' +
    '255 characters, but only when it is deployed; YAML and JSON accept any key, so the template parses and every other ' +
    'check passes. cfn-lint checks both through its template schema (E2001, E3001, E6001, E7001). A 2,000-character id ' +
    'is also shortened in the text report, which would otherwise repeat it in every finding.',
  remediation: 'Rename it to letters and digits only, at most 255 characters.',
  resourceTypes: [],
  once: (ctx) => {
    const out: RuleFinding[] = [];
    for (const id of Object.keys(ctx.template.resources)) {
      const problem = logicalIdProblem(id);
      if (problem) out.push({ logicalId: id, path: '', message: problem });
    }
    for (const [section, noun] of [['Parameters', 'parameter name'], ['Outputs', 'output name'], ['Mappings', 'mapping name']] as const) {
      const entries = ctx.template.raw[section];
      if (!isObject(entries)) continue;
      for (const name of Object.keys(entries)) {
        const problem = logicalIdProblem(name, noun);
        if (problem) out.push({ logicalId: `${section}.${name}`, path: '', message: problem });
      }
    }
    return out;
  },
});
