import { defineRule } from '../engine.ts';
import { scanStrings } from '../helpers.ts';
import { REGION, first } from './patterns.ts';

export const rule = defineRule({
  id: 'PORT-NO-LITERAL-REGION',
  pack: 'generic',
  severity: 'error',
  title: 'No Region code (commercial, GovCloud, China, ISO) anywhere in the template; use `${AWS::Region}`',
  rationale:
    'A literal Region makes the stack wrong in every other Region (ARNs, endpoints, kms:ViaService). cfn-lint I3042 (region=true) only ' +
    'checks Fn::Sub ARNs; no other tool checks it. This rule scans every resolved string, including Join-built ones and mapping values.',
  remediation: 'Use `${AWS::Region}` or a parameter instead of the Region code.',
  resourceTypes: [],
  template: (_view, ctx) => scanStrings(ctx, (v) => first(REGION, v), (region) => `literal Region ${region}; use \${AWS::Region}`),
});
