// AWS::Logs::LogGroup: LocalStack 4.14 applies none of RetentionInDays, KmsKeyId and Tags, and cannot
// update them; these fail without scripts/localstack-ext's cfn_logs patch.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, ListTagsForResourceCommand, type LogGroup } from '@aws-sdk/client-cloudwatch-logs';
import { test, expect } from '../../fixtures.ts';
import { clientConfig } from '../../../scripts/lib/aws/clients.ts';
import { uniqueName } from '../../../scripts/lib/aws/resources.ts';
import { createStack, deleteStack, updateStack } from './helpers.ts';

test.describe.configure({ mode: 'serial' });

const TEMPLATE = 'log-group.yaml';
let stackName: string;
let outputs: Record<string, string>;
let cfn: CloudFormationClient;
let logs: CloudWatchLogsClient;

test.beforeAll(async ({ target }) => {
  cfn = new CloudFormationClient(clientConfig(target));
  logs = new CloudWatchLogsClient(clientConfig(target));
  stackName = uniqueName('lsx-logs');
  outputs = await createStack(cfn, stackName, TEMPLATE, { RetentionInDays: '14', Purpose: 'first' });
});

test.afterAll(async () => {
  if (!cfn) return; // beforeAll never ran: the project's LocalStack mode cannot run here (skipped, reason printed)
  await deleteStack(cfn, stackName).catch(() => {});
  cfn.destroy();
  logs.destroy();
});

async function logGroup(): Promise<LogGroup> {
  const res = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: outputs.LogGroupName }));
  const group = res.logGroups?.find((g) => g.logGroupName === outputs.LogGroupName);
  expect(group, outputs.LogGroupName).toBeDefined();
  return group as LogGroup;
}

async function tags(): Promise<Record<string, string>> {
  const arn = (await logGroup()).arn?.replace(/:\*$/, '');
  return (await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags ?? {};
}

test('create: retention, KMS key and tags are applied', async () => {
  const group = await logGroup();
  expect(group.retentionInDays).toBe(14);
  expect(group.kmsKeyId).toBe(outputs.KeyArn);
  expect(await tags()).toEqual({ Purpose: 'first', Owner: 'localstack-ext' });
});

test('update: retention and tag changes land', async () => {
  await updateStack(cfn, stackName, TEMPLATE, { RetentionInDays: '30', Purpose: 'second' });
  const group = await logGroup();
  expect(group.retentionInDays).toBe(30);
  expect(group.kmsKeyId).toBe(outputs.KeyArn);
  expect(await tags()).toEqual({ Purpose: 'second', Owner: 'localstack-ext' });
});
