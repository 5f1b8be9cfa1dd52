import type { Rule } from '../types.ts';
import { num, resourcesOf, ScenarioFindings } from '../helpers.ts';

export const rule: Rule = {
  id: 'LAMBDA-MEMORY-TIMEOUT',
  pack: 'generic',
  severity: 'warning',
  title: 'Lambda functions set MemorySize (128-10240 MB) and Timeout (1-900 s) explicitly',
  rationale:
    'The defaults (128 MB, 3 s) fit almost no batch job, and an implicit value is a decision nobody made. ' +
    'cdk-nag Serverless-LambdaDefaultMemorySize and Serverless-LambdaDefaultTimeout check presence; this rule also ' +
    'checks the limits Lambda accepts.',
  resourceTypes: ['AWS::Lambda::Function'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const { resource, view } of resourcesOf(ctx, 'AWS::Lambda::Function')) {
      for (const [prop, min, max, unit] of [['MemorySize', 128, 10240, 'MB'], ['Timeout', 1, 900, 's']] as const) {
        const raw = resource.resolved[prop];
        const value = num(raw);
        if (raw === undefined) out.add(view, resource.logicalId, `Properties.${prop}`, `${prop} is not set (the default is ${prop === 'Timeout' ? '3 s' : '128 MB'})`);
        else if (value === undefined || value < min || value > max || !Number.isInteger(value)) {
          out.add(view, resource.logicalId, `Properties.${prop}`, `${prop} ${JSON.stringify(raw)} is outside ${min}-${max} ${unit}`);
        }
      }
    }
    return out.list();
  },
};
export default rule;
