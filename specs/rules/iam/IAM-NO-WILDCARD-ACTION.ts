import { defineRule } from '../engine.ts';
import { actionsOf, identityAllowStatements, isWildcardAction } from '../helpers.ts';

// checkov CKV_AWS_63/CKV_AWS_62 return after the first statement; this walks every statement of every policy.
export const rule = defineRule({
  id: 'IAM-NO-WILDCARD-ACTION',
  pack: 'generic',
  severity: 'error',
  // A wildcard action is admin over a service: no reason makes it acceptable.
  mandatory: true,
  title: 'No identity-policy statement allows `*` or `service:*` actions',
  rationale:
    'A wildcard action grants every present and future API of a service. checkov CKV_AWS_62/63 inspect only the first ' +
    'statement, cfn_nag F3/F4/F5 and Guard IAM_*_NO_STATEMENTS_WITH_FULL_ACCESS check the same idea, Security Hub IAM.1/IAM.21 ' +
    'at runtime; this rule checks every Allow statement of role inline policies, managed policies and IAM::Policy resources.',
  remediation: 'List the exact actions the principal needs instead of `*` or `service:*`.',
  resourceTypes: ['AWS::IAM::Role', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy', 'AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::RolePolicy'],
  template: (view, ctx) =>
      identityAllowStatements(view).flatMap(({ policy, statement, path }) => {
        const wild = actionsOf(statement).filter(isWildcardAction);
        return wild.length === 0 ? [] : [{ logicalId: policy.logicalId, path: `${path}.Action`, message: `allows wildcard action ${wild.join(', ')}; list the actions it needs` }];
      }),
});
