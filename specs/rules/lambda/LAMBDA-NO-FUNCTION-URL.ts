import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';

export const rule = defineRule({
  id: 'LAMBDA-NO-FUNCTION-URL',
  pack: 'generic',
  severity: 'error',
  title: 'The template creates no Lambda function URL',
  rationale:
    'A function URL is an HTTPS endpoint outside API Gateway; for a scheduled job it is only attack surface. ' +
    'checkov CKV_AWS_258 and Control Tower CT.LAMBDA.PR.5 only check its AuthType; this rule rejects the resource.',
  remediation: 'Remove the AWS::Lambda::Url and invoke the function through EventBridge or the Invoke API.',
  resourceTypes: ['AWS::Lambda::Url'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    out.add(resource.logicalId, '', `function URL (AuthType ${JSON.stringify(resource.resolved['AuthType'] ?? null)}) exposes the function over HTTPS`);
    return out.list();
  },
});
export default rule;
