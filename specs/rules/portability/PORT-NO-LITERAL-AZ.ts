import { defineRule } from '../engine.ts';
import { scanStrings } from '../helpers.ts';
import { AVAILABILITY_ZONE, literal } from './patterns.ts';

export const rule = defineRule({
  id: 'PORT-NO-LITERAL-AZ',
  pack: 'generic',
  severity: 'warning',
  title: 'No hard-coded Availability Zone names or ids; use `Fn::GetAZs` or parameters',
  rationale:
    'AZ names map to different zones per account and not every Region has the same letters. cfn-lint W3010 checks known AZ properties; ' +
    'no other tool checks it. This rule scans every resolved string (names like us-east-1a and ids like use1-az1), per-Region mapping ' +
    'tables included (the letters differ per account); documentation and Conditions are not scanned.',
  remediation: 'Use `!Select [i, !GetAZs \'\']` or a parameter instead of the Availability Zone name or id.',
  resourceTypes: [],
  template: (_view, ctx) => scanStrings(ctx, literal(AVAILABILITY_ZONE, false), (az) => `hard-coded Availability Zone ${az}; use Fn::GetAZs or a parameter`),
});
