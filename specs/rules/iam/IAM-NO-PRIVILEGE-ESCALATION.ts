import { defineRule } from '../engine.ts';
import { actionMatches, actionsOf, identityAllowStatements } from '../helpers.ts';

/** Actions that hand their holder other identities or let it rewrite permissions. */
export const ESCALATION_ACTIONS = [
  'iam:PassRole', 'sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithSAML', 'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion', 'iam:AttachRolePolicy', 'iam:AttachUserPolicy', 'iam:AttachGroupPolicy', 'iam:PutRolePolicy',
  'iam:PutUserPolicy', 'iam:PutGroupPolicy', 'iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:UpdateLoginProfile',
  'iam:UpdateAssumeRolePolicy', 'iam:AddUserToGroup', 'iam:CreateRole', 'iam:CreateUser', 'iam:CreatePolicy',
  'iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary', 'iam:DeleteRolePolicy', 'iam:DetachRolePolicy',
];

export const rule = defineRule({
  id: 'IAM-NO-PRIVILEGE-ESCALATION',
  pack: 'generic',
  severity: 'error',
  title: 'Identity policies allow no iam:PassRole, sts:AssumeRole or IAM write action (nor a wildcard that covers one)',
  rationale:
    'Passing or assuming another role, or editing IAM, lets a function escalate beyond its own policy. cfn_nag F38/F39/F40 and Guard ' +
    '*_NO_WILDCARD_RESOURCE_ON_PASSROLE only flag PassRole on `*`; checkov CKV_AWS_109/110 look for specific patterns. This rule matches ' +
    'action globs (`iam:*`, `iam:Put*`, `*`) against a table of escalation actions in every statement.',
  remediation: 'Remove iam:PassRole, sts:AssumeRole and IAM write actions (and wildcards covering them) from the identity policy.',
  resourceTypes: ['AWS::IAM::Role', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy', 'AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::RolePolicy'],
  template: (view, ctx) =>
      identityAllowStatements(view).flatMap(({ policy, statement, path }) => {
        const hits = actionsOf(statement).filter((a) => ESCALATION_ACTIONS.some((e) => actionMatches(a, e)));
        return hits.length === 0 ? [] : [{ logicalId: policy.logicalId, path: `${path}.Action`, message: `${hits.join(', ')} grants other identities or IAM changes; remove it` }];
      }),
});
