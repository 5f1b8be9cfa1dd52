import { defineRule } from '../engine.ts';
import { finding } from '../helpers.ts';
import type { RuleFinding } from '../types.ts';

export const ENVIRONMENTS = ['dev', 'staging', 'prod'];

export const rule = defineRule({
  id: 'CONTRACT-ENVIRONMENT-PARAMETER',
  pack: 'backup-stack',
  severity: 'error',
  title: `Parameter Environment is a String with AllowedValues exactly ${ENVIRONMENTS.join(', ')} (and a Default among them)`,
  rationale:
    'Every per-environment value (mapping, names, tags, alarm thresholds) keys off this parameter; an extra or ' +
    'misspelt value deploys a stack the mapping has no entry for. No known tool checks parameter contracts.',
  remediation: 'Declare `Environment: {Type: String, AllowedValues: [dev, staging, prod], Default: dev}`.',
  resourceTypes: [],
  once(ctx) {
    const out: RuleFinding[] = [];
    const param = ctx.template.parameters['Environment'];
    if (!param) return [finding('Template', 'Parameters', 'the template has no Environment parameter')];
    if (param['Type'] !== 'String') out.push(finding('Parameters.Environment', 'Type', `Type is ${JSON.stringify(param['Type'] ?? null)}, not String`));
    const allowed = Array.isArray(param['AllowedValues']) ? param['AllowedValues'].map(String) : [];
    if (allowed.length !== ENVIRONMENTS.length || ENVIRONMENTS.some((e) => !allowed.includes(e))) {
      out.push(finding('Parameters.Environment', 'AllowedValues', `AllowedValues ${JSON.stringify(allowed)} are not exactly ${JSON.stringify(ENVIRONMENTS)}`));
    }
    if (param['Default'] !== undefined && !ENVIRONMENTS.includes(String(param['Default']))) {
      out.push(finding('Parameters.Environment', 'Default', `Default ${JSON.stringify(param['Default'])} is not an allowed environment`));
    }
    return out;
  },
});
export default rule;
