import { defineRule } from '../engine.ts';
import { isObject } from '../helpers.ts';
import { stackKeyFindings } from './stack-key.ts';

export const rule = defineRule({
  id: 'ENC-LAMBDA-ENV-STACK-KEY',
  pack: 'generic',
  severity: 'error',
  title: 'Lambda functions with environment variables encrypt them with the ARN of a KMS key of this stack (KmsKeyArn)',
  rationale:
    'Without KmsKeyArn the variables are encrypted with the AWS-managed aws/lambda key that every principal with lambda:GetFunctionConfiguration ' +
    'can read through. checkov CKV_AWS_173 checks that KmsKeyArn is present; this rule checks it is the ARN of a stack key.',
  remediation: 'Set `KmsKeyArn: !GetAtt <stack key>.Arn` on functions that have environment variables.',
  resourceTypes: ['AWS::Lambda::Function'],
  resource: (r, { view }) =>
    stackKeyFindings(view, r, 'KmsKeyArn', {
      what: 'the function',
      arnOnly: true,
      applies: (p) => {
        const env = p['Environment'];
        const vars = isObject(env) ? env['Variables'] : undefined;
        return isObject(vars) && Object.keys(vars).length > 0;
      },
    }),
});
