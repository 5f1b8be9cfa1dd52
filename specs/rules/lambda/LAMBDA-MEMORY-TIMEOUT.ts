import { defineRule } from '../engine.ts';
import { num, Findings } from '../helpers.ts';

export const rule = defineRule({
  id: 'LAMBDA-MEMORY-TIMEOUT',
  pack: 'generic',
  severity: 'warning',
  title: 'Lambda functions set MemorySize (128-10240 MB) and Timeout (1-900 s) explicitly',
  rationale:
    'The defaults (128 MB, 3 s) fit almost no batch job, and an implicit value is a decision nobody made. ' +
    'cdk-nag Serverless-LambdaDefaultMemorySize and Serverless-LambdaDefaultTimeout check presence; this rule also ' +
    'checks the limits Lambda accepts.',
  remediation: 'Set MemorySize (128-10240) and Timeout (1-900) explicitly.',
  resourceTypes: ['AWS::Lambda::Function'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    for (const [prop, min, max, unit] of [['MemorySize', 128, 10240, 'MB'], ['Timeout', 1, 900, 's']] as const) {
      const raw = resource.resolved[prop];
      const value = num(raw);
      if (raw === undefined) out.add(resource.logicalId, `Properties.${prop}`, `${prop} is not set (the default is ${prop === 'Timeout' ? '3 s' : '128 MB'})`);
      else if (value === undefined || value < min || value > max || !Number.isInteger(value)) {
        out.add(resource.logicalId, `Properties.${prop}`, `${prop} ${JSON.stringify(raw)} is outside ${min}-${max} ${unit}`);
      }
    }
    return out.list();
  },
});
export default rule;
