import type { Rule } from '../types.ts';
import { asArray, at, resourcesOf, ScenarioFindings } from '../helpers.ts';

export const rule: Rule = {
  id: 'LAMBDA-VPC',
  pack: 'generic',
  severity: 'warning',
  title: 'Lambda functions run in a VPC with subnets in at least two AZs and a security group (or suppress with a reason)',
  rationale:
    'A VPC lets network controls (endpoints policies, no internet route) back up IAM. checkov CKV_AWS_117, cfn_nag ' +
    'W89 and Guard LAMBDA_INSIDE_VPC check that VpcConfig exists; Security Hub Lambda.5 wants two AZs. It is a ' +
    'trade-off for functions that only call public AWS endpoints, so it is a warning meant to be suppressed with ' +
    'the reason when the choice is deliberate.',
  resourceTypes: ['AWS::Lambda::Function'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const { resource, view } of resourcesOf(ctx, 'AWS::Lambda::Function')) {
      const vpc = resource.resolved['VpcConfig'];
      if (vpc === undefined) {
        out.add(view, resource.logicalId, 'Properties.VpcConfig', 'the function does not run in a VPC');
        continue;
      }
      if (asArray(at(vpc, 'SubnetIds')).length < 2) {
        out.add(view, resource.logicalId, 'Properties.VpcConfig.SubnetIds', 'fewer than two subnets: one AZ outage stops the function');
      }
      if (asArray(at(vpc, 'SecurityGroupIds')).length === 0) {
        out.add(view, resource.logicalId, 'Properties.VpcConfig.SecurityGroupIds', 'no security group');
      }
    }
    return out.list();
  },
};
export default rule;
