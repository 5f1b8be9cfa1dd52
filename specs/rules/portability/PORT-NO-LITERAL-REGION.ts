import { defineRule } from '../engine.ts';
import { scanStrings } from '../helpers.ts';
import { REGION, literal } from './patterns.ts';
import type { ScannedString } from '../lib/strings.ts';
import type { RuleContext } from '../types.ts';

/** A StackSet's target Regions: naming Regions is what the property is for. */
function stackSetRegions(ctx: RuleContext, where: ScannedString): boolean {
  if (ctx.template.resources[where.logicalId]?.type !== 'AWS::CloudFormation::StackSet') return false;
  return /^Properties\.(?:StackInstancesGroup\[\d+\]\.Regions|OperationPreferences\.RegionOrder)\[\d+\]$/.test(where.path);
}

export const rule = defineRule({
  id: 'PORT-NO-LITERAL-REGION',
  pack: 'generic',
  severity: 'error',
  title: 'No Region code (commercial, GovCloud, China, ISO) anywhere in the template; use `${AWS::Region}`',
  rationale:
    'A literal Region makes the stack wrong in every other Region (ARNs, endpoints, kms:ViaService). cfn-lint I3042 (region=true) only ' +
    'checks Fn::Sub ARNs; no other tool checks it. This rule scans every resolved string, including Join-built ones and mapping values.' +
    ' Documentation (descriptions, template Metadata), Conditions and per-Region or per-partition mapping tables are not scanned (patterns.ts: notScanned), nor a StackSet\'s target Regions.',
  remediation: 'Use `${AWS::Region}` or a parameter instead of the Region code.',
  resourceTypes: [],
  template: (_view, ctx) => scanStrings(ctx, (v, where) => (stackSetRegions(ctx, where) ? undefined : literal(REGION)(v, where)), (region) => `literal Region ${region}; use \${AWS::Region}`),
});
