import { defineRule } from '../engine.ts';
import { stackKeyFindings } from './stack-key.ts';

export const rule = defineRule({
  id: 'ENC-SNS-STACK-KEY',
  pack: 'generic',
  severity: 'error',
  title: 'SNS topics are encrypted with a KMS key of this stack (not alias/aws/sns)',
  rationale:
    'checkov CKV_AWS_26 and cfn_nag W47 accept any KmsMasterKeyId, including the AWS-managed alias/aws/sns that CloudWatch alarms ' +
    'cannot use. This rule checks that the value resolves to a customer-managed key declared in the stack.',
  remediation: 'Set `KmsMasterKeyId` to `!Ref` (or `!GetAtt .Arn`) a KMS key declared in this stack.',
  resourceTypes: ['AWS::SNS::Topic'],
  resource: (r, { view }) => stackKeyFindings(view, r, 'KmsMasterKeyId', { what: 'the topic' }),
});
