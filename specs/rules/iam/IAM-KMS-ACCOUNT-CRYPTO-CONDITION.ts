import { defineRule } from '../engine.ts';
import { actionMatches, actionsOf, conditionEntries, isAllow, principalsOf, resourcePolicies, statementsOf } from '../helpers.ts';

const CRYPTO = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:GenerateDataKeyPair'];

export const rule = defineRule({
  id: 'IAM-KMS-ACCOUNT-CRYPTO-CONDITION',
  pack: 'generic',
  severity: 'error',
  title: 'KMS key-policy statements that let IAM principals encrypt or decrypt require kms:ViaService (or an encryption context)',
  rationale:
    'The default key policy gives the account root `kms:*`, so any IAM policy in the account can Decrypt the backups directly. ' +
    'Requiring kms:ViaService keeps use of the key to the services the stack uses. No static tool checks key-policy conditions ' +
    '(checkov CKV2_AWS_64 is Terraform-only and checks only that a policy exists; Security Hub KMS.1/KMS.2 look at IAM policies).',
  remediation: 'Add a `kms:ViaService` (or `kms:EncryptionContext:…`) condition to key-policy statements that grant encrypt or decrypt to IAM principals.',
  resourceTypes: ['AWS::KMS::Key'],
  template: (view, ctx) =>
      resourcePolicies(view)
        .filter((p) => p.resourceType === 'AWS::KMS::Key')
        .flatMap((policy) =>
          statementsOf(policy.document, policy.path).flatMap(({ statement, path }) => {
            if (!isAllow(statement) || !principalsOf(statement).some((p) => p.kind === 'AWS')) return [];
            const crypto = actionsOf(statement).filter((a) => CRYPTO.some((c) => actionMatches(a, c)));
            if (crypto.length === 0) return [];
            const scoped = conditionEntries(statement).some(
              (c) => !c.operator.includes('Not') && c.values.length > 0 && (c.key === 'kms:viaservice' || c.key.startsWith('kms:encryptioncontext')),
            );
            return scoped ? [] : [{ logicalId: policy.logicalId, path: `${path}.Condition`, message: `lets IAM principals call ${crypto.join(', ')} directly; add a kms:ViaService condition` }];
          }),
        ),
});
