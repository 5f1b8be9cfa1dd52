// The deployed canonical stack, asserted through the services' own APIs (never by re-reading the template).
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLoggingCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { DescribeKeyCommand, GetKeyRotationStatusCommand, ListAliasesCommand, KMSClient, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { GetFunctionCommand, GetFunctionConcurrencyCommand, LambdaClient, ListTagsCommand, GetFunctionEventInvokeConfigCommand, GetPolicyCommand } from '@aws-sdk/client-lambda';
import { GetTopicAttributesCommand, ListTagsForResourceCommand as ListTopicTags, SNSClient } from '@aws-sdk/client-sns';
import { CloudWatchLogsClient, DescribeLogGroupsCommand, ListTagsForResourceCommand as ListLogTags } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand, ListTagsForResourceCommand as ListRuleTags } from '@aws-sdk/client-eventbridge';
import { DescribeAlarmsCommand, ListTagsForResourceCommand as ListAlarmTags } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, ListQueueTagsCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetRoleCommand, IAMClient, ListRoleTagsCommand, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { CloudFormationClient, DescribeStacksCommand, ListExportsCommand } from '@aws-sdk/client-cloudformation';
import { test, expect } from '../fixtures.ts';
import { clientConfig } from '../../scripts/lib/aws/clients.ts';
import { loadTemplate } from '../../scripts/lib/cfn/template.ts';
import { view } from '../../scripts/lib/cfn/intrinsics.ts';
import { CANONICAL_TEMPLATE } from '../../scripts/lib/deploy.ts';

const REQUIRED_TAGS = ['Environment', 'Purpose', 'iac-rlhf-amazon'];

function expectRequiredTags(tags: Record<string, string | undefined>, environment: string) {
  for (const key of REQUIRED_TAGS) expect(tags[key], `tag ${key}`).toBeTruthy();
  expect(tags['Environment']).toBe(environment);
}

const toMap = (list: Array<{ Key?: string; Value?: string; TagKey?: string; TagValue?: string }> | undefined) =>
  Object.fromEntries((list ?? []).map((t) => [t.Key ?? t.TagKey ?? '', t.Value ?? t.TagValue]));

test.describe('deployed stack', () => {
  // No silent emulator gaps: LocalStack skips resource types it lacks unless told not to; the stack has them all.
  test('has every resource of the template that its parameters select, each with a physical id', async ({ stack, target }) => {
    const cfn = new CloudFormationClient(clientConfig(target));
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stack.stackName }));
    cfn.destroy();
    const parameters = Object.fromEntries((Stacks?.[0]?.Parameters ?? []).map((p) => [p.ParameterKey!, p.ParameterValue ?? '']));
    const selected = view(await loadTemplate(CANONICAL_TEMPLATE), { parameters, label: 'deployed' }).resources.map((r) => r.logicalId).sort();
    expect(selected.length).toBeGreaterThan(20);
    expect(Object.keys(stack.physicalIds).sort()).toEqual(selected);
    for (const id of selected) expect(stack.physicalIds[id], `physical id of ${id}`).toMatch(/\S/);
  });

  test('is CREATE_COMPLETE and exports outputs that point to real resources', async ({ stack, target, s3 }) => {
    const cfn = new CloudFormationClient(clientConfig(target));
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stack.stackName }));
    expect(Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
    const exports = (await cfn.send(new ListExportsCommand({}))).Exports ?? [];
    for (const name of ['BackupBucketName', 'BackupLambdaArn', 'EventBridgeRuleName', 'KMSKeyId', 'KMSKeyArn', 'DeadLetterQueueArn']) {
      const exported = exports.find((e) => e.Name === `${stack.stackName}-${name}`);
      expect(exported?.Value, `export ${name}`).toBe(stack.outputs[name]);
    }
    expect(stack.outputs['BackupBucketName']).toBe(stack.backupBucket);
    await s3.send(new HeadBucketCommand({ Bucket: stack.outputs['BackupBucketName'] }));
    await s3.send(new HeadBucketCommand({ Bucket: stack.outputs['AccessLogBucketName'] }));
    const lambda = new LambdaClient(clientConfig(target));
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: stack.outputs['BackupLambdaArn'] }));
    expect(fn.Configuration?.FunctionArn).toBe(stack.outputs['BackupLambdaArn']);
    const kms = new KMSClient(clientConfig(target));
    const key = await kms.send(new DescribeKeyCommand({ KeyId: stack.outputs['KMSKeyId'] }));
    expect(key.KeyMetadata?.Arn).toBe(stack.outputs['KMSKeyArn']);
    const events = new EventBridgeClient(clientConfig(target));
    const rule = await events.send(new DescribeRuleCommand({ Name: stack.outputs['EventBridgeRuleName'] }));
    expect(rule.Arn).toBe(stack.outputs['EventBridgeRuleArn']);
    [cfn, lambda, kms, events].forEach((c) => c.destroy());
  });

  test('backup bucket: KMS default encryption with the stack key, versioning, lifecycle, public access block, ownership, logging, TLS-only policy', async ({ stack, s3 }) => {
    const Bucket = stack.backupBucket;
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket }));
    const rule = enc.ServerSideEncryptionConfiguration?.Rules?.[0];
    expect(rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('aws:kms');
    expect(rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID).toBe(stack.outputs['KMSKeyArn']);
    expect(rule?.BucketKeyEnabled).toBe(true);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');

    const lifecycle = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
    const expire = lifecycle.Rules?.find((r) => r.ID === 'ExpireBackups');
    expect(expire?.Status).toBe('Enabled');
    expect(expire?.Expiration?.Days).toBe(30);
    // Not sooner than the 30-day Object Lock retention: S3 could not delete a version before it.
    expect(expire?.NoncurrentVersionExpiration?.NoncurrentDays).toBe(30);
    expect(expire?.AbortIncompleteMultipartUpload?.DaysAfterInitiation).toBe(1);
    expect(expire?.Transitions ?? []).toEqual([]);
    expect(lifecycle.Rules?.find((r) => r.ID === 'RemoveExpiredDeleteMarkers')?.Expiration?.ExpiredObjectDeleteMarker).toBe(true);

    const pab = (await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration;
    expect(pab).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    const ownership = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }));
    expect(ownership.OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe('BucketOwnerEnforced');
    const logging = await s3.send(new GetBucketLoggingCommand({ Bucket }));
    expect(logging.LoggingEnabled?.TargetBucket).toBe(stack.outputs['AccessLogBucketName']);
    expect(logging.LoggingEnabled?.TargetPrefix).toBe('access-logs/backup-bucket/');

    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy ?? '{}');
    const tls = policy.Statement.find((s: { Sid?: string }) => s.Sid === 'DenyInsecureTransport');
    expect(tls.Effect).toBe('Deny');
    expect(String(tls.Condition.Bool['aws:SecureTransport'])).toBe('false');
    expect(tls.Resource).toEqual(expect.arrayContaining([`arn:aws:s3:::${Bucket}`, `arn:aws:s3:::${Bucket}/*`]));
    const otherKey = policy.Statement.find((s: { Sid?: string }) => s.Sid === 'DenyPutsWithAnotherKey');
    expect(otherKey.Condition.StringNotEqualsIfExists['s3:x-amz-server-side-encryption-aws-kms-key-id']).toBe(stack.outputs['KMSKeyArn']);
  });

  test('access-log bucket: encrypted, versioned, private, expiring, TLS-only, log delivery only from this account', async ({ stack, s3 }) => {
    const Bucket = stack.outputs['AccessLogBucketName']!;
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
    const pab = (await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration;
    expect(pab).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    const lifecycle = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
    expect(lifecycle.Rules?.[0]?.Expiration?.Days).toBe(30);
    const ownership = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }));
    expect(ownership.OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe('BucketOwnerEnforced');
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy ?? '{}');
    const delivery = policy.Statement.find((s: { Sid?: string }) => s.Sid === 'AllowAccessLogDeliveryFromTheBackupBucket');
    expect(delivery.Principal.Service).toBe('logging.s3.amazonaws.com');
    expect(delivery.Condition.StringEquals['aws:SourceAccount']).toMatch(/^\d{12}$/);
    expect(delivery.Condition.ArnEquals['aws:SourceArn']).toBe(stack.outputs['BackupBucketArn']);
    expect(policy.Statement.some((s: { Sid?: string; Effect?: string }) => s.Sid === 'DenyInsecureTransport' && s.Effect === 'Deny')).toBe(true);
  });

  test('an object put without encryption headers is stored SSE-KMS with the stack key', async ({ stack, s3 }) => {
    const Key = 'probe/no-headers.txt';
    await s3.send(new PutObjectCommand({ Bucket: stack.backupBucket, Key, Body: 'plain put' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: stack.backupBucket, Key }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toBe(stack.outputs['KMSKeyArn']);
    expect(head.BucketKeyEnabled).toBe(true);
  });

  test('KMS key is enabled, rotates, and its alias resolves to it', async ({ stack, target }) => {
    const kms = new KMSClient(clientConfig(target));
    const key = await kms.send(new DescribeKeyCommand({ KeyId: stack.outputs['KMSKeyId'] }));
    expect(key.KeyMetadata?.Enabled).toBe(true);
    expect(key.KeyMetadata?.KeyManager).toBe('CUSTOMER');
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: stack.outputs['KMSKeyId'] }))).KeyRotationEnabled).toBe(true);
    const viaAlias = await kms.send(new DescribeKeyCommand({ KeyId: stack.outputs['KMSKeyAlias'] }));
    expect(viaAlias.KeyMetadata?.KeyId).toBe(stack.outputs['KMSKeyId']);
    const aliases = await kms.send(new ListAliasesCommand({ KeyId: stack.outputs['KMSKeyId'] }));
    expect(aliases.Aliases?.map((a) => a.AliasName)).toContain(stack.outputs['KMSKeyAlias']);
    kms.destroy();
  });

  test('Lambda is Active on nodejs24.x with its timeout, memory, variables, role, DLQ and invoke permission', async ({ stack, target }) => {
    const lambda = new LambdaClient(clientConfig(target));
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: stack.outputs['BackupLambdaName'] }));
    const c = fn.Configuration!;
    expect(c.State).toBe('Active');
    expect(c.Runtime).toBe('nodejs24.x');
    expect(c.Timeout).toBe(600);
    expect(c.MemorySize).toBe(512);
    expect(c.Role).toBe(stack.outputs['BackupRoleArn']);
    expect(c.KMSKeyArn).toBe(stack.outputs['KMSKeyArn']);
    expect(c.DeadLetterConfig?.TargetArn).toBe(stack.outputs['DeadLetterQueueArn']);
    expect(c.Environment?.Variables).toMatchObject({
      BACKUP_BUCKET: stack.backupBucket,
      SOURCE_BUCKET: stack.sourceBucket,
      KMS_KEY_ARN: stack.outputs['KMSKeyArn'],
      ENVIRONMENT: 'dev',
      METRICS_NAMESPACE: 'DocumentBackup',
      // dev's 512 MB: the bootstrap's old space (512 - 51), the semi-space capped at 8 (template Mappings).
      NODE_OPTIONS: '--max-semi-space-size=8 --max-old-space-size=461',
    });
    expect(c.LoggingConfig?.LogGroup).toBe(stack.outputs['BackupLogGroupName']);
    const invokeConfig = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: stack.outputs['BackupLambdaName'] }));
    expect(invokeConfig.MaximumRetryAttempts).toBe(2);
    expect(invokeConfig.MaximumEventAgeInSeconds).toBe(21600);
    const concurrency = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: stack.outputs['BackupLambdaName'] }));
    expect(concurrency.ReservedConcurrentExecutions).toBe(2);
    const policy = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: stack.outputs['BackupLambdaName'] }))).Policy ?? '{}');
    const grant = policy.Statement[0];
    expect(grant.Principal.Service).toBe('events.amazonaws.com');
    expect(grant.Action).toBe('lambda:InvokeFunction');
    expect(JSON.stringify(grant.Condition)).toContain(stack.outputs['EventBridgeRuleArn']);
    lambda.destroy();
  });

  test('log group keeps logs for the environment retention, encrypted with the stack key', async ({ stack, target }) => {
    const logs = new CloudWatchLogsClient(clientConfig(target));
    const name = stack.outputs['BackupLogGroupName']!;
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
    const group = logGroups?.find((g) => g.logGroupName === name);
    expect(group?.retentionInDays).toBe(30);
    expect(group?.kmsKeyId).toBe(stack.outputs['KMSKeyArn']);
    logs.destroy();
  });

  test('schedule rule is enabled daily and its target retries then dead-letters', async ({ stack, target }) => {
    const events = new EventBridgeClient(clientConfig(target));
    const rule = await events.send(new DescribeRuleCommand({ Name: stack.outputs['EventBridgeRuleName'] }));
    expect(rule.State).toBe('ENABLED');
    expect(rule.ScheduleExpression).toBe('cron(0 2 * * ? *)');
    const { Targets } = await events.send(new ListTargetsByRuleCommand({ Rule: stack.outputs['EventBridgeRuleName'] }));
    expect(Targets).toHaveLength(1);
    expect(Targets?.[0]?.Arn).toBe(stack.outputs['BackupLambdaArn']);
    expect(Targets?.[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 });
    expect(Targets?.[0]?.DeadLetterConfig?.Arn).toBe(stack.outputs['DeadLetterQueueArn']);
    events.destroy();
  });

  test('dead-letter queue keeps messages 14 days, encrypted with the stack key', async ({ stack, target }) => {
    const sqs = new SQSClient(clientConfig(target));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.outputs['DeadLetterQueueUrl'], AttributeNames: ['All'] }));
    expect(Attributes?.['MessageRetentionPeriod']).toBe('1209600');
    expect(Attributes?.['KmsMasterKeyId']).toBe(stack.outputs['KMSKeyArn']);
    expect(JSON.parse(Attributes?.['Policy'] ?? '{}').Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['DenyInsecureTransport', 'AllowTheScheduleToDeadLetter']);
    sqs.destroy();
  });

  test('alarms watch the right metrics with the environment thresholds and notify the topic', async ({ stack, cloudwatch }) => {
    const names = ['FunctionErrorsAlarm', 'FailedDocumentsAlarm', 'DurationAlarm', 'ThrottlesAlarm', 'NoSuccessfulBackupAlarm', 'DeadLetterQueueNotEmptyAlarm']
      .map((id) => stack.physicalIds[id]!);
    const { MetricAlarms } = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names }));
    const byName = new Map(MetricAlarms?.map((a) => [a.AlarmName, a]));
    const alarm = (id: string) => byName.get(stack.physicalIds[id])!;
    expect(MetricAlarms).toHaveLength(6);
    for (const a of MetricAlarms ?? []) {
      expect(a.ActionsEnabled).toBe(true);
      expect(a.AlarmActions).toEqual([stack.outputs['AlarmTopicArn']]);
    }
    expect(alarm('FunctionErrorsAlarm')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 1 });
    expect(alarm('FunctionErrorsAlarm').Dimensions).toEqual([{ Name: 'FunctionName', Value: stack.outputs['BackupLambdaName'] }]);
    expect(alarm('FailedDocumentsAlarm')).toMatchObject({ Namespace: 'DocumentBackup', MetricName: 'DocumentsFailed', Threshold: 1 });
    expect(alarm('FailedDocumentsAlarm').Dimensions).toEqual([{ Name: 'Environment', Value: 'dev' }]);
    expect(alarm('DurationAlarm')).toMatchObject({ MetricName: 'Duration', Statistic: 'Maximum', Threshold: 480000 });
    expect(alarm('NoSuccessfulBackupAlarm')).toMatchObject({ MetricName: 'BackupSucceeded', TreatMissingData: 'breaching', ComparisonOperator: 'LessThanThreshold' });
    expect(alarm('DeadLetterQueueNotEmptyAlarm')).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 });
  });

  test('alarm topic is encrypted with the stack key and tagged', async ({ stack, target }) => {
    const sns = new SNSClient(clientConfig(target));
    const TopicArn = stack.outputs['AlarmTopicArn']!;
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    expect(Attributes?.['KmsMasterKeyId']).toBe(stack.outputs['KMSKeyArn']);
    const tags = toMap((await sns.send(new ListTopicTags({ ResourceArn: TopicArn }))).Tags);
    expectRequiredTags(tags, stack.environment);
    expect(tags['Purpose']).toBe('document-backup-alarms');
    sns.destroy();
  });

  test('every taggable resource carries Environment, Purpose and iac-rlhf-amazon, read back through its service', async ({ stack, target, s3, cloudwatch }) => {
    const cfg = clientConfig(target);
    const env = stack.environment;
    expectRequiredTags(toMap((await s3.send(new GetBucketTaggingCommand({ Bucket: stack.backupBucket }))).TagSet), env);
    expectRequiredTags(toMap((await s3.send(new GetBucketTaggingCommand({ Bucket: stack.outputs['AccessLogBucketName'] }))).TagSet), env);
    const kms = new KMSClient(cfg);
    expectRequiredTags(toMap((await kms.send(new ListResourceTagsCommand({ KeyId: stack.outputs['KMSKeyId'] }))).Tags), env);
    const lambda = new LambdaClient(cfg);
    expectRequiredTags((await lambda.send(new ListTagsCommand({ Resource: stack.outputs['BackupLambdaArn'] }))).Tags ?? {}, env);
    const iam = new IAMClient(cfg);
    const roleName = stack.outputs['BackupRoleArn']!.split('/').pop()!;
    expectRequiredTags(toMap((await iam.send(new ListRoleTagsCommand({ RoleName: roleName }))).Tags), env);
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
    expect(attached.AttachedPolicies?.length).toBe(1);
    expect((await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role?.Arn).toBe(stack.outputs['BackupRoleArn']);
    const sqs = new SQSClient(cfg);
    expectRequiredTags((await sqs.send(new ListQueueTagsCommand({ QueueUrl: stack.outputs['DeadLetterQueueUrl'] }))).Tags ?? {}, env);
    const logs = new CloudWatchLogsClient(cfg);
    const logGroupArn = `arn:aws:logs:${target.region}:${stack.outputs['BackupRoleArn']!.split(':')[4]}:log-group:${stack.outputs['BackupLogGroupName']}`;
    expectRequiredTags((await logs.send(new ListLogTags({ resourceArn: logGroupArn }))).tags ?? {}, env);
    const events = new EventBridgeClient(cfg);
    expectRequiredTags(toMap((await events.send(new ListRuleTags({ ResourceARN: stack.outputs['EventBridgeRuleArn'] }))).Tags), env);
    const { MetricAlarms } = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [stack.physicalIds['FunctionErrorsAlarm']!, stack.physicalIds['NoSuccessfulBackupAlarm']!] }));
    expect(MetricAlarms).toHaveLength(2);
    for (const a of MetricAlarms ?? []) expectRequiredTags(toMap((await cloudwatch.send(new ListAlarmTags({ ResourceARN: a.AlarmArn }))).Tags), env);
    [kms, lambda, iam, sqs, logs, events].forEach((c) => c.destroy());
  });
});
