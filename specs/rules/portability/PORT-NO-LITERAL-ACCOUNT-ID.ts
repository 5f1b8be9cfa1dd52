import { defineRule } from '../engine.ts';
import { scanStrings } from '../helpers.ts';
import { ACCOUNT_ID, literal } from './patterns.ts';

export const rule = defineRule({
  id: 'PORT-NO-LITERAL-ACCOUNT-ID',
  pack: 'generic',
  severity: 'error',
  title: 'No 12-digit account id anywhere in the template; use `${AWS::AccountId}` or a parameter',
  rationale:
    'A literal account id ties the template to one account and discloses it. cfn-lint I3042 (accountId=true) only looks inside Fn::Sub ' +
    'ARNs and only with `-c I`; checkov, cfn_nag, Guard and cdk-nag do not check it. This rule scans every resolved string of every ' +
    'resource, output, parameter and mapping, so an id assembled with Join or hidden in a mapping is found.' +
    ' Documentation (descriptions, template Metadata), Conditions and per-Region or per-partition mapping tables are not scanned (patterns.ts: notScanned).',
  remediation: 'Use `${AWS::AccountId}` or a parameter instead of the 12-digit account id.',
  resourceTypes: [],
  template: (_view, ctx) => scanStrings(ctx, literal(ACCOUNT_ID), (id) => `literal account id ${id}; use \${AWS::AccountId} or a parameter`),
});
