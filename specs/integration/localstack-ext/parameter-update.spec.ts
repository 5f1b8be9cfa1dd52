// A parameter update that renames resources through !Sub (as the backup stack does with Environment), and
// the Lambda settings 4.14's CloudFormation providers drop. Each test names the scripts/localstack-ext
// patches it needs; run with LOCALSTACK_EXT_DISABLE=<patch> to see it fail without one.
//   cfn_replacement  create-only property changed through Fn::Sub/Ref/GetAtt => replacement, not update
//   lambda_kms_key   KmsKeyArn reaches the function and GetFunction returns it
//   cfn_lambda       ReservedConcurrentExecutions applied; EventInvokeConfig updates applied
//   cfn_sns_topic    a topic without TopicName keeps its ARN across updates; KmsMasterKeyId applied
import { CloudFormationClient, DescribeStackEventsCommand, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import {
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionEventInvokeConfigCommand,
  GetPolicyCommand,
  InvokeCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { test, expect } from '../../fixtures.ts';
import { clientConfig } from '../../../scripts/lib/aws/clients.ts';
import { uniqueName } from '../../../scripts/lib/aws/resources.ts';
import { createStack, deleteStack, updateStack } from './helpers.ts';

test.describe.configure({ mode: 'serial' });

const TEMPLATE = 'replacement.yaml';
let stackName: string;
let first: Record<string, string>;
let cfn: CloudFormationClient;
let lambda: LambdaClient;
let logs: CloudWatchLogsClient;
let events: EventBridgeClient;
let kms: KMSClient;
let sns: SNSClient;

const PARAMETERS = { Suffix: 'first', RetentionInDays: '14', ReservedConcurrency: '2', MaximumRetryAttempts: '2', Note: 'one' };

test.beforeAll(async ({ target }) => {
  const config = clientConfig(target);
  cfn = new CloudFormationClient(config);
  lambda = new LambdaClient(config);
  logs = new CloudWatchLogsClient(config);
  events = new EventBridgeClient(config);
  kms = new KMSClient(config);
  sns = new SNSClient(config);
  stackName = uniqueName('lsx-update');
  first = await createStack(cfn, stackName, TEMPLATE, PARAMETERS);
});

test.afterAll(async () => {
  if (!cfn) return; // beforeAll never ran: the project's LocalStack mode cannot run here (skipped, reason printed)
  await deleteStack(cfn, stackName).catch(() => {});
  for (const client of [cfn, lambda, logs, events, kms, sns]) client.destroy();
});

async function retention(name: string): Promise<number | undefined> {
  const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
  const group = logGroups?.find((g) => g.logGroupName === name);
  expect(group, `log group ${name}`).toBeDefined();
  return group?.retentionInDays;
}

const notFound = (promise: Promise<unknown>) => expect(promise).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

test('create: the function gets its KmsKeyArn, reserved concurrency and invoke config [lambda_kms_key, cfn_lambda]', async () => {
  const fn = await lambda.send(new GetFunctionCommand({ FunctionName: first.FunctionName }));
  expect(fn.Configuration?.KMSKeyArn).toBe(first.KeyArn);
  expect((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: first.FunctionName }))).ReservedConcurrentExecutions).toBe(2);
  const invokeConfig = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: first.FunctionName }));
  expect(invokeConfig).toMatchObject({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
  const topic = await sns.send(new GetTopicAttributesCommand({ TopicArn: first.TopicArn }));
  expect(topic.Attributes?.['KmsMasterKeyId']).toBe(first.KeyArn);
});

test('in-place update: the function keeps its invoke config, whose changed retries land [cfn_replacement, cfn_lambda]', async () => {
  // Only the function's Description and the config's MaximumRetryAttempts change: no replacement on AWS.
  const outputs = await updateStack(cfn, stackName, TEMPLATE, { ...PARAMETERS, Note: 'two', MaximumRetryAttempts: '1' });
  expect(outputs.FunctionName).toBe(first.FunctionName);
  const fn = await lambda.send(new GetFunctionCommand({ FunctionName: first.FunctionName }));
  expect(fn.Configuration?.Description).toBe('two');
  const invokeConfig = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: first.FunctionName }));
  expect(invokeConfig).toMatchObject({ MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 3600 });
});

test('renaming update: log group, function, rule and alias are replaced; the retained log group stays [cfn_replacement, cfn_sns_topic]', async () => {
  const outputs = await updateStack(cfn, stackName, TEMPLATE, {
    ...PARAMETERS,
    Note: 'two',
    MaximumRetryAttempts: '1',
    Suffix: 'second',
    RetentionInDays: '30',
    ReservedConcurrency: '3',
  });

  // Log group: a new one with the new settings; the old one is kept (UpdateReplacePolicy: Retain).
  expect(outputs.LogGroupName).toBe(`/localstack-ext/${stackName}-second`);
  expect(await retention(outputs.LogGroupName ?? '')).toBe(30);
  expect(await retention(first.LogGroupName ?? '')).toBe(14);

  // Function: a new one with every setting, logging to the new group; the old one is deleted.
  expect(outputs.FunctionName).toBe(`${stackName}-second`);
  const fn = await lambda.send(new GetFunctionCommand({ FunctionName: outputs.FunctionName }));
  expect(fn.Configuration?.KMSKeyArn).toBe(first.KeyArn);
  expect(fn.Configuration?.LoggingConfig?.LogGroup).toBe(outputs.LogGroupName);
  expect((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: outputs.FunctionName }))).ReservedConcurrentExecutions).toBe(3);
  const invokeConfig = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: outputs.FunctionName }));
  expect(invokeConfig).toMatchObject({ MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 3600 });
  const invoked = await lambda.send(new InvokeCommand({ FunctionName: outputs.FunctionName, Payload: Buffer.from('{"n":1}') }));
  expect(invoked.FunctionError).toBeUndefined();
  await notFound(lambda.send(new GetFunctionCommand({ FunctionName: first.FunctionName })));

  // Rule: the new one targets the new function, which lets it invoke; the old rule is deleted.
  expect(outputs.RuleName).toBe(`${stackName}-second`);
  const { Targets } = await events.send(new ListTargetsByRuleCommand({ Rule: outputs.RuleName }));
  expect(Targets?.map((t) => t.Arn)).toEqual([outputs.FunctionArn]);
  const policy = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: outputs.FunctionName }))).Policy ?? '{}');
  expect(JSON.stringify(policy.Statement)).toContain(outputs.RuleArn);
  await notFound(events.send(new DescribeRuleCommand({ Name: first.RuleName })));

  // Alias: renamed, still on the stack's key; the old alias is deleted.
  expect(outputs.AliasName).toBe(`alias/${stackName}-second`);
  expect((await kms.send(new DescribeKeyCommand({ KeyId: outputs.AliasName }))).KeyMetadata?.KeyId).toBe(first.KeyId);
  const aliases = (await kms.send(new ListAliasesCommand({ KeyId: first.KeyId }))).Aliases?.map((a) => a.AliasName);
  expect(aliases).toEqual([outputs.AliasName]);

  // The stack records the new resources; the old ones appear only in events, under their own ids.
  const { StackResources } = await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  const resource = (id: string) => StackResources?.find((r) => r.LogicalResourceId === id);
  expect(resource('Function')).toMatchObject({ PhysicalResourceId: outputs.FunctionName, ResourceStatus: 'UPDATE_COMPLETE' });
  expect(resource('Logs')).toMatchObject({ PhysicalResourceId: outputs.LogGroupName, ResourceStatus: 'UPDATE_COMPLETE' });
  expect(resource('Rule')?.PhysicalResourceId).toBe(outputs.RuleName);
  const { StackEvents } = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }));
  const cleanup = (id: string) => StackEvents?.find((e) => e.LogicalResourceId === id && e.ResourceStatus?.startsWith('DELETE_'));
  expect(cleanup('Logs')).toMatchObject({ ResourceStatus: 'DELETE_SKIPPED', PhysicalResourceId: first.LogGroupName });
  expect(cleanup('Function')).toMatchObject({ ResourceStatus: 'DELETE_COMPLETE', PhysicalResourceId: first.FunctionName });

  // Topic: no TopicName in the template, so it is updated in place and keeps its ARN, as on AWS.
  expect(outputs.TopicArn).toBe(first.TopicArn);
  const topic = await sns.send(new GetTopicAttributesCommand({ TopicArn: outputs.TopicArn }));
  expect(topic.Attributes?.['DisplayName']).toBe('topic second');
  expect(topic.Attributes?.['KmsMasterKeyId']).toBe(first.KeyArn);
});
