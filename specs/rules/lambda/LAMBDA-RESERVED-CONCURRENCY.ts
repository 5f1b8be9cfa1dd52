import { defineRule } from '../engine.ts';
import { num, Findings } from '../helpers.ts';

export const rule = defineRule({
  id: 'LAMBDA-RESERVED-CONCURRENCY',
  pack: 'generic',
  severity: 'error',
  title: 'Lambda functions set ReservedConcurrentExecutions to at least 1',
  rationale:
    'Reserved concurrency caps the blast radius of a runaway trigger and guarantees the function can run; 0 ' +
    'disables it outright. checkov CKV_AWS_115, cfn_nag W92 and Guard LAMBDA_CONCURRENCY_CHECK check presence only, ' +
    'so they pass 0.',
  remediation: 'Set ReservedConcurrentExecutions to 1 or more.',
  resourceTypes: ['AWS::Lambda::Function'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const raw = resource.resolved['ReservedConcurrentExecutions'];
    const value = num(raw);
    if (raw === undefined) out.add(resource.logicalId, 'Properties.ReservedConcurrentExecutions', 'ReservedConcurrentExecutions is not set');
    else if (value === undefined || value < 1) {
      out.add(resource.logicalId, 'Properties.ReservedConcurrentExecutions', `ReservedConcurrentExecutions ${JSON.stringify(raw)} ${value === 0 ? 'disables the function' : 'is not a number of at least 1'}`);
    }
    return out.list();
  },
});
export default rule;
