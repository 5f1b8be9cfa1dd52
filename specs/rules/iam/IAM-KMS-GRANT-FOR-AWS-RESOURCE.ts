import { defineRule } from '../engine.ts';
import { actionMatches, actionsOf, conditionEntries, isAllow, resourcePolicies, statementsOf } from '../helpers.ts';

export const rule = defineRule({
  id: 'IAM-KMS-GRANT-FOR-AWS-RESOURCE',
  pack: 'generic',
  severity: 'error',
  title: 'KMS key policies allow kms:CreateGrant only with `Bool kms:GrantIsForAWSResource: true`',
  rationale:
    'A grant delegates use of the key to any grantee the caller names, bypassing the key policy. Control Tower CT.KMS.PR.3 asks for ' +
    'this condition; checkov, cfn_nag, Guard and cdk-nag have no such rule. Statements with `kms:*` or `kms:Create*` count as CreateGrant.',
  remediation: 'Add `Condition: {Bool: {kms:GrantIsForAWSResource: true}}` to statements that allow kms:CreateGrant.',
  resourceTypes: ['AWS::KMS::Key'],
  template: (view, ctx) =>
      resourcePolicies(view)
        .filter((p) => p.resourceType === 'AWS::KMS::Key')
        .flatMap((policy) =>
          statementsOf(policy.document, policy.path).flatMap(({ statement, path }) => {
            if (!isAllow(statement) || !actionsOf(statement).some((a) => actionMatches(a, 'kms:CreateGrant'))) return [];
            const ok = conditionEntries(statement).some(
              (c) => c.operator === 'Bool' && c.key === 'kms:grantisforawsresource' && c.values.length > 0 && c.values.every((v) => v === true || v === 'true'),
            );
            return ok ? [] : [{ logicalId: policy.logicalId, path: `${path}.Condition`, message: 'allows kms:CreateGrant without Bool kms:GrantIsForAWSResource: true' }];
          }),
        ),
});
