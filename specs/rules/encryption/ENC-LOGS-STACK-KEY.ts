import { defineRule } from '../engine.ts';
import { stackKeyFindings } from './stack-key.ts';

export const rule = defineRule({
  id: 'ENC-LOGS-STACK-KEY',
  pack: 'generic',
  severity: 'error',
  title: 'Log groups are encrypted with the ARN of a KMS key of this stack',
  rationale:
    'cfn_nag W84, Guard CLOUDWATCH_LOG_GROUP_ENCRYPTED and CT.CLOUDWATCH.PR.3 only check that KmsKeyId is present. CloudWatch Logs needs ' +
    'the key ARN (a key id fails at deploy time) and the key policy must admit the logs service; this rule checks the value is the ' +
    'ARN of a stack key.',
  remediation: 'Set `KmsKeyId: !GetAtt <stack key>.Arn` and let the key policy admit logs.<region>.amazonaws.com.',
  resourceTypes: ['AWS::Logs::LogGroup'],
  resource: (r, { view }) => stackKeyFindings(view, r, 'KmsKeyId', { what: 'the log group', arnOnly: true }),
});
