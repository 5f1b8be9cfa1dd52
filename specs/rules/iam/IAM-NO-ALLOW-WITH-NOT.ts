import { defineRule } from '../engine.ts';
import { identityPolicies, isAllow, resourcePolicies, statementsOf, trustPolicies } from '../helpers.ts';

export const rule = defineRule({
  id: 'IAM-NO-ALLOW-WITH-NOT',
  pack: 'generic',
  severity: 'error',
  title: 'No Allow statement uses NotAction, NotResource or NotPrincipal',
  rationale:
    'Allow with a negated element grants everything except a list, including what AWS adds later. cfn_nag W14-W23/F6/F7/F9 ' +
    'and the Guard *_NO_ALLOW_PLUS_NOT_* rules check it per policy type; this rule covers identity, trust and resource policies alike.',
  remediation: 'Rewrite the Allow with explicit Action, Resource and Principal lists (keep NotAction/NotResource for Deny statements).',
  resourceTypes: ['AWS::IAM::Role', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy', 'AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy', 'AWS::KMS::Key'],
  template: (view, ctx) =>
      [...identityPolicies(view), ...trustPolicies(view), ...resourcePolicies(view)].flatMap((policy) =>
        statementsOf(policy.document, policy.path).flatMap(({ statement, path }) =>
          !isAllow(statement)
            ? []
            : ['NotAction', 'NotResource', 'NotPrincipal']
                .filter((key) => statement[key] !== undefined)
                .map((key) => ({ logicalId: policy.logicalId, path: `${path}.${key}`, message: `Allow with ${key} grants everything not listed; list what is allowed instead` })),
        ),
      ),
});
