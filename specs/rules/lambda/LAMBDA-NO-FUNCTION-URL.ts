import type { Rule } from '../types.ts';
import { resourcesOf, ScenarioFindings } from '../helpers.ts';

export const rule: Rule = {
  id: 'LAMBDA-NO-FUNCTION-URL',
  pack: 'generic',
  severity: 'error',
  title: 'The template creates no Lambda function URL',
  rationale:
    'A function URL is an HTTPS endpoint outside API Gateway; for a scheduled job it is only attack surface. ' +
    'checkov CKV_AWS_258 and Control Tower CT.LAMBDA.PR.5 only check its AuthType; this rule rejects the resource.',
  resourceTypes: ['AWS::Lambda::Url'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const { resource, view } of resourcesOf(ctx, 'AWS::Lambda::Url')) {
      out.add(view, resource.logicalId, '', `function URL (AuthType ${JSON.stringify(resource.resolved['AuthType'] ?? null)}) exposes the function over HTTPS`);
    }
    return out.list();
  },
};
export default rule;
