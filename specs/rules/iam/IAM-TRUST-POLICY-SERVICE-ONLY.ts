import { defineRule } from '../engine.ts';
import type { RuleFinding } from '../types.ts';
import { actionsOf, conditionEntries, isAllow, principalsOf, statementsOf, trustPolicies } from '../helpers.ts';

const SERVICE = /^[a-z0-9.-]+\.(?:amazonaws\.com|\{\{AWS::URLSuffix\}\})$/;

export const rule = defineRule({
  id: 'IAM-TRUST-POLICY-SERVICE-ONLY',
  pack: 'generic',
  severity: 'error',
  // Another account or principal becoming the role: no reason makes it acceptable.
  mandatory: true,
  title: 'Role trust policies let only AWS service principals call sts:AssumeRole, pinned with aws:SourceAccount of this account',
  rationale:
    'A trust policy that names `*`, another account or a federated principal lets someone outside the stack become the role; ' +
    'without aws:SourceAccount a service acting for another account can be the confused deputy. cfn_nag F2/F6 and Guard ' +
    'IAM_ROLE_NO_FULL_ACCESS_ON_TRUST_POLICY only catch `*` actions or NotPrincipal; Prowler checks the confused-deputy condition at runtime; ' +
    'no static tool checks that the condition value is this account.',
  remediation: 'Trust only AWS service principals and add `Condition: {StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}}`.',
  resourceTypes: ['AWS::IAM::Role'],
  template: (view, ctx) =>
      trustPolicies(view).flatMap((policy) =>
        statementsOf(policy.document, policy.path).flatMap(({ statement, path }) => {
          if (!isAllow(statement)) return [];
          const out: RuleFinding[] = [];
          const add = (p: string, message: string) => out.push({ logicalId: policy.logicalId, path: `${path}.${p}`, message });
          const principals = principalsOf(statement);
          const bad = principals.filter((p) => p.kind !== 'Service' || !SERVICE.test(p.value));
          if (principals.length === 0 || bad.length > 0) {
            add('Principal', `trusts ${bad.map((p) => `${p.kind}: ${p.value}`).join(', ') || 'no principal'}; only AWS service principals may assume this role`);
          }
          const actions = actionsOf(statement);
          if (actions.length === 0 || actions.some((a) => a !== 'sts:AssumeRole')) {
            add('Action', `allows ${actions.join(', ') || 'no Action'}; a service role's trust allows exactly sts:AssumeRole`);
          }
          const account = conditionEntries(statement).filter((c) => c.key === 'aws:sourceaccount' && /^String(Equals|Like)$/.test(c.operator));
          if (!account.some((c) => c.values.length > 0 && c.values.every((v) => v === '{{AWS::AccountId}}'))) {
            add('Condition', 'needs StringEquals aws:SourceAccount: !Ref AWS::AccountId so the service can assume it only for this account');
          }
          return out;
        }),
      ),
});
