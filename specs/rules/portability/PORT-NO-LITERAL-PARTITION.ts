import { defineRule } from '../engine.ts';
import { scanStrings } from '../helpers.ts';
import { LITERAL_PARTITION, literal } from './patterns.ts';

export const rule = defineRule({
  id: 'PORT-NO-LITERAL-PARTITION',
  pack: 'generic',
  severity: 'error',
  title: 'No literal ARN partition (`arn:aws:`, `arn:aws-cn:`, `arn:aws-us-gov:`, …); use `${AWS::Partition}`',
  rationale:
    'A literal partition breaks the template in China, GovCloud and the isolated partitions. cfn-lint I3042 checks it only inside Fn::Sub ' +
    'and only with `-c I`, so `arn:aws:s3:::bucket` written as a plain string or a Join is missed; this rule scans every resolved string.' +
    ' Documentation (descriptions, template Metadata), Conditions and per-Region or per-partition mapping tables are not scanned (patterns.ts: notScanned).',
  remediation: 'Write `arn:${AWS::Partition}:` instead of a literal partition.',
  resourceTypes: [],
  template: (_view, ctx) => scanStrings(ctx, literal(LITERAL_PARTITION), (p) => `literal partition in ${p}…; use arn:\${AWS::Partition}:`),
});
