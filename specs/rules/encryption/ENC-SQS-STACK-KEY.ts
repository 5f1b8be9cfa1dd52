import { defineRule } from '../engine.ts';
import { stackKeyFindings } from './stack-key.ts';

export const rule = defineRule({
  id: 'ENC-SQS-STACK-KEY',
  pack: 'generic',
  severity: 'error',
  title: 'SQS queues are encrypted with a KMS key of this stack (not SSE-SQS, not alias/aws/sqs)',
  rationale:
    'checkov CKV_AWS_27, cfn_nag W48 and Guard SQS_QUEUE_KMS_MASTER_KEY_ID_RULE accept any KmsMasterKeyId; cdk-nag SQS2 and Security ' +
    'Hub SQS.1 even accept SSE-SQS. Only a customer-managed key of the stack gives key-policy control and audit; this rule checks that ' +
    'the value resolves to such a key (GetAtt, Ref, hand-built ARN or a stack alias).',
  remediation: 'Set `KmsMasterKeyId` to `!Ref` (or `!GetAtt .Arn`) a KMS key declared in this stack instead of SSE-SQS or alias/aws/sqs.',
  resourceTypes: ['AWS::SQS::Queue'],
  resource: (r, { view }) => stackKeyFindings(view, r, 'KmsMasterKeyId', { what: 'the queue' }),
});
