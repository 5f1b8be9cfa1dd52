import { defineRule } from '../engine.ts';
import type { RuleFinding } from '../types.ts';
import { arnParts, asArray, isObject } from '../helpers.ts';

const AWS_MANAGED = { test: (v: string) => { const a = arnParts(v); return a?.service === 'iam' && a.account === 'aws' && a.resource.startsWith('policy/'); } };

export const rule = defineRule({
  id: 'IAM-NO-AWS-MANAGED-POLICY',
  pack: 'generic',
  severity: 'error',
  title: 'Roles, users and groups attach no AWS-managed policy (`arn:*:iam::aws:policy/…`)',
  rationale:
    'AWS-managed policies grant more than one function needs and change without notice. cdk-nag AwsSolutions-IAM4 forbids them; ' +
    'cfn_nag W43/W44 and Guard IAM_ROLE_*_MANAGED_POLICY_RULE only flag admin-like ones. This rule also resolves Sub/Join and ' +
    'parameter defaults, so `!Sub arn:${AWS::Partition}:iam::aws:policy/…` is found.',
  remediation: 'Replace the AWS-managed policy with an inline or customer-managed policy listing only the actions and resources needed.',
  resourceTypes: ['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'],
  template: (view, ctx) =>
      view.resources
        .filter((r) => ['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'].includes(r.type))
        .flatMap((r) =>
          asArray(r.resolved['ManagedPolicyArns']).flatMap((arn, i): RuleFinding[] => {
            if (typeof arn !== 'string') return [];
            const param = /^\{\{Param:([A-Za-z0-9]+)\}\}$/.exec(arn)?.[1];
            const declared = param ? ctx.template.parameters[param] : undefined;
            const value = isObject(declared) && typeof declared['Default'] === 'string' ? declared['Default'] : arn;
            return AWS_MANAGED.test(value)
              ? [{ logicalId: r.logicalId, path: `Properties.ManagedPolicyArns[${i}]`, message: `attaches AWS-managed ${value}; use a customer-managed AWS::IAM::ManagedPolicy with only what is needed` }]
              : [];
          }),
        ),
});
