import { defineRule } from '../engine.ts';
import type { RuleFinding } from '../types.ts';
import { referencedIds } from '../../../scripts/lib/cfn/intrinsics.ts';

const SERVICE = /^[a-z0-9.-]+\.(?:amazonaws\.com|\{\{AWS::URLSuffix\}\})$/;

export const rule = defineRule({
  id: 'IAM-LAMBDA-PERMISSION-SCOPED',
  pack: 'generic',
  severity: 'error',
  title: 'Lambda permissions grant only lambda:InvokeFunction to a service principal, with SourceArn of a stack resource and SourceAccount of this account',
  rationale:
    'A permission without SourceArn lets any resource of that service in any account invoke the function; `*` makes it public. ' +
    'Guard LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED accepts SourceArn or SourceAccount, LAMBDA_NO_WILDCARD_PRINCIPALS (F13) and ' +
    'LAMBDA_PERMISSION_INVOKE_FUNCTION_ACTION (W24) check one property each; none checks that SourceArn points at a resource of this stack.',
  remediation: 'Grant only lambda:InvokeFunction to a service principal, with SourceArn of a stack resource and `SourceAccount: !Ref AWS::AccountId`.',
  resourceTypes: ['AWS::Lambda::Permission'],
  template: (view, ctx) =>
      view.resources
        .filter((r) => r.type === 'AWS::Lambda::Permission')
        .flatMap((r) => {
          const out: RuleFinding[] = [];
          const add = (prop: string, message: string) => out.push({ logicalId: r.logicalId, path: `Properties.${prop}`, message });
          const p = r.resolved;
          if (p['Action'] !== 'lambda:InvokeFunction') add('Action', `grants ${JSON.stringify(p['Action'])}; only lambda:InvokeFunction`);
          const principal = typeof p['Principal'] === 'string' ? p['Principal'] : '';
          if (!SERVICE.test(principal)) add('Principal', `principal ${principal || '(none)'} is not an AWS service principal`);
          const source = p['SourceArn'];
          const stackIds = new Set(view.resources.map((x) => x.logicalId));
          if (typeof source !== 'string' || !referencedIds(source).some((id) => stackIds.has(id)) || source.includes('*')) {
            add('SourceArn', 'SourceArn must be the ARN of the invoking resource of this stack (e.g. !GetAtt Rule.Arn)');
          }
          if (p['SourceAccount'] !== '{{AWS::AccountId}}') add('SourceAccount', 'SourceAccount must be !Ref AWS::AccountId');
          return out;
        }),
});
