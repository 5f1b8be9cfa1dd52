import { defineRule } from '../engine.ts';
import { arnParts, scanStrings } from '../helpers.ts';

/** An ARN whose resource part (after the account field) names a fixed resource rather than a reference or parameter. */
function literalResourceArn(value: string, parameterValues: ReadonlySet<string>): string | undefined {
  const arn = arnParts(value);
  if (!arn) return undefined;
  const { service, account, resource } = arn;
  if (service === 'iam' && account === 'aws') return undefined; // AWS-managed policy ARNs: IAM-NO-AWS-MANAGED-POLICY
  if (resource.includes('{{')) return undefined;
  const name = resource.replace(/^[A-Za-z-]+[/:]/, '');
  if (/^[*/:]*$/.test(name) || resource === 'root') return undefined;
  // A parameter a Condition asks about has a value in each scenario instead of staying symbolic: a name that is
  // exactly that value was taken as a parameter (`role/${BreakGlassRoleName}`), which is what the rule asks for.
  if (parameterValues.has(name)) return undefined;
  return value;
}

export const rule = defineRule({
  id: 'PORT-NO-LITERAL-ARN',
  pack: 'generic',
  severity: 'warning',
  title: 'ARNs name resources through Ref/GetAtt or parameters, not fixed resource names',
  rationale:
    'An ARN with a fixed resource name (`arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:ops-alerts`) points at something ' +
    'outside the stack that may not exist in the next account or Region, and S3 bucket names are global. cfn-lint I3042 checks only the ' +
    'partition/Region/account fields; no tool checks the resource part.',
  remediation: 'Build the ARN from Ref/GetAtt of a stack resource or from a parameter instead of a fixed resource name.',
  resourceTypes: [],
  template: (view, ctx) => {
    const values = new Set(Object.values(view.scenario.parameters).filter((v) => v !== ''));
    return scanStrings(ctx, (value) => literalResourceArn(value, values), (arn) => `fixed ARN ${arn}; reference the resource or take it as a parameter`);
  },
});
