import { defineRule } from '../engine.ts';
import { scanStrings } from '../helpers.ts';
import { PSEUDO_AS_STRING, literal } from './patterns.ts';

export const rule = defineRule({
  id: 'PORT-NO-PSEUDO-AS-STRING',
  pack: 'generic',
  severity: 'error',
  title: 'Pseudo parameters are used through Ref or Sub, never as the plain text `AWS::Region`',
  rationale:
    'A plain "AWS::Region" is deployed literally, so the ARN or name is wrong everywhere. cfn-lint W1054 reports it as a warning; ' +
    'no other tool checks it. Resolved values are scanned, so Join pieces and mapping values count; documentation is not.',
  remediation: 'Use `!Ref AWS::…` or `${AWS::…}` inside !Sub instead of the plain text.',
  resourceTypes: [],
  template: (_view, ctx) => scanStrings(ctx, literal(PSEUDO_AS_STRING, false), (p) => `${p} is plain text here; use !Ref ${p} or \${${p}} inside !Sub`),
});
