import type { Rule } from '../types.ts';
import { stackKeyFindings } from './stack-key.ts';

export const rule: Rule = {
  id: 'ENC-SQS-STACK-KEY',
  pack: 'generic',
  severity: 'error',
  title: 'SQS queues are encrypted with a KMS key of this stack (not SSE-SQS, not alias/aws/sqs)',
  rationale:
    'checkov CKV_AWS_27, cfn_nag W48 and Guard SQS_QUEUE_KMS_MASTER_KEY_ID_RULE accept any KmsMasterKeyId; cdk-nag SQS2 and Security ' +
    'Hub SQS.1 even accept SSE-SQS. Only a customer-managed key of the stack gives key-policy control and audit; this rule checks that ' +
    'the value resolves to such a key (GetAtt, Ref, hand-built ARN or a stack alias).',
  resourceTypes: ['AWS::SQS::Queue'],
  check: (ctx) => stackKeyFindings(ctx, 'AWS::SQS::Queue', 'KmsMasterKeyId', { what: 'the queue' }),
};
