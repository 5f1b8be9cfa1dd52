// Widen one statement at a time (wildcard action, wildcard resource, an extra action, a removed condition,
// an added principal; a removed Deny) in the identity policies (the backup role's and the restore verifier's)
// and every resource and trust policy, and prove the matrix fails naming exactly the (principal, action,
// resource) rows that became allowed.
import { expect, test } from '@playwright/test';
import { loadTemplate, type Template } from '../../scripts/lib/cfn/template.ts';
import { differenceLines, differs, runMatrix, type MatrixResult } from '../../scripts/lib/matrix/matrix.ts';
import { CONTRACT } from '../../scripts/lib/matrix/contract.ts';
import { widenings, type Widening } from './widen.ts';

const TEMPLATE = process.env['TEMPLATE'] ?? 'template/backup-stack.yaml';

/**
 * What each widening makes allowed (contract row ids), or why no row can change: a condition elsewhere
 * in the same statement, or another statement, still decides. Every widening the template admits must be
 * listed here, so a new statement cannot slip past without someone saying what widening it would mean.
 */
const EXPECTED: Record<string, string[] | { neutralised: string }> = {
  // ---------------------------------------------------------------- identity policy of the backup role
  'BackupPolicy#ListTheSourcePrefix:wildcard-action': ['role.s3.list-source-keys'],
  'BackupPolicy#ListTheSourcePrefix:extra-action': ['role.s3.list-source-keys'],
  'BackupPolicy#ListTheSourcePrefix:wildcard-resource': ['role.s3.list-other-bucket-source-prefix'],
  'BackupPolicy#ListTheSourcePrefix:removed-condition': ['role.s3.list-source-outside-prefix', 'role.s3.list-source-whole-bucket'],
  'BackupPolicy#ReadTheSourceDocuments:wildcard-action': ['role.s3.put-source', 'role.s3.delete-source', 'role.s3.delete-source-version', 'role.s3.read-source-tags', 'role.s3.tag-source'],
  'BackupPolicy#ReadTheSourceDocuments:extra-action': ['role.s3.delete-source'],
  'BackupPolicy#ReadTheSourceDocuments:wildcard-resource': ['role.s3.get-backup-version', 'role.s3.get-backup-outside', 'role.s3.get-source-outside-prefix', 'role.s3.get-other-bucket', 'role.s3.get-access-log'],
  'BackupPolicy#ListTheBackupBucket:wildcard-action': ['role.s3.list-backup-versions'],
  'BackupPolicy#ListTheBackupBucket:extra-action': ['role.s3.list-backup-versions'],
  'BackupPolicy#ListTheBackupBucket:wildcard-resource': ['role.s3.list-other-bucket-backups-prefix'],
  'BackupPolicy#ListTheBackupBucket:removed-condition': ['role.s3.list-backup-outside'],
  // PutObjectRetention with no retention headers meets no bucket-policy Deny: the shortening Deny needs the key.
  'BackupPolicy#WriteBackupsAndManifests:wildcard-action': [
    'role.s3.delete-backup', 'role.s3.delete-backup-version', 'role.s3.delete-manifest', 'role.s3.get-backup-version', 'role.s3.delete-backup-tags', 'role.s3.tag-manifest',
    'role.s3.put-retention',
  ],
  'BackupPolicy#WriteBackupsAndManifests:extra-action': ['role.s3.delete-backup', 'role.s3.delete-manifest'],
  'BackupPolicy#WriteBackupsAndManifests:wildcard-resource': [
    'role.s3.put-backup-outside', 'role.s3.get-backup-outside', 'role.s3.get-source-outside-prefix', 'role.s3.put-source',
    'role.s3.get-other-bucket', 'role.s3.put-other-bucket', 'role.s3.get-access-log', 'role.s3.put-access-log',
    // ... and the verifier's evidence: a backup role that can write verifications/ can forge it.
    'role.s3.put-evidence',
  ],
  'BackupPolicy#TagBackups:wildcard-action': ['role.s3.delete-backup', 'role.s3.delete-backup-version', 'role.s3.get-backup-version', 'role.s3.delete-backup-tags', 'role.s3.put-retention'],
  'BackupPolicy#TagBackups:extra-action': ['role.s3.delete-backup'],
  'BackupPolicy#TagBackups:wildcard-resource': ['role.s3.tag-manifest', 'role.s3.read-source-tags', 'role.s3.tag-source'],
  'BackupPolicy#UseTheStackKeyThroughS3AndSqs:wildcard-action': ['role.kms.encrypt-via-s3', 'role.kms.reencrypt-via-s3'],
  'BackupPolicy#UseTheStackKeyThroughS3AndSqs:extra-action': ['role.kms.encrypt-via-s3'],
  'BackupPolicy#UseTheStackKeyThroughS3AndSqs:wildcard-resource': ['role.kms.decrypt-other-key', 'role.kms.generate-other-key'],
  // Direct use stays denied by the key policy; Lambda and SNS are services the key policy admits.
  'BackupPolicy#UseTheStackKeyThroughS3AndSqs:removed-condition': ['role.kms.decrypt-via-lambda', 'role.kms.generate-via-sns'],
  'BackupPolicy#WriteOwnLogs:wildcard-action': ['role.logs.get-own-events', 'role.logs.delete-own-stream'],
  'BackupPolicy#WriteOwnLogs:extra-action': ['role.logs.delete-own-stream'],
  'BackupPolicy#WriteOwnLogs:wildcard-resource': ['role.logs.put-other-group', 'role.logs.create-stream-other-group'],
  'BackupPolicy#PublishBackupMetrics:wildcard-action': {
    neutralised: 'cloudwatch:namespace is present only in PutMetricData requests, so the kept condition matches no other action',
  },
  'BackupPolicy#PublishBackupMetrics:extra-action': {
    neutralised: 'cloudwatch:namespace is present only in PutMetricData requests, so the kept condition matches no other action',
  },
  'BackupPolicy#PublishBackupMetrics:removed-condition': ['role.cloudwatch.put-metrics-aws-namespace', 'role.cloudwatch.put-metrics-other-namespace'],
  'BackupPolicy#DeadLetterFailedInvocations:wildcard-action': ['role.sqs.receive-dlq', 'role.sqs.delete-dlq-message', 'role.sqs.purge-dlq', 'role.sqs.set-dlq-attributes'],
  'BackupPolicy#DeadLetterFailedInvocations:extra-action': ['role.sqs.receive-dlq'],
  'BackupPolicy#DeadLetterFailedInvocations:wildcard-resource': ['role.sqs.send-other-queue'],

  // ---------------------------------------------------------------- identity policy of the restore verifier's role
  'VerifierPolicy#ListManifestsAndBackups:wildcard-action': ['verifier.s3.list-backup-versions'],
  'VerifierPolicy#ListManifestsAndBackups:extra-action': ['verifier.s3.list-backup-versions'],
  'VerifierPolicy#ListManifestsAndBackups:wildcard-resource': ['verifier.s3.list-other-bucket-backups-prefix'],
  'VerifierPolicy#ListManifestsAndBackups:removed-condition': ['verifier.s3.list-backup-outside'],
  'VerifierPolicy#ReadManifests:wildcard-action': ['verifier.s3.put-manifest', 'verifier.s3.delete-manifest'],
  'VerifierPolicy#ReadManifests:extra-action': ['verifier.s3.delete-manifest'],
  'VerifierPolicy#ReadManifests:wildcard-resource': ['verifier.s3.get-backup-outside', 'verifier.s3.get-source', 'verifier.s3.get-other-bucket'],
  // s3:BypassGovernanceRetention stays denied: the bucket policy's DenyGovernanceBypass excepts only the break-glass role.
  'VerifierPolicy#HeadBackups:wildcard-action': [
    'verifier.s3.put-backup', 'verifier.s3.delete-backup', 'verifier.s3.delete-backup-version', 'verifier.s3.put-retention', 'verifier.s3.tag-backup',
  ],
  'VerifierPolicy#HeadBackups:extra-action': ['verifier.s3.delete-backup'],
  'VerifierPolicy#HeadBackups:wildcard-resource': ['verifier.s3.get-backup-outside', 'verifier.s3.get-source', 'verifier.s3.get-other-bucket'],
  'VerifierPolicy#WriteEvidence:wildcard-action': ['verifier.s3.delete-evidence'],
  'VerifierPolicy#WriteEvidence:extra-action': ['verifier.s3.delete-evidence'],
  'VerifierPolicy#WriteEvidence:wildcard-resource': ['verifier.s3.put-backup', 'verifier.s3.put-manifest'],
  'VerifierPolicy#UseTheStackKeyThroughS3AndSqs:wildcard-action': ['verifier.kms.encrypt-via-s3'],
  'VerifierPolicy#UseTheStackKeyThroughS3AndSqs:extra-action': ['verifier.kms.encrypt-via-s3'],
  'VerifierPolicy#UseTheStackKeyThroughS3AndSqs:wildcard-resource': ['verifier.kms.decrypt-other-key'],
  // Direct use stays denied by the key policy; Lambda is a service the key policy admits.
  'VerifierPolicy#UseTheStackKeyThroughS3AndSqs:removed-condition': ['verifier.kms.decrypt-via-lambda'],
  'VerifierPolicy#WriteOwnLogs:wildcard-action': ['verifier.logs.delete-own-stream'],
  'VerifierPolicy#WriteOwnLogs:extra-action': ['verifier.logs.delete-own-stream'],
  'VerifierPolicy#WriteOwnLogs:wildcard-resource': ['verifier.logs.put-backup-group'],
  'VerifierPolicy#PublishVerificationMetrics:wildcard-action': {
    neutralised: 'cloudwatch:namespace is present only in PutMetricData requests, so the kept condition matches no other action',
  },
  'VerifierPolicy#PublishVerificationMetrics:extra-action': {
    neutralised: 'cloudwatch:namespace is present only in PutMetricData requests, so the kept condition matches no other action',
  },
  'VerifierPolicy#PublishVerificationMetrics:removed-condition': ['verifier.cloudwatch.put-metrics-other-namespace'],
  'VerifierPolicy#DeadLetterFailedInvocations:wildcard-action': ['verifier.sqs.receive-dlq'],
  'VerifierPolicy#DeadLetterFailedInvocations:extra-action': ['verifier.sqs.receive-dlq'],
  'VerifierPolicy#DeadLetterFailedInvocations:wildcard-resource': ['verifier.sqs.send-other-queue'],

  // ---------------------------------------------------------------- key policy
  'BackupKey.KeyPolicy#KeyAdministrationByAccount:wildcard-action': [
    'admin.kms.decrypt-direct', 'admin.kms.generate-direct', 'admin.kms.decrypt-via-other-service',
    'admin.kms.create-grant-not-for-aws-resource', 'admin.kms.create-grant-via-s3-not-for-aws-resource',
  ],
  'BackupKey.KeyPolicy#KeyAdministrationByAccount:extra-action': ['admin.kms.create-grant-not-for-aws-resource', 'admin.kms.create-grant-via-s3-not-for-aws-resource'],
  'BackupKey.KeyPolicy#KeyAdministrationByAccount:added-principal': ['other.kms.describe', 'other.kms.schedule-deletion'],
  'BackupKey.KeyPolicy#UseThroughStackServicesOnly:wildcard-action': ['admin.kms.create-grant-via-s3-not-for-aws-resource'],
  'BackupKey.KeyPolicy#UseThroughStackServicesOnly:extra-action': ['admin.kms.create-grant-via-s3-not-for-aws-resource'],
  'BackupKey.KeyPolicy#UseThroughStackServicesOnly:removed-condition': ['admin.kms.decrypt-direct', 'admin.kms.generate-direct', 'admin.kms.decrypt-via-other-service'],
  'BackupKey.KeyPolicy#UseThroughStackServicesOnly:added-principal': {
    neutralised: 'the statement requires kms:CallerAccount to be this account, which KMS sets and another account cannot',
  },
  'BackupKey.KeyPolicy#GrantsOnlyForAwsResources:wildcard-action': {
    neutralised: 'kms:GrantIsForAWSResource exists only on CreateGrant, ListGrants and RevokeGrant, which the account already has',
  },
  'BackupKey.KeyPolicy#GrantsOnlyForAwsResources:extra-action': {
    neutralised: 'kms:GrantIsForAWSResource exists only on the grant operations, so the kept condition matches no added action',
  },
  'BackupKey.KeyPolicy#GrantsOnlyForAwsResources:removed-condition': ['admin.kms.create-grant-not-for-aws-resource', 'admin.kms.create-grant-via-s3-not-for-aws-resource'],
  'BackupKey.KeyPolicy#GrantsOnlyForAwsResources:added-principal': ['other.kms.create-grant'],
  'BackupKey.KeyPolicy#CloudWatchLogsEncryptsTheFunctionLogGroup:wildcard-action': ['svc.logs.kms-create-grant'],
  'BackupKey.KeyPolicy#CloudWatchLogsEncryptsTheFunctionLogGroup:extra-action': ['svc.logs.kms-create-grant'],
  'BackupKey.KeyPolicy#CloudWatchLogsEncryptsTheFunctionLogGroup:removed-condition': ['svc.logs.kms-generate-other-group', 'svc.logs.kms-generate-no-context'],
  // An unrelated service added to a service's statement gets the key on every key row: its +attacker row, acting
  // for this account, sends what the statement asks (attacker.ts).
  'BackupKey.KeyPolicy#CloudWatchLogsEncryptsTheFunctionLogGroup:added-principal': ['svc.unrelated.kms-as-logs', 'svc.unrelated.kms-as-alarms', 'svc.unrelated.kms-as-schedule'],
  'BackupKey.KeyPolicy#EventBridgeWritesTheDeadLetterQueue:wildcard-action': ['svc.events.kms-encrypt', 'svc.events.kms-create-grant'],
  'BackupKey.KeyPolicy#EventBridgeWritesTheDeadLetterQueue:extra-action': ['svc.events.kms-create-grant'],
  'BackupKey.KeyPolicy#EventBridgeWritesTheDeadLetterQueue:removed-condition': ['svc.events.kms-generate-other-rule', 'svc.events.kms-generate-other-account-rule'],
  'BackupKey.KeyPolicy#EventBridgeWritesTheDeadLetterQueue:added-principal': ['svc.unrelated.kms-as-schedule', 'svc.unrelated.kms-as-alarms', 'svc.unrelated.kms-as-logs'],
  'BackupKey.KeyPolicy#CloudWatchAlarmsPublishToTheEncryptedTopic:wildcard-action': ['svc.cloudwatch.kms-create-grant'],
  'BackupKey.KeyPolicy#CloudWatchAlarmsPublishToTheEncryptedTopic:extra-action': ['svc.cloudwatch.kms-create-grant'],
  'BackupKey.KeyPolicy#CloudWatchAlarmsPublishToTheEncryptedTopic:removed-condition': ['svc.cloudwatch.kms-generate-other-account'],
  // Only aws:SourceAccount pins it, so the unrelated service passes whatever it claims to act for.
  'BackupKey.KeyPolicy#CloudWatchAlarmsPublishToTheEncryptedTopic:added-principal': ['svc.unrelated.kms-as-schedule', 'svc.unrelated.kms-as-alarms', 'svc.unrelated.kms-as-logs'],

  // ---------------------------------------------------------------- bucket policies
  'AccessLogBucketPolicy#DenyInsecureTransport:removed-deny': ['admin.s3.get-access-log-no-tls', 'svc.logging.put-access-log-no-tls'],
  'AccessLogBucketPolicy#DenyOutdatedTls:removed-deny': ['admin.s3.get-access-log-old-tls'],
  'AccessLogBucketPolicy#AllowAccessLogDeliveryFromTheBackupBucket:wildcard-action': ['svc.logging.delete-access-log', 'svc.logging.get-access-log'],
  'AccessLogBucketPolicy#AllowAccessLogDeliveryFromTheBackupBucket:extra-action': ['svc.logging.delete-access-log'],
  'AccessLogBucketPolicy#AllowAccessLogDeliveryFromTheBackupBucket:wildcard-resource': ['svc.logging.put-outside-prefix'],
  'AccessLogBucketPolicy#AllowAccessLogDeliveryFromTheBackupBucket:removed-condition': [
    'svc.logging.put-access-log-other-account', 'svc.logging.put-access-log-other-bucket', 'svc.logging.put-access-log-no-source',
  ],
  'AccessLogBucketPolicy#AllowAccessLogDeliveryFromTheBackupBucket:added-principal': ['svc.unrelated.put-access-log'],
  'BackupBucketPolicy#DenyInsecureTransport:removed-deny': ['role.s3.put-backup-no-tls', 'admin.s3.get-backup-no-tls'],
  'BackupBucketPolicy#DenyOutdatedTls:removed-deny': ['admin.s3.put-backup-old-tls'],
  'BackupBucketPolicy#DenyPutsNotEncryptedWithKms:removed-deny': ['admin.s3.put-backup-dsse'],
  // The verifier's evidence too: its Allow on verifications/ does not name a key, the bucket policy does.
  'BackupBucketPolicy#DenyPutsWithAnotherKey:removed-deny': ['admin.s3.put-backup-other-key', 'admin.s3.put-backup-kms-without-key-id', 'verifier.s3.put-evidence-other-key'],
  // The backup role has no Allow for them: only the admin (allowed everything by its identity) gains.
  'BackupBucketPolicy#DenyGovernanceBypass:removed-deny': ['admin.s3.bypass-governance'],
  'BackupBucketPolicy#DenyObjectLockConfigurationChanges:removed-deny': ['admin.s3.put-lock-configuration'],
  'BackupBucketPolicy#DenyRetentionShorterThanTheBackupRetention:removed-deny': ['admin.s3.shorten-retention', 'admin.s3.put-backup-short-retention'],
  'BackupBucketPolicy#DenyAnotherRetentionMode:removed-deny': ['admin.s3.other-retention-mode'],

  // ---------------------------------------------------------------- queue, topic and trust policies
  'DeadLetterQueuePolicy#DenyInsecureTransport:removed-deny': ['admin.sqs.send-dlq-no-tls'],
  'DeadLetterQueuePolicy#AllowTheScheduleToDeadLetter:wildcard-action': ['svc.events.sqs-receive', 'svc.events.sqs-purge'],
  'DeadLetterQueuePolicy#AllowTheScheduleToDeadLetter:extra-action': ['svc.events.sqs-receive'],
  'DeadLetterQueuePolicy#AllowTheScheduleToDeadLetter:removed-condition': ['svc.events.sqs-send-other-rule', 'svc.events.sqs-send-other-account-rule'],
  'DeadLetterQueuePolicy#AllowTheScheduleToDeadLetter:added-principal': ['svc.unrelated.sqs-send'],
  'AlarmTopicPolicy#DenyInsecureTransport:removed-deny': ['admin.sns.publish-no-tls'],
  'AlarmTopicPolicy#AllowAlarmsOfThisAccount:wildcard-action': ['svc.cloudwatch.sns-subscribe'],
  'AlarmTopicPolicy#AllowAlarmsOfThisAccount:extra-action': ['svc.cloudwatch.sns-subscribe'],
  'AlarmTopicPolicy#AllowAlarmsOfThisAccount:removed-condition': ['svc.cloudwatch.sns-publish-other-account'],
  'AlarmTopicPolicy#AllowAlarmsOfThisAccount:added-principal': ['svc.unrelated.sns-publish'],
  'BackupRole.AssumeRolePolicyDocument#[0]:removed-condition': ['svc.lambda.assume-role-other-account'],
  'BackupRole.AssumeRolePolicyDocument#[0]:added-principal': ['svc.unrelated.assume-role'],
  'VerifierRole.AssumeRolePolicyDocument#[0]:removed-condition': ['svc.lambda.assume-verifier-role-other-account'],
  'VerifierRole.AssumeRolePolicyDocument#[0]:added-principal': ['svc.unrelated.assume-verifier-role'],
};

let template: Template;
let baseline: MatrixResult;
let all: Widening[];

test.beforeAll(async () => {
  template = await loadTemplate(TEMPLATE);
  baseline = await runMatrix(template, CONTRACT);
  all = widenings(template);
});

test('every widening of every statement has a stated expectation', () => {
  expect(all.map((w) => w.id).sort()).toEqual(Object.keys(EXPECTED).sort());
  // The kinds are all exercised: identity, bucket, key, queue and topic policies are widened.
  for (const policy of ['BackupPolicy', 'VerifierPolicy', 'VerifierRole.AssumeRolePolicyDocument', 'BackupBucketPolicy', 'AccessLogBucketPolicy', 'BackupKey.KeyPolicy', 'DeadLetterQueuePolicy', 'AlarmTopicPolicy']) {
    expect(all.some((w) => w.policy === policy), policy).toBe(true);
  }
  for (const kind of ['wildcard-action', 'wildcard-resource', 'extra-action', 'removed-condition', 'added-principal', 'removed-deny']) {
    expect(all.some((w) => w.kind === kind), kind).toBe(true);
  }
});

/** A row and its `+attacker` variant (the same request with attacker-chosen context, attacker.ts) are one contract row here. */
const contractRow = (id: string) => id.replace(/\+attacker$/, '');

/** The part of a widened matrix that the widening changed: the contract rows that became allowed beyond `before`. */
function newlyAllowed(result: MatrixResult, before: MatrixResult = baseline): string[] {
  const was = new Set(before.becameAllowed.map((r) => contractRow(r.id)));
  return [...new Set(result.becameAllowed.map((r) => contractRow(r.id)))].filter((id) => !was.has(id));
}

for (const id of Object.keys(EXPECTED)) {
  test(`widening ${id}`, async () => {
    const widening = all.find((w) => w.id === id);
    expect(widening, `${id} is a widening the template admits`).toBeDefined();
    const result = await runMatrix(widening!.apply(template), CONTRACT);
    const expected = EXPECTED[id]!;
    // A widening never takes a permission away.
    expect(result.stoppedBeingAllowed.map((r) => r.id)).toEqual(baseline.stoppedBeingAllowed.map((r) => r.id));
    if (!Array.isArray(expected)) {
      expect(newlyAllowed(result), `${widening!.change} is neutralised: ${expected.neutralised}`).toEqual([]);
      return;
    }
    expect(expected.length, 'an effective widening names at least one row').toBeGreaterThan(0);
    expect(differs(result), 'the matrix fails').toBe(true);
    expect(newlyAllowed(result).sort()).toEqual([...expected].sort());
    // The failure message names each (action, resource) that became allowed, and who.
    const lines = differenceLines(result);
    for (const row of result.becameAllowed.filter((r) => expected.includes(r.id))) {
      expect(lines).toContainEqual(expect.stringContaining(`became allowed: ${row.action} on ${row.resource} by ${row.principal}`));
    }
  });
}

test('widenings are caught in aws-cn too', async () => {
  // ARNs, service principals (…amazonaws.com.cn) and conditions are partition-sensitive: re-check the
  // removed conditions and added principals there.
  const cnBaseline = await runMatrix(template, CONTRACT, { partition: 'aws-cn' });
  for (const w of all.filter((x) => x.kind === 'removed-condition' || x.kind === 'added-principal')) {
    const expected = EXPECTED[w.id]!;
    const result = await runMatrix(w.apply(template), CONTRACT, { partition: 'aws-cn' });
    const got = newlyAllowed(result, cnBaseline).sort();
    expect(got, `${w.id} in aws-cn`).toEqual(Array.isArray(expected) ? [...expected].sort() : []);
  }
});
