// Parameter updates and deletion of a stack of its own (the shared `stack` fixture must stay unchanged).
import { GetBucketLifecycleConfigurationCommand, HeadBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { test, expect } from '../fixtures.ts';
import { clientConfig } from '../support/aws.ts';
import { deployTestStack, physicalIdsOf, type DeployedStack } from '../support/stack.ts';
import { deleteStack, deployStack, type EnvironmentName } from '../../scripts/lib/deploy.ts';

// What each Environment value must yield, as an operator would read it back.
const EXPECTED: Record<EnvironmentName, { expiration: number; noncurrent: number; transition?: [string, number]; logRetention: number; memory: number; timeout: number; durationMs: number }> = {
  dev: { expiration: 30, noncurrent: 7, logRetention: 30, memory: 512, timeout: 600, durationMs: 480000 },
  staging: { expiration: 90, noncurrent: 30, transition: ['STANDARD_IA', 30], logRetention: 90, memory: 1024, timeout: 900, durationMs: 720000 },
  prod: { expiration: 365, noncurrent: 90, transition: ['GLACIER_IR', 90], logRetention: 365, memory: 1024, timeout: 900, durationMs: 720000 },
};

test.describe.configure({ mode: 'serial' });

test.describe('stack lifecycle', () => {
  let own: DeployedStack;

  test.beforeAll(async ({ target }) => {
    own = await deployTestStack(target, { prefix: 'dbs-lc' });
  });

  for (const environment of ['prod', 'staging'] as const) {
    test(`a parameter update to Environment=${environment} succeeds and yields its settings`, async ({ target, s3, cloudwatch }) => {
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
      lambda.destroy();

      const logs = new CloudWatchLogsClient(clientConfig(target));
      const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: result.outputs['BackupLogGroupName'] }));
      expect(groups.logGroups?.find((g) => g.logGroupName === result.outputs['BackupLogGroupName'])?.retentionInDays).toBe(want.logRetention);
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
