import type { Rule } from '../types.ts';
import { rule as noWildcardAction } from './IAM-NO-WILDCARD-ACTION.ts';
import { rule as noWildcardResource } from './IAM-NO-WILDCARD-RESOURCE.ts';
import { rule as noAllowWithNot } from './IAM-NO-ALLOW-WITH-NOT.ts';
import { rule as trustServiceOnly } from './IAM-TRUST-POLICY-SERVICE-ONLY.ts';
import { rule as noPrivilegeEscalation } from './IAM-NO-PRIVILEGE-ESCALATION.ts';
import { rule as noAwsManaged } from './IAM-NO-AWS-MANAGED-POLICY.ts';
import { rule as resourcePublic } from './IAM-RESOURCE-POLICY-NO-PUBLIC-PRINCIPAL.ts';
import { rule as resourceWildcard } from './IAM-RESOURCE-POLICY-NO-WILDCARD-ACTION.ts';
import { rule as resourceServiceCondition } from './IAM-RESOURCE-POLICY-SERVICE-CONDITION.ts';
import { rule as kmsAccountCrypto } from './IAM-KMS-ACCOUNT-CRYPTO-CONDITION.ts';
import { rule as kmsGrant } from './IAM-KMS-GRANT-FOR-AWS-RESOURCE.ts';
import { rule as lambdaPermission } from './IAM-LAMBDA-PERMISSION-SCOPED.ts';
import { rule as backupNoDestructive } from './IAM-BACKUP-ROLE-NO-DESTRUCTIVE.ts';
import { rule as backupScope } from './IAM-BACKUP-ROLE-RESOURCE-SCOPE.ts';
import { rule as backupMetrics } from './IAM-BACKUP-ROLE-METRICS-NAMESPACE.ts';
import { rule as verifierReadOnly } from './IAM-VERIFIER-ROLE-READ-ONLY.ts';

// Rules of this area, in the order RULES.md lists them.
export const RULES: Rule[] = [
  noWildcardAction, noWildcardResource, noAllowWithNot, trustServiceOnly, noPrivilegeEscalation, noAwsManaged,
  resourcePublic, resourceWildcard, resourceServiceCondition, kmsAccountCrypto, kmsGrant, lambdaPermission,
  backupNoDestructive, backupScope, backupMetrics, verifierReadOnly,
];
