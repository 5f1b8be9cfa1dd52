import { defineRule } from '../engine.ts';
import { asArray, at, Findings } from '../helpers.ts';

export const rule = defineRule({
  id: 'LAMBDA-VPC',
  pack: 'generic',
  severity: 'warning',
  title: 'Lambda functions run in a VPC with subnets in at least two AZs and a security group (or suppress with a reason)',
  rationale:
    'A VPC lets network controls (endpoints policies, no internet route) back up IAM. checkov CKV_AWS_117, cfn_nag ' +
    'W89 and Guard LAMBDA_INSIDE_VPC check that VpcConfig exists; Security Hub Lambda.5 wants two AZs. It is a ' +
    'trade-off for functions that only call public AWS endpoints, so it is a warning meant to be suppressed with ' +
    'the reason when the choice is deliberate.',
  remediation: 'Set VpcConfig with subnets in at least two AZs and a security group, or suppress with a reason.',
  resourceTypes: ['AWS::Lambda::Function'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const vpc = resource.resolved['VpcConfig'];
    if (vpc === undefined) {
      out.add(resource.logicalId, 'Properties.VpcConfig', 'the function does not run in a VPC');
      return out.list();
    }
    if (asArray(at(vpc, 'SubnetIds')).length < 2) {
      out.add(resource.logicalId, 'Properties.VpcConfig.SubnetIds', 'fewer than two subnets: one AZ outage stops the function');
    }
    if (asArray(at(vpc, 'SecurityGroupIds')).length === 0) {
      out.add(resource.logicalId, 'Properties.VpcConfig.SecurityGroupIds', 'no security group');
    }
    return out.list();
  },
});
export default rule;
