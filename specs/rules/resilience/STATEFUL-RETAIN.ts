import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';

export const STATEFUL_TYPES = ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Logs::LogGroup', 'AWS::SQS::Queue', 'AWS::DynamoDB::Table'];

export const rule = defineRule({
  id: 'STATEFUL-RETAIN',
  pack: 'generic',
  severity: 'error',
  title: 'Stateful resources (buckets, KMS keys, log groups, queues, tables) set DeletionPolicy and UpdateReplacePolicy to Retain',
  rationale:
    'Deleting the stack or a replacing update must not destroy backups, the key that decrypts them, their logs or ' +
    'unprocessed failures. cfn-lint I3011 (informational, off by default) asks for explicit policies of any value ' +
    'and excludes S3; W3011 only asks that both be set together. No tool requires Retain.',
  remediation: 'Set `DeletionPolicy: Retain` and `UpdateReplacePolicy: Retain`.',
  resourceTypes: STATEFUL_TYPES,
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    if (resource.deletionPolicy !== 'Retain' && resource.deletionPolicy !== 'RetainExceptOnCreate') {
      out.add(resource.logicalId, 'DeletionPolicy', `DeletionPolicy is ${resource.deletionPolicy ?? 'not set (Delete)'}, not Retain`);
    }
    if (resource.updateReplacePolicy !== 'Retain') {
      out.add(resource.logicalId, 'UpdateReplacePolicy', `UpdateReplacePolicy is ${resource.updateReplacePolicy ?? 'not set (Delete)'}, not Retain`);
    }
    return out.list();
  },
});
export default rule;
