// Parameter updates and deletion of a stack of its own (the shared `stack` fixture must stay unchanged): the
// ownStacks fixture deploys it and deletes it when the worker ends, should a test here fail before deleting it.
import { GetBucketLifecycleConfigurationCommand, HeadBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { test, expect } from '../fixtures.ts';
import { clientConfig } from '../../scripts/lib/aws/clients.ts';
import { physicalIdsOf } from '../../scripts/lib/aws/resources.ts';
import type { DeployedStack } from '../support/stack.ts';
import { deleteStack, deployStack, type EnvironmentName } from '../../scripts/lib/deploy.ts';

// What each Environment value must yield, as an operator would read it back.
const EXPECTED: Record<EnvironmentName, { expiration: number; noncurrent: number; transition?: [string, number]; logRetention: number; memory: number; timeout: number; durationMs: number }> = {
  dev: { expiration: 30, noncurrent: 30, logRetention: 30, memory: 512, timeout: 600, durationMs: 480000 },
  staging: { expiration: 90, noncurrent: 90, transition: ['STANDARD_IA', 30], logRetention: 90, memory: 1024, timeout: 900, durationMs: 720000 },
  prod: { expiration: 365, noncurrent: 365, transition: ['GLACIER_IR', 90], logRetention: 365, memory: 1024, timeout: 900, durationMs: 720000 },
};

test.describe.configure({ mode: 'serial' });

test.describe('stack lifecycle', () => {
  let own: DeployedStack;

  test.beforeAll(async ({ ownStacks }) => {
    own = await ownStacks.deploy({ prefix: 'dbs-lc' });
  });

  for (const [previous, environment] of [['dev', 'prod'], ['prod', 'staging']] as const) {
    test(`a parameter update to Environment=${environment} succeeds and yields its settings`, async ({ target, s3, cloudwatch }) => {
      const before = await physicalIdsOf(target, own.stackName);
      const result = await deployStack({
        target,
        environment,
        bucketName: own.backupBucket,
        sourceBucket: own.sourceBucket,
        stackName: own.stackName,
      });
      expect(result.status).toBe('UPDATE_COMPLETE');
      const want = EXPECTED[environment];
      const lifecycle = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: own.backupBucket }));
      const rule = lifecycle.Rules?.find((r) => r.ID === 'ExpireBackups');
      expect(rule?.Expiration?.Days).toBe(want.expiration);
      expect(rule?.NoncurrentVersionExpiration?.NoncurrentDays).toBe(want.noncurrent);
      expect(rule?.Transitions?.map((t) => [t.StorageClass, t.Days])).toEqual(want.transition ? [want.transition] : []);

      const lambda = new LambdaClient(clientConfig(target));
      const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: result.outputs['BackupLambdaName'] }));
      expect(fn.MemorySize).toBe(want.memory);
      expect(fn.Timeout).toBe(want.timeout);
      expect(fn.Environment?.Variables?.['ENVIRONMENT']).toBe(environment);
      // Names that contain the environment are create-only: CloudFormation replaced these resources.
      expect(result.outputs['BackupLambdaName']).toBe(`${own.stackName}-backup-${environment}`);
      expect(fn.KMSKeyArn).toBe(result.outputs['KMSKeyArn']);
      expect(fn.LoggingConfig?.LogGroup).toBe(result.outputs['BackupLogGroupName']);
      expect((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: result.outputs['BackupLambdaName'] }))).ReservedConcurrentExecutions).toBe(2);
      expect((await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: result.outputs['BackupLambdaName'] }))).MaximumRetryAttempts).toBe(2);
      await expect(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: before['BackupFunction'] }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      lambda.destroy();

      const events = new EventBridgeClient(clientConfig(target));
      expect(result.outputs['EventBridgeRuleName']).toBe(`${own.stackName}-daily-${environment}`);
      const targets = await events.send(new ListTargetsByRuleCommand({ Rule: result.outputs['EventBridgeRuleName'] }));
      expect(targets.Targets?.map((t) => t.Arn)).toEqual([result.outputs['BackupLambdaArn']]);
      await expect(events.send(new DescribeRuleCommand({ Name: `${own.stackName}-daily-${previous}` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      events.destroy();

      const kms = new KMSClient(clientConfig(target));
      expect(result.outputs['KMSKeyAlias']).toBe(`alias/${own.stackName}-backup-${environment}`);
      expect((await kms.send(new DescribeKeyCommand({ KeyId: result.outputs['KMSKeyAlias'] }))).KeyMetadata?.Arn).toBe(result.outputs['KMSKeyArn']);
      await expect(kms.send(new DescribeKeyCommand({ KeyId: `alias/${own.stackName}-backup-${previous}` }))).rejects.toMatchObject({ name: 'NotFoundException' });
      kms.destroy();

      const logs = new CloudWatchLogsClient(clientConfig(target));
      expect(result.outputs['BackupLogGroupName']).toBe(`/aws/lambda/${own.stackName}-backup-${environment}`);
      const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: result.outputs['BackupLogGroupName'] }));
      const group = groups.logGroups?.find((g) => g.logGroupName === result.outputs['BackupLogGroupName']);
      expect(group?.retentionInDays).toBe(want.logRetention);
      expect(group?.kmsKeyId).toBe(result.outputs['KMSKeyArn']);
      // DeletionPolicy/UpdateReplacePolicy Retain: the previous environment's log group is kept as it was.
      const oldName = `/aws/lambda/${own.stackName}-backup-${previous}`;
      const old = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: oldName }))).logGroups?.find((g) => g.logGroupName === oldName);
      expect(old?.retentionInDays).toBe(EXPECTED[previous].logRetention);
      logs.destroy();

      const ids = await physicalIdsOf(target, own.stackName);
      const alarms = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [ids['DurationAlarm']!, ids['FailedDocumentsAlarm']!] }));
      const duration = alarms.MetricAlarms?.find((a) => a.AlarmName === ids['DurationAlarm']);
      expect(duration?.Threshold).toBe(want.durationMs);
      expect(alarms.MetricAlarms?.find((a) => a.AlarmName === ids['FailedDocumentsAlarm'])?.Dimensions).toEqual([{ Name: 'Environment', Value: environment }]);
    });
  }

  test('deleting the stack keeps the backup bucket and its objects', async ({ target, s3 }) => {
    await s3.send(new PutObjectCommand({ Bucket: own.backupBucket, Key: 'backups/2026-01-01/keep.txt', Body: 'kept' }));
    await deleteStack(target, own.stackName);
    await s3.send(new HeadBucketCommand({ Bucket: own.backupBucket }));
    const kept = await s3.send(new GetObjectCommand({ Bucket: own.backupBucket, Key: 'backups/2026-01-01/keep.txt' }));
    expect(await kept.Body?.transformToString()).toBe('kept');
  });
});
