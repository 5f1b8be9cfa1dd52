import { defineRule } from '../engine.ts';
import { actionMatches, actionsOf, arnParts, asStrings, identityAllowStatements } from '../helpers.ts';

/** Actions that admit no resource type: `Resource: "*"` is the only form, so a Condition must scope them. */
export const NO_RESOURCE_ACTIONS = [
  'cloudwatch:PutMetricData', 'cloudwatch:GetMetricData', 'cloudwatch:GetMetricStatistics', 'cloudwatch:ListMetrics',
  'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
  'xray:GetSamplingStatisticSummaries', 'kms:ListKeys', 'kms:ListAliases', 'kms:CreateKey', 'sts:GetCallerIdentity',
  's3:ListAllMyBuckets', 'sqs:ListQueues', 'sns:ListTopics', 'logs:DescribeLogGroups', 'ec2:DescribeNetworkInterfaces',
  'ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
  'secretsmanager:GetRandomPassword', 'ssm:DescribeParameters', 'tag:GetResources',
];

const TYPE_WILDCARD = /^(?:\*|(?:key|alias|role|policy|user|group|table|parameter|rule|secret|function|log-group|stateMachine)[:/]\*)$/;

/** `*`, `arn:…:*` or `arn:…:key/*`-style resources that name every resource of a type. */
export function isWildcardResource(resource: string): boolean {
  const r = resource.trim();
  const arn = arnParts(r);
  return r === '*' || (arn !== undefined && TYPE_WILDCARD.test(arn.resource));
}

export const rule = defineRule({
  id: 'IAM-NO-WILDCARD-RESOURCE',
  pack: 'generic',
  severity: 'error',
  title: 'No Allow on `Resource: "*"` except actions with no resource type, and those only under a Condition',
  rationale:
    'A `*` resource lets the actions reach every bucket, key or log group in the account. cfn_nag W11/W12/W13, Guard ' +
    'IAM_POLICYDOCUMENT_NO_WILDCARD_RESOURCE and cdk-nag AwsSolutions-IAM5 flag presence of `*`; checkov CKV_AWS_355 is Terraform-only. ' +
    'This rule also catches `arn:…:key/*`-style wildcards and accepts `*` only for actions that admit no resource type ' +
    '(cloudwatch:PutMetricData, xray:PutTraceSegments, …) when the statement carries a Condition.',
  remediation: 'Name the resource ARNs (Ref/GetAtt/Sub); keep `*` only for actions without resource types, under a Condition.',
  resourceTypes: ['AWS::IAM::Role', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy', 'AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::RolePolicy'],
  template: (view, ctx) =>
      identityAllowStatements(view).flatMap(({ policy, statement, path }) => {
        const wild = asStrings(statement['Resource']).filter(isWildcardResource);
        if (wild.length === 0) return [];
        const actions = actionsOf(statement);
        const unscopable = actions.length > 0 && actions.every((a) => !a.includes('*') && NO_RESOURCE_ACTIONS.some((n) => actionMatches(n, a)));
        if (unscopable && statement['Condition'] !== undefined) return [];
        const message = unscopable
          ? `allows ${actions.join(', ')} on ${wild.join(', ')} without a Condition; scope it with one (e.g. cloudwatch:namespace)`
          : `allows ${actions.join(', ') || 'its actions'} on ${wild.join(', ')}; name the resources (GetAtt/Sub ARNs)`;
        return [{ logicalId: policy.logicalId, path: `${path}.Resource`, message }];
      }),
});
