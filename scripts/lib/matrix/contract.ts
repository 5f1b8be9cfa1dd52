// The least-privilege contract of the document-backup stack, as rows of a permission matrix:
// who (principal) may or may not do what (action) to which resource, in which request context.
// Written against a sample deployment (`Sample`), so the same rows hold in every partition.
//
//   backup role      every (action, resource) the backup needs is allowed; what it must never do is denied
//   verifier role    the restore verifier's execution role (when the template has a verifier): reads manifests,
//                    HEADs backups and writes evidence under verifications/; never writes, deletes, tags or
//                    unlocks a backup or a manifest, never reads the source
//   account admin    a same-account principal whose identity policy allows everything: what the stack's
//                    resource policies still refuse it (no TLS, wrong encryption, direct key use)
//   other account    a principal of another account allowed everything by its own account: denied everywhere
//   anonymous        denied everywhere
//   services         each service the stack relies on may do its one job, with its source pinned; an
//                    unrelated service principal may not
import type { ContractRow } from './matrix.ts';
import type { PrincipalKey } from './evaluate.ts';
import type { Sample } from './stack.ts';

type Ctx = NonNullable<ContractRow['context']>;
type Extra = Pick<ContractRow, 'context' | 'contextLabel' | 'when' | 'whenNot' | 'resourceAccount' | 'anyOtherService'>;

function row(expect: ContractRow['expect'], principal: PrincipalKey, id: string, action: string, resource: (s: Sample) => string, why: string, extra: Partial<Extra> = {}): ContractRow {
  return { id, principal, action, resource, expect, why, ...extra };
}
const allow = (p: PrincipalKey, id: string, action: string, resource: (s: Sample) => string, why: string, extra?: Partial<Extra>) => row('allowed', p, id, action, resource, why, extra);
const deny = (p: PrincipalKey, id: string, action: string, resource: (s: Sample) => string, why: string, extra?: Partial<Extra>) =>
  row('denied', p, id, action, resource, why, { ...extra, ...(p === UNRELATED ? { anyOtherService: true } : {}) });

// ------------------------------------------------------------------ principals
const ROLE: PrincipalKey = 'backup-role';
const VERIFIER: PrincipalKey = 'verifier-role';
const ADMIN: PrincipalKey = 'account-admin';
const BREAK_GLASS: PrincipalKey = 'break-glass';
const OTHER: PrincipalKey = 'other-account';
const ANON: PrincipalKey = 'anonymous';
const EVENTS: PrincipalKey = 'service:events';
const LOGS: PrincipalKey = 'service:logs.{region}';
const CLOUDWATCH: PrincipalKey = 'service:cloudwatch';
const LOG_DELIVERY: PrincipalKey = 'service:logging.s3';
const LAMBDA: PrincipalKey = 'service:lambda';
/** A service principal the stack has no business with; its rows also run for every other service the policies name. */
const UNRELATED: PrincipalKey = 'service:ssm';

// ------------------------------------------------------------------ resources
const RUN_DATE = '2025-01-31';
const sourceDoc = (s: Sample) => s.s3(s.sourceBucket, `${s.sourcePrefix}reports/q1.pdf`);
const sourceOutside = (s: Sample) => s.s3(s.sourceBucket, 'private/salaries.xlsx');
const sourceBucket = (s: Sample) => s.s3(s.sourceBucket);
const backupBucket = (s: Sample) => s.s3(s.backupBucket);
const backupObject = (s: Sample) => s.s3(s.backupBucket, `backups/${RUN_DATE}/${s.sourcePrefix}reports/q1.pdf`);
const manifestObject = (s: Sample) => s.s3(s.backupBucket, `manifests/${RUN_DATE}/run-0001.json`);
const backupOutside = (s: Sample) => s.s3(s.backupBucket, 'restore/q1.pdf');
const accessLogBucket = (s: Sample) => s.s3(s.accessLogBucket);
const accessLogObject = (s: Sample) => s.s3(s.accessLogBucket, `access-logs/backup-bucket/${RUN_DATE}-02-00-00-0123456789ABCDEF`);
const accessLogOutside = (s: Sample) => s.s3(s.accessLogBucket, 'elsewhere/forged-log');
const otherBucket = (s: Sample) => s.s3('acme-payroll');
const otherBucketObject = (s: Sample) => s.s3('acme-payroll', 'payroll/2025-01.csv');
const key = (s: Sample) => s.key.arn;
const otherKey = (s: Sample) => s.arn('kms', 'key/0a1b2c3d-1111-4222-8333-444455556666');
const queue = (s: Sample) => s.queue.arn;
const otherQueue = (s: Sample) => s.arn('sqs', 'other-team-queue');
const topic = (s: Sample) => s.topic.arn;
const ownStream = (s: Sample) => s.logGroup.stream(`${RUN_DATE}/0123456789abcdef`);
const ownLogGroup = (s: Sample) => s.logGroup.arn;
const otherStream = (s: Sample) => s.arn('logs', `log-group:/aws/lambda/payroll-export:log-stream:${RUN_DATE}/0123456789abcdef`);
const fn = (s: Sample) => s.fn.arn;
const otherFunction = (s: Sample) => s.arn('lambda', 'function:payroll-export');
const role = (s: Sample) => s.role.arn;
const otherRole = (s: Sample) => s.arn('iam', 'role/PayrollAdmin');
const otherAccountRole = (s: Sample) => s.arn('iam', 'role/Deployer', { account: s.otherAccount });
const rule = (s: Sample) => s.arn('events', `rule/${s.rule.name}`);
const alarm = (s: Sample) => s.arn('cloudwatch', 'alarm:any-alarm');
// The restore verifier's (rows that use them apply only when the template has a verifier: see the guards below).
const verifier = (s: Sample) => s.verifier!;
const evidenceObject = (s: Sample) => s.s3(s.backupBucket, `verifications/${RUN_DATE}/run-0001.json`);
const verifierFn = (s: Sample) => verifier(s).fn.arn;
const verifierRole = (s: Sample) => verifier(s).role.arn;
const verifierStream = (s: Sample) => verifier(s).logGroup!.stream(`${RUN_DATE}/0123456789abcdef`);

// ------------------------------------------------------------------ contexts
const via = (service: string, label: string): Partial<Extra> => ({
  context: (s) => ({ 'kms:ViaService': `${service}.${s.region}.${s.urlSuffix}` }),
  contextLabel: `via ${label}`,
});
const VIA_S3 = via('s3', 'S3');
const VIA_SQS = via('sqs', 'SQS');
const DIRECT: Partial<Extra> = { contextLabel: 'direct call (no kms:ViaService)' };
const NO_TLS: Partial<Extra> = { context: () => ({ 'aws:SecureTransport': 'false' }), contextLabel: 'aws:SecureTransport=false' };
const OLD_TLS: Partial<Extra> = { context: () => ({ 's3:TlsVersion': '1.1' }), contextLabel: 's3:TlsVersion=1.1' };
const prefix = (p: (s: Sample) => string, label: string): Partial<Extra> => ({ context: (s) => ({ 's3:prefix': p(s) }), contextLabel: `s3:prefix=${label}` });
const KMS_PUT: Partial<Extra> = {
  context: (s) => ({ 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': s.key.arn }),
  contextLabel: 'SSE-KMS with the stack key',
};
const PLAIN_PUT: Partial<Extra> = { contextLabel: 'no encryption headers (bucket default applies)' };
const OTHER_KEY_PUT: Partial<Extra> = {
  context: (s) => ({ 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': otherKey(s) }),
  contextLabel: 'SSE-KMS with another key',
};
const AES_PUT: Partial<Extra> = { context: () => ({ 's3:x-amz-server-side-encryption': 'AES256' }), contextLabel: 'SSE-S3 (AES256)' };
const namespace = (ns: (s: Sample) => string, label: string): Partial<Extra> => ({ context: (s) => ({ 'cloudwatch:namespace': ns(s) }), contextLabel: `cloudwatch:namespace=${label}` });
const LOG_DELIVERY_CTX: Partial<Extra> = {
  context: (s) => ({ 'aws:SourceAccount': s.account, 'aws:SourceArn': s.s3(s.backupBucket) }),
  contextLabel: 'from the backup bucket, this account',
};
const FROM_RULE: Partial<Extra> = { context: (s) => ({ 'aws:SourceAccount': s.account, 'aws:SourceArn': s.rule.arn }), contextLabel: 'from the schedule rule' };
const FROM_OTHER_RULE: Partial<Extra> = {
  context: (s) => ({ 'aws:SourceAccount': s.account, 'aws:SourceArn': s.arn('events', 'rule/payroll-nightly') }),
  contextLabel: 'from another rule of this account',
};
const FROM_OTHER_ACCOUNT_RULE: Partial<Extra> = {
  context: (s) => ({ 'aws:SourceAccount': s.otherAccount, 'aws:SourceArn': s.arn('events', `rule/${s.rule.name}`, { account: s.otherAccount }) }),
  contextLabel: 'from a same-named rule of another account',
};
const logsContext = (group: (s: Sample) => string, label: string): Partial<Extra> => ({
  context: (s) => ({ 'kms:EncryptionContext:aws:logs:arn': s.arn('logs', `log-group:${group(s)}`) }),
  contextLabel: `encryption context of ${label}`,
});
const OWN_LOGS = logsContext((s) => s.logGroup.name, 'the function log group');
const THIS_ACCOUNT: Partial<Extra> = { context: (s) => ({ 'aws:SourceAccount': s.account }), contextLabel: 'aws:SourceAccount=this account' };
const OTHER_SOURCE_ACCOUNT: Partial<Extra> = { context: (s) => ({ 'aws:SourceAccount': s.otherAccount }), contextLabel: 'aws:SourceAccount=another account' };
// Guards: a row that does not apply to the template is listed as not applicable, with its reason.
const PREFIXED: Partial<Extra> = { when: (s) => s.sourcePrefix !== '', whenNot: 'the whole source bucket is backed up (no SourcePrefix): nothing is outside the prefix' };
const NO_VERIFIER = 'the template has no restore verifier';
const HAS_VERIFIER: Partial<Extra> = { when: (s) => s.verifier !== undefined, whenNot: NO_VERIFIER };
const HAS_VERIFIER_LOGS: Partial<Extra> = {
  when: (s) => s.verifier?.logGroup !== undefined,
  whenNot: (s) => (s.verifier ? 'the restore verifier has no log group of the template' : NO_VERIFIER),
};
const HAS_VERIFY_RULE: Partial<Extra> = {
  when: (s) => s.verifier?.rule !== undefined,
  whenNot: (s) => (s.verifier ? 'the restore verifier has no schedule rule (an AWS::Events::Rule targeting it)' : NO_VERIFIER),
};
const NO_LOCK = 'the backup bucket has no Object Lock default retention';
// Object Lock requests: what S3 puts in s3:object-lock-* for a retention `days` from now in `mode`.
const retention = (label: string, days: (lock: NonNullable<Sample['objectLock']>) => number, mode?: (m: string) => string): Partial<Extra> => ({
  context: (s) => ({
    's3:object-lock-remaining-retention-days': String(days(s.objectLock!)),
    's3:object-lock-mode': mode ? mode(s.objectLock!.mode) : s.objectLock!.mode,
  }),
  contextLabel: label,
  when: (s) => s.objectLock !== undefined,
  whenNot: NO_LOCK,
});
const SHORTER = retention('retention 1 day shorter than the default, same mode', (l) => l.days - 1);
const LONGER = retention('retention 30 days longer than the default, same mode', (l) => l.days + 30);
const OTHER_MODE = retention('full retention in the other mode', (l) => l.days, (m) => (m === 'COMPLIANCE' ? 'GOVERNANCE' : 'COMPLIANCE'));
const locked: Partial<Extra> = { when: (s) => s.objectLock !== undefined, whenNot: NO_LOCK };
const breakGlass: Partial<Extra> = { when: (s) => s.objectLock?.breakGlassRoleArn !== undefined, whenNot: 'the backup bucket policy excepts no break-glass role from its Object Lock denials' };
const FROM_VERIFY_RULE: Partial<Extra> = {
  context: (s) => ({ 'aws:SourceAccount': s.account, 'aws:SourceArn': verifier(s).rule!.arn }),
  contextLabel: 'from the verify rule',
  ...HAS_VERIFY_RULE,
};
const FROM_OTHER_ACCOUNT_VERIFY_RULE: Partial<Extra> = {
  context: (s) => ({ 'aws:SourceAccount': s.otherAccount, 'aws:SourceArn': s.arn('events', `rule/${verifier(s).rule!.name}`, { account: s.otherAccount }) }),
  contextLabel: 'from a same-named verify rule of another account',
  ...HAS_VERIFY_RULE,
};
const VERIFIER_LOGS: Partial<Extra> = { ...logsContext((s) => verifier(s).logGroup!.name, 'the verifier log group'), ...HAS_VERIFIER_LOGS };
/** A verifier row: applies when the template has a verifier, with `extra` (its context, or a narrower guard). */
const v = (extra: Partial<Extra> = {}): Partial<Extra> => ({ ...HAS_VERIFIER, ...extra });

export const CONTRACT: readonly ContractRow[] = [
  // ================================================================ backup role: what the backup needs
  allow(ROLE, 'role.s3.list-source-prefix', 's3:ListBucketVersions', sourceBucket, 'list the documents (and their current versions) to back up', prefix((s) => s.sourcePrefix, 'the source prefix')),
  allow(ROLE, 'role.s3.get-source', 's3:GetObject', sourceDoc, 'read (and HEAD) a document under the prefix'),
  allow(ROLE, 'role.s3.get-source-version', 's3:GetObjectVersion', sourceDoc, 'copy a pinned source version'),
  allow(ROLE, 'role.s3.list-backups', 's3:ListBucket', backupBucket, 'find what is already backed up', prefix(() => 'backups/', 'backups/')),
  allow(ROLE, 'role.s3.list-manifests', 's3:ListBucket', backupBucket, 'find earlier manifests', prefix(() => 'manifests/', 'manifests/')),
  allow(ROLE, 'role.s3.put-backup', 's3:PutObject', backupObject, 'write (copy) a backup', KMS_PUT),
  allow(ROLE, 'role.s3.put-backup-default-encryption', 's3:PutObject', backupObject, 'a put without headers gets the bucket default key', PLAIN_PUT),
  allow(ROLE, 'role.s3.get-backup', 's3:GetObject', backupObject, 'HEAD an existing backup to skip unchanged documents'),
  allow(ROLE, 'role.s3.tag-backup', 's3:PutObjectTagging', backupObject, 'the copy tags the backup with source ETag, version and run id'),
  allow(ROLE, 'role.s3.read-backup-tags', 's3:GetObjectTagging', backupObject, 'a re-run reads the tags to skip unchanged documents'),
  allow(ROLE, 'role.s3.abort-multipart', 's3:AbortMultipartUpload', backupObject, 'clean up a failed multipart copy'),
  allow(ROLE, 'role.s3.put-manifest', 's3:PutObject', manifestObject, 'write the run manifest', KMS_PUT),
  allow(ROLE, 'role.s3.get-manifest', 's3:GetObject', manifestObject, 'read a manifest back'),
  allow(ROLE, 'role.kms.generate-via-s3', 'kms:GenerateDataKey', key, 'S3 encrypts backups with the stack key', VIA_S3),
  allow(ROLE, 'role.kms.decrypt-via-s3', 'kms:Decrypt', key, 'S3 decrypts backups (multipart, HEAD with checksums)', VIA_S3),
  allow(ROLE, 'role.kms.generate-via-sqs', 'kms:GenerateDataKey', key, 'SQS encrypts dead letters with the stack key', VIA_SQS),
  allow(ROLE, 'role.kms.decrypt-via-sqs', 'kms:Decrypt', key, 'SQS producers to an SSE-KMS queue need Decrypt', VIA_SQS),
  allow(ROLE, 'role.cloudwatch.put-metrics', 'cloudwatch:PutMetricData', () => '*', 'publish the backup metrics', namespace((s) => s.namespace, 'the backup namespace')),
  allow(ROLE, 'role.logs.create-stream', 'logs:CreateLogStream', ownStream, 'Lambda creates a stream in its own log group'),
  allow(ROLE, 'role.logs.put-events', 'logs:PutLogEvents', ownStream, 'Lambda writes its own logs'),
  allow(ROLE, 'role.sqs.send-dlq', 'sqs:SendMessage', queue, 'a failed asynchronous invocation lands in the dead-letter queue'),

  // ================================================================ backup role: what it must never do
  // backups are never destroyed or rewritten elsewhere
  deny(ROLE, 'role.s3.delete-backup', 's3:DeleteObject', backupObject, 'a compromised function must not destroy backups'),
  deny(ROLE, 'role.s3.delete-backup-version', 's3:DeleteObjectVersion', backupObject, 'nor earlier versions of them'),
  // The copy gets the bucket's default retention without asking for it: no Object Lock permission is needed.
  deny(ROLE, 'role.s3.bypass-governance', 's3:BypassGovernanceRetention', backupObject, 'a compromised function cannot lift a lock'),
  deny(ROLE, 'role.s3.put-retention', 's3:PutObjectRetention', backupObject, 'nor change a version\'s retention'),
  deny(ROLE, 'role.s3.put-lock-configuration', 's3:PutBucketObjectLockConfiguration', backupBucket, 'nor the bucket\'s default retention'),
  deny(ROLE, 'role.s3.delete-manifest', 's3:DeleteObject', manifestObject, 'nor the manifests that say what a run did'),
  deny(ROLE, 'role.s3.get-backup-version', 's3:GetObjectVersion', backupObject, 'it never needs noncurrent versions'),
  deny(ROLE, 'role.s3.delete-backup-tags', 's3:DeleteObjectTagging', backupObject, 'nor strip a backup of its bookkeeping'),
  deny(ROLE, 'role.s3.tag-manifest', 's3:PutObjectTagging', manifestObject, 'manifests carry no tags'),
  deny(ROLE, 'role.s3.put-backup-outside', 's3:PutObject', backupOutside, 'writes stay under backups/ and manifests/', KMS_PUT),
  deny(ROLE, 'role.s3.get-backup-outside', 's3:GetObject', backupOutside, 'reads stay under backups/ and manifests/'),
  deny(ROLE, 'role.s3.list-backup-outside', 's3:ListBucket', backupBucket, 'listing stays under backups/ and manifests/', prefix(() => 'restore/', 'restore/')),
  deny(ROLE, 'role.s3.list-backup-versions', 's3:ListBucketVersions', backupBucket, 'it never lists versions', prefix(() => 'backups/', 'backups/')),
  deny(ROLE, 'role.s3.put-backup-no-tls', 's3:PutObject', backupObject, 'the bucket policy refuses plain HTTP even to the role', { ...NO_TLS, context: (s) => ({ ...KMS_PUT.context!(s), 'aws:SecureTransport': 'false' }) }),
  // the backup bucket's configuration is not the function's business
  deny(ROLE, 'role.s3.put-bucket-policy', 's3:PutBucketPolicy', backupBucket, 'changing the bucket policy'),
  deny(ROLE, 'role.s3.delete-bucket-policy', 's3:DeleteBucketPolicy', backupBucket, 'removing the bucket policy'),
  deny(ROLE, 'role.s3.put-encryption', 's3:PutEncryptionConfiguration', backupBucket, 'changing default encryption'),
  deny(ROLE, 'role.s3.put-lifecycle', 's3:PutLifecycleConfiguration', backupBucket, 'changing retention'),
  deny(ROLE, 'role.s3.put-versioning', 's3:PutBucketVersioning', backupBucket, 'suspending versioning'),
  deny(ROLE, 'role.s3.put-public-access-block', 's3:PutBucketPublicAccessBlock', backupBucket, 'opening the bucket to the public'),
  deny(ROLE, 'role.s3.put-bucket-logging', 's3:PutBucketLogging', backupBucket, 'switching access logging off'),
  deny(ROLE, 'role.s3.delete-bucket', 's3:DeleteBucket', backupBucket, 'deleting the bucket'),
  // the source is read only, and only under the prefix
  deny(ROLE, 'role.s3.get-source-outside-prefix', 's3:GetObject', sourceOutside, 'source keys outside the prefix are not backed up', PREFIXED),
  deny(ROLE, 'role.s3.list-source-outside-prefix', 's3:ListBucketVersions', sourceBucket, 'listing stays inside the prefix', { ...prefix(() => 'private/', 'private/'), ...PREFIXED }),
  deny(ROLE, 'role.s3.list-source-whole-bucket', 's3:ListBucketVersions', sourceBucket, 'listing the whole bucket reveals keys outside the prefix', { ...prefix(() => '', "''"), ...PREFIXED }),
  deny(ROLE, 'role.s3.list-source-keys', 's3:ListBucket', sourceBucket, 'the versions listing is the only one it uses', prefix((s) => s.sourcePrefix, 'the source prefix')),
  deny(ROLE, 'role.s3.read-source-tags', 's3:GetObjectTagging', sourceDoc, 'source tags are not copied'),
  deny(ROLE, 'role.s3.tag-source', 's3:PutObjectTagging', sourceDoc, 'the source bucket is read only'),
  deny(ROLE, 'role.s3.put-source', 's3:PutObject', sourceDoc, 'the source bucket is read only'),
  deny(ROLE, 'role.s3.delete-source', 's3:DeleteObject', sourceDoc, 'the source bucket is read only'),
  deny(ROLE, 'role.s3.delete-source-version', 's3:DeleteObjectVersion', sourceDoc, 'the source bucket is read only'),
  deny(ROLE, 'role.s3.put-source-bucket-policy', 's3:PutBucketPolicy', sourceBucket, 'the source bucket is not the stack\'s'),
  // other buckets
  deny(ROLE, 'role.s3.get-other-bucket', 's3:GetObject', otherBucketObject, 'reading other buckets'),
  deny(ROLE, 'role.s3.list-other-bucket-source-prefix', 's3:ListBucketVersions', otherBucket, 'listing other buckets', prefix((s) => s.sourcePrefix, 'the source prefix')),
  deny(ROLE, 'role.s3.list-other-bucket-backups-prefix', 's3:ListBucket', otherBucket, 'listing other buckets', prefix(() => 'backups/', 'backups/')),
  deny(ROLE, 'role.s3.put-other-bucket', 's3:PutObject', otherBucketObject, 'copying documents out of the stack'),
  deny(ROLE, 'role.s3.get-access-log', 's3:GetObject', accessLogObject, 'reading the access logs'),
  deny(ROLE, 'role.s3.put-access-log', 's3:PutObject', accessLogObject, 'forging access logs'),
  // the key is used only through S3 and SQS, only for what they need
  deny(ROLE, 'role.kms.decrypt-direct', 'kms:Decrypt', key, 'a leaked credential cannot decrypt directly', DIRECT),
  deny(ROLE, 'role.kms.generate-direct', 'kms:GenerateDataKey', key, 'nor generate data keys directly', DIRECT),
  deny(ROLE, 'role.kms.decrypt-via-lambda', 'kms:Decrypt', key, 'only S3 and SQS use the key for the role', via('lambda', 'Lambda')),
  deny(ROLE, 'role.kms.generate-via-sns', 'kms:GenerateDataKey', key, 'only S3 and SQS use the key for the role', via('sns', 'SNS')),
  deny(ROLE, 'role.kms.encrypt-via-s3', 'kms:Encrypt', key, 'S3 never needs Encrypt for SSE-KMS', VIA_S3),
  deny(ROLE, 'role.kms.reencrypt-via-s3', 'kms:ReEncryptFrom', key, 'nor ReEncrypt', VIA_S3),
  deny(ROLE, 'role.kms.create-grant', 'kms:CreateGrant', key, 'handing the key to someone else', VIA_S3),
  deny(ROLE, 'role.kms.decrypt-other-key', 'kms:Decrypt', otherKey, 'other keys, even through S3', VIA_S3),
  deny(ROLE, 'role.kms.generate-other-key', 'kms:GenerateDataKey', otherKey, 'other keys, even through S3', VIA_S3),
  deny(ROLE, 'role.kms.schedule-deletion', 'kms:ScheduleKeyDeletion', key, 'destroying every backup at once'),
  deny(ROLE, 'role.kms.put-key-policy', 'kms:PutKeyPolicy', key, 'changing the key policy'),
  deny(ROLE, 'role.kms.disable-key', 'kms:DisableKey', key, 'making backups unreadable'),
  // iam, sts, lambda, events
  deny(ROLE, 'role.iam.pass-other-role', 'iam:PassRole', otherRole, 'passing roles'),
  deny(ROLE, 'role.iam.pass-own-role', 'iam:PassRole', role, 'passing its own role'),
  deny(ROLE, 'role.iam.put-role-policy', 'iam:PutRolePolicy', role, 'granting itself more'),
  deny(ROLE, 'role.iam.attach-role-policy', 'iam:AttachRolePolicy', role, 'granting itself more'),
  deny(ROLE, 'role.iam.create-access-key', 'iam:CreateAccessKey', (s) => s.arn('iam', 'user/alice'), 'minting long-lived credentials'),
  deny(ROLE, 'role.sts.assume-other-role', 'sts:AssumeRole', otherRole, 'becoming another role'),
  deny(ROLE, 'role.sts.assume-cross-account', 'sts:AssumeRole', otherAccountRole, 'becoming a role of another account'),
  deny(ROLE, 'role.lambda.update-code', 'lambda:UpdateFunctionCode', fn, 'replacing its own code'),
  deny(ROLE, 'role.lambda.update-config', 'lambda:UpdateFunctionConfiguration', fn, 'changing its own configuration'),
  deny(ROLE, 'role.lambda.invoke-other', 'lambda:InvokeFunction', otherFunction, 'invoking other functions'),
  deny(ROLE, 'role.lambda.invoke-self', 'lambda:InvokeFunction', fn, 'invoking itself (runaway recursion)'),
  deny(ROLE, 'role.events.disable-rule', 'events:DisableRule', rule, 'switching its own schedule off'),
  // logs, metrics, queues, topics
  deny(ROLE, 'role.logs.put-other-group', 'logs:PutLogEvents', otherStream, 'writing other log groups'),
  deny(ROLE, 'role.logs.create-stream-other-group', 'logs:CreateLogStream', otherStream, 'writing other log groups'),
  deny(ROLE, 'role.logs.get-own-events', 'logs:GetLogEvents', ownStream, 'it writes logs, never reads them'),
  deny(ROLE, 'role.logs.delete-own-stream', 'logs:DeleteLogStream', ownStream, 'erasing its own tracks'),
  deny(ROLE, 'role.logs.delete-own-group', 'logs:DeleteLogGroup', ownLogGroup, 'erasing its own tracks'),
  deny(ROLE, 'role.logs.put-retention', 'logs:PutRetentionPolicy', ownLogGroup, 'shortening log retention'),
  deny(ROLE, 'role.cloudwatch.put-metrics-aws-namespace', 'cloudwatch:PutMetricData', () => '*', 'faking AWS metrics', namespace(() => 'AWS/Lambda', 'AWS/Lambda')),
  deny(ROLE, 'role.cloudwatch.put-metrics-other-namespace', 'cloudwatch:PutMetricData', () => '*', 'metrics in other namespaces', namespace(() => 'Payroll', 'Payroll')),
  deny(ROLE, 'role.cloudwatch.delete-alarms', 'cloudwatch:DeleteAlarms', alarm, 'silencing its own alarms'),
  deny(ROLE, 'role.sqs.send-other-queue', 'sqs:SendMessage', otherQueue, 'other queues'),
  deny(ROLE, 'role.sqs.receive-dlq', 'sqs:ReceiveMessage', queue, 'reading dead letters'),
  deny(ROLE, 'role.sqs.delete-dlq-message', 'sqs:DeleteMessage', queue, 'hiding its failures'),
  deny(ROLE, 'role.sqs.purge-dlq', 'sqs:PurgeQueue', queue, 'hiding its failures'),
  deny(ROLE, 'role.sqs.set-dlq-attributes', 'sqs:SetQueueAttributes', queue, 'changing the queue'),
  deny(ROLE, 'role.sns.publish-alarm-topic', 'sns:Publish', topic, 'faking alarm notifications'),
  // the evidence of restore verification is the verifier's alone
  deny(ROLE, 'role.s3.put-evidence', 's3:PutObject', evidenceObject, 'the backup must not forge the evidence that its backups restore', KMS_PUT),

  // ================================================================ verifier role: what the restore verification needs
  allow(VERIFIER, 'verifier.s3.list-manifests', 's3:ListBucket', backupBucket, 'find the newest manifest', v(prefix(() => 'manifests/', 'manifests/'))),
  allow(VERIFIER, 'verifier.s3.list-backups', 's3:ListBucket', backupBucket, 'without ListBucket S3 answers a missing backup with 403, not 404', v(prefix(() => 'backups/', 'backups/'))),
  allow(VERIFIER, 'verifier.s3.get-manifest', 's3:GetObject', manifestObject, 'read the manifest it verifies against', v()),
  allow(VERIFIER, 'verifier.s3.head-backup', 's3:GetObject', backupObject, 'HEAD a backup (with its stored checksum)', v()),
  allow(VERIFIER, 'verifier.s3.head-backup-version', 's3:GetObjectVersion', backupObject, 'HEAD the backup version the manifest recorded', v()),
  allow(VERIFIER, 'verifier.s3.put-evidence', 's3:PutObject', evidenceObject, 'write the verification evidence', v(KMS_PUT)),
  allow(VERIFIER, 'verifier.s3.put-evidence-default-encryption', 's3:PutObject', evidenceObject, 'a put without headers gets the bucket default key', v(PLAIN_PUT)),
  allow(VERIFIER, 'verifier.kms.generate-via-s3', 'kms:GenerateDataKey', key, 'S3 encrypts the evidence with the stack key', v(VIA_S3)),
  allow(VERIFIER, 'verifier.kms.decrypt-via-s3', 'kms:Decrypt', key, 'S3 decrypts manifests (and HEADs backups) with the stack key', v(VIA_S3)),
  allow(VERIFIER, 'verifier.kms.generate-via-sqs', 'kms:GenerateDataKey', key, 'SQS encrypts its dead letters with the stack key', v(VIA_SQS)),
  allow(VERIFIER, 'verifier.logs.create-stream', 'logs:CreateLogStream', verifierStream, 'Lambda creates a stream in the verifier\'s own log group', HAS_VERIFIER_LOGS),
  allow(VERIFIER, 'verifier.logs.put-events', 'logs:PutLogEvents', verifierStream, 'Lambda writes the verifier\'s own logs', HAS_VERIFIER_LOGS),
  allow(VERIFIER, 'verifier.cloudwatch.put-metrics', 'cloudwatch:PutMetricData', () => '*', 'publish RestoreVerified and VerificationFailures', v(namespace((s) => verifier(s).namespace, 'the verifier namespace'))),
  allow(VERIFIER, 'verifier.sqs.send-dlq', 'sqs:SendMessage', queue, 'a failed asynchronous invocation lands in the dead-letter queue', v()),

  // ================================================================ verifier role: what it must never do
  // it checks backups and manifests, it never writes, deletes, tags or unlocks them
  deny(VERIFIER, 'verifier.s3.put-backup', 's3:PutObject', backupObject, 'a verifier that can write backups could make them pass', v(KMS_PUT)),
  deny(VERIFIER, 'verifier.s3.put-manifest', 's3:PutObject', manifestObject, 'nor rewrite the manifest it checks against', v(KMS_PUT)),
  deny(VERIFIER, 'verifier.s3.delete-backup', 's3:DeleteObject', backupObject, 'a compromised verifier must not destroy backups', v()),
  deny(VERIFIER, 'verifier.s3.delete-backup-version', 's3:DeleteObjectVersion', backupObject, 'nor the versions it HEADs', v()),
  deny(VERIFIER, 'verifier.s3.delete-manifest', 's3:DeleteObject', manifestObject, 'nor the manifests', v()),
  deny(VERIFIER, 'verifier.s3.put-retention', 's3:PutObjectRetention', backupObject, 'nor change a version\'s retention', v()),
  deny(VERIFIER, 'verifier.s3.bypass-governance', 's3:BypassGovernanceRetention', backupObject, 'nor lift a lock', v()),
  deny(VERIFIER, 'verifier.s3.tag-backup', 's3:PutObjectTagging', backupObject, 'nor rewrite a backup\'s bookkeeping', v()),
  deny(VERIFIER, 'verifier.s3.delete-evidence', 's3:DeleteObject', evidenceObject, 'it adds evidence, never erases it', v()),
  deny(VERIFIER, 'verifier.s3.put-evidence-other-key', 's3:PutObject', evidenceObject, 'evidence is encrypted with the stack key like everything else', v(OTHER_KEY_PUT)),
  deny(VERIFIER, 'verifier.s3.get-backup-outside', 's3:GetObject', backupOutside, 'reads stay under manifests/ and backups/', v()),
  deny(VERIFIER, 'verifier.s3.list-backup-outside', 's3:ListBucket', backupBucket, 'listing stays under manifests/ and backups/', v(prefix(() => 'restore/', 'restore/'))),
  deny(VERIFIER, 'verifier.s3.list-backup-versions', 's3:ListBucketVersions', backupBucket, 'it HEADs the versions the manifest names, never lists them', v(prefix(() => 'backups/', 'backups/'))),
  // the source is not the verifier's business
  deny(VERIFIER, 'verifier.s3.get-source', 's3:GetObject', sourceDoc, 'it verifies backups against the manifest, not against the source', v()),
  deny(VERIFIER, 'verifier.s3.list-source-versions', 's3:ListBucketVersions', sourceBucket, 'nor lists the source', v(prefix((s) => s.sourcePrefix, 'the source prefix'))),
  deny(VERIFIER, 'verifier.s3.get-other-bucket', 's3:GetObject', otherBucketObject, 'reading other buckets', v()),
  deny(VERIFIER, 'verifier.s3.list-other-bucket-backups-prefix', 's3:ListBucket', otherBucket, 'listing other buckets', v(prefix(() => 'backups/', 'backups/'))),
  // the key only through S3 (and SQS), only for what they need
  deny(VERIFIER, 'verifier.kms.decrypt-direct', 'kms:Decrypt', key, 'a leaked verifier credential cannot decrypt backups directly', v(DIRECT)),
  deny(VERIFIER, 'verifier.kms.decrypt-via-lambda', 'kms:Decrypt', key, 'only S3 and SQS use the key for the verifier', v(via('lambda', 'Lambda'))),
  deny(VERIFIER, 'verifier.kms.encrypt-via-s3', 'kms:Encrypt', key, 'S3 never needs Encrypt for SSE-KMS', v(VIA_S3)),
  deny(VERIFIER, 'verifier.kms.decrypt-other-key', 'kms:Decrypt', otherKey, 'other keys, even through S3', v(VIA_S3)),
  // logs, metrics, queues
  deny(VERIFIER, 'verifier.logs.put-backup-group', 'logs:PutLogEvents', ownStream, 'forging the backup function\'s logs', v()),
  deny(VERIFIER, 'verifier.logs.delete-own-stream', 'logs:DeleteLogStream', verifierStream, 'erasing its own tracks', HAS_VERIFIER_LOGS),
  deny(VERIFIER, 'verifier.cloudwatch.put-metrics-other-namespace', 'cloudwatch:PutMetricData', () => '*', 'metrics in other namespaces', v(namespace(() => 'Payroll', 'Payroll'))),
  deny(VERIFIER, 'verifier.sqs.receive-dlq', 'sqs:ReceiveMessage', queue, 'reading dead letters', v()),
  deny(VERIFIER, 'verifier.sqs.send-other-queue', 'sqs:SendMessage', otherQueue, 'other queues', v()),

  // ================================================================ account admin: what resource policies refuse anyone
  allow(ADMIN, 'admin.s3.put-backup-kms', 's3:PutObject', backupObject, 'SSE-KMS with the stack key is the one encryption accepted', KMS_PUT),
  allow(ADMIN, 'admin.s3.put-backup-default-encryption', 's3:PutObject', backupObject, 'no headers: the bucket default (stack key) applies', PLAIN_PUT),
  deny(ADMIN, 'admin.s3.put-backup-other-key', 's3:PutObject', backupObject, 'DenyPutsWithAnotherKey, whatever the identity policy says', OTHER_KEY_PUT),
  deny(ADMIN, 'admin.s3.put-backup-kms-without-key-id', 's3:PutObject', backupObject, 'aws:kms without a key id means the aws/s3 managed key', {
    context: () => ({ 's3:x-amz-server-side-encryption': 'aws:kms' }), contextLabel: 'SSE-KMS without a key id',
  }),
  deny(ADMIN, 'admin.s3.put-backup-dsse', 's3:PutObject', backupObject, 'SSE-KMS is the one algorithm accepted, not DSSE-KMS even with the stack key', {
    context: (s) => ({ 's3:x-amz-server-side-encryption': 'aws:kms:dsse', 's3:x-amz-server-side-encryption-aws-kms-key-id': s.key.arn }), contextLabel: 'DSSE-KMS with the stack key',
  }),
  deny(ADMIN, 'admin.s3.put-backup-aes256', 's3:PutObject', backupObject, 'DenyPutsNotEncryptedWithKms, whatever the identity policy says', AES_PUT),
  // Object Lock: no one but the break-glass role lifts or shortens the retention of a backup version.
  deny(ADMIN, 'admin.s3.bypass-governance', 's3:BypassGovernanceRetention', backupObject, 'DenyGovernanceBypass: deleting or shortening a locked version early', locked),
  deny(ADMIN, 'admin.s3.put-lock-configuration', 's3:PutBucketObjectLockConfiguration', backupBucket, 'DenyObjectLockConfigurationChanges: no weaker default retention', locked),
  deny(ADMIN, 'admin.s3.shorten-retention', 's3:PutObjectRetention', backupObject, 'a retention below the backup retention is a shortening', SHORTER),
  deny(ADMIN, 'admin.s3.put-backup-short-retention', 's3:PutObject', backupObject, 'no new version locked for less than the backup retention', SHORTER),
  deny(ADMIN, 'admin.s3.other-retention-mode', 's3:PutObjectRetention', backupObject, 'the environment\'s mode only (no GOVERNANCE version in prod)', OTHER_MODE),
  allow(ADMIN, 'admin.s3.extend-retention', 's3:PutObjectRetention', backupObject, 'extending a retention is not refused', LONGER),
  allow(BREAK_GLASS, 'break-glass.s3.bypass-governance', 's3:BypassGovernanceRetention', backupObject, 'the one exception to DenyGovernanceBypass', breakGlass),
  allow(BREAK_GLASS, 'break-glass.s3.put-lock-configuration', 's3:PutBucketObjectLockConfiguration', backupBucket, 'the one exception to DenyObjectLockConfigurationChanges', breakGlass),
  allow(BREAK_GLASS, 'break-glass.s3.shorten-retention', 's3:PutObjectRetention', backupObject, 'the one exception to the retention denials', {
    ...SHORTER,
    ...breakGlass,
  }),
  deny(ADMIN, 'admin.s3.get-backup-no-tls', 's3:GetObject', backupObject, 'no plain HTTP to the backup bucket', NO_TLS),
  deny(ADMIN, 'admin.s3.put-backup-old-tls', 's3:PutObject', backupObject, 'no TLS below 1.2 to the backup bucket', { ...OLD_TLS, context: (s) => ({ ...KMS_PUT.context!(s), 's3:TlsVersion': '1.1' }) }),
  allow(ADMIN, 'admin.s3.get-access-log', 's3:GetObject', accessLogObject, 'the account can read its access logs over TLS'),
  deny(ADMIN, 'admin.s3.get-access-log-no-tls', 's3:GetObject', accessLogObject, 'no plain HTTP to the access-log bucket', NO_TLS),
  deny(ADMIN, 'admin.s3.get-access-log-old-tls', 's3:GetObject', accessLogObject, 'no TLS below 1.2 to the access-log bucket', OLD_TLS),
  deny(ADMIN, 'admin.kms.decrypt-direct', 'kms:Decrypt', key, 'holding admin rights does not read backups', DIRECT),
  deny(ADMIN, 'admin.kms.generate-direct', 'kms:GenerateDataKey', key, 'the key is used only through the stack\'s services', DIRECT),
  deny(ADMIN, 'admin.kms.decrypt-via-other-service', 'kms:Decrypt', key, 'only S3, SQS, Lambda and SNS may use the key', via('secretsmanager', 'Secrets Manager')),
  allow(ADMIN, 'admin.kms.decrypt-via-s3', 'kms:Decrypt', key, 'restores read backups through S3', VIA_S3),
  allow(ADMIN, 'admin.kms.schedule-deletion', 'kms:ScheduleKeyDeletion', key, 'key administration stays with the account\'s IAM admins'),
  allow(ADMIN, 'admin.kms.put-key-policy', 'kms:PutKeyPolicy', key, 'key administration stays with the account\'s IAM admins'),
  allow(ADMIN, 'admin.kms.create-grant-for-aws-resource', 'kms:CreateGrant', key, 'Lambda encrypts its environment through a grant', {
    context: () => ({ 'kms:GrantIsForAWSResource': 'true' }), contextLabel: 'kms:GrantIsForAWSResource=true',
  }),
  deny(ADMIN, 'admin.kms.create-grant-not-for-aws-resource', 'kms:CreateGrant', key, 'no grants to arbitrary principals', {
    context: () => ({ 'kms:GrantIsForAWSResource': 'false' }), contextLabel: 'kms:GrantIsForAWSResource=false',
  }),
  deny(ADMIN, 'admin.kms.create-grant-via-s3-not-for-aws-resource', 'kms:CreateGrant', key, 'no grants to arbitrary principals, even through S3', {
    context: (s) => ({ ...VIA_S3.context!(s), 'kms:GrantIsForAWSResource': 'false' }), contextLabel: 'via S3, kms:GrantIsForAWSResource=false',
  }),
  allow(ADMIN, 'admin.sqs.send-dlq', 'sqs:SendMessage', queue, 'the account may use its queue over TLS'),
  deny(ADMIN, 'admin.sqs.send-dlq-no-tls', 'sqs:SendMessage', queue, 'no plain HTTP to the queue', NO_TLS),
  allow(ADMIN, 'admin.sns.publish', 'sns:Publish', topic, 'the account may use its topic over TLS'),
  deny(ADMIN, 'admin.sns.publish-no-tls', 'sns:Publish', topic, 'no plain HTTP to the topic', NO_TLS),
  deny(ADMIN, 'admin.sts.assume-backup-role', 'sts:AssumeRole', role, 'only Lambda becomes the backup role'),
  deny(ADMIN, 'admin.sts.assume-verifier-role', 'sts:AssumeRole', verifierRole, 'only Lambda becomes the verifier role', v()),

  // ================================================================ other account: denied everywhere
  deny(OTHER, 'other.s3.get-backup', 's3:GetObject', backupObject, 'backups never leave the account'),
  deny(OTHER, 'other.s3.put-backup', 's3:PutObject', backupObject, 'nor can another account plant backups', KMS_PUT),
  deny(OTHER, 'other.s3.list-backup-bucket', 's3:ListBucket', backupBucket, 'nor list them', prefix(() => 'backups/', 'backups/')),
  deny(OTHER, 'other.s3.get-access-log', 's3:GetObject', accessLogObject, 'access logs stay in the account'),
  deny(OTHER, 'other.s3.put-access-log', 's3:PutObject', accessLogObject, 'nor can another account forge them'),
  deny(OTHER, 'other.kms.decrypt-via-s3', 'kms:Decrypt', key, 'the key is not shared', VIA_S3),
  deny(OTHER, 'other.kms.decrypt-direct', 'kms:Decrypt', key, 'the key is not shared, not even for direct calls', DIRECT),
  deny(OTHER, 'other.kms.describe', 'kms:DescribeKey', key, 'the key is not shared'),
  deny(OTHER, 'other.kms.schedule-deletion', 'kms:ScheduleKeyDeletion', key, 'the key is not shared'),
  deny(OTHER, 'other.kms.create-grant', 'kms:CreateGrant', key, 'the key is not shared', {
    context: () => ({ 'kms:GrantIsForAWSResource': 'true' }), contextLabel: 'kms:GrantIsForAWSResource=true',
  }),
  deny(OTHER, 'other.sqs.send-dlq', 'sqs:SendMessage', queue, 'the queue is not shared'),
  deny(OTHER, 'other.sqs.receive-dlq', 'sqs:ReceiveMessage', queue, 'the queue is not shared'),
  deny(OTHER, 'other.sns.publish', 'sns:Publish', topic, 'the topic is not shared'),
  deny(OTHER, 'other.sns.subscribe', 'sns:Subscribe', topic, 'the topic is not shared'),
  deny(OTHER, 'other.lambda.invoke', 'lambda:InvokeFunction', fn, 'the function is not shared'),
  deny(OTHER, 'other.lambda.invoke-verifier', 'lambda:InvokeFunction', verifierFn, 'nor is the verifier', v()),
  deny(OTHER, 'other.sts.assume-backup-role', 'sts:AssumeRole', role, 'the role is not shared'),

  // ================================================================ anonymous: denied everywhere
  deny(ANON, 'anon.s3.get-backup', 's3:GetObject', backupObject, 'nothing is public'),
  deny(ANON, 'anon.s3.list-backup-bucket', 's3:ListBucket', backupBucket, 'nothing is public'),
  deny(ANON, 'anon.s3.get-access-log', 's3:GetObject', accessLogObject, 'nothing is public'),
  deny(ANON, 'anon.s3.put-access-log', 's3:PutObject', accessLogObject, 'nothing is public'),
  deny(ANON, 'anon.kms.decrypt', 'kms:Decrypt', key, 'nothing is public'),
  deny(ANON, 'anon.kms.describe', 'kms:DescribeKey', key, 'nothing is public'),
  deny(ANON, 'anon.sqs.send-dlq', 'sqs:SendMessage', queue, 'nothing is public'),
  deny(ANON, 'anon.sqs.receive-dlq', 'sqs:ReceiveMessage', queue, 'nothing is public'),
  deny(ANON, 'anon.sns.publish', 'sns:Publish', topic, 'nothing is public'),
  deny(ANON, 'anon.lambda.invoke', 'lambda:InvokeFunction', fn, 'nothing is public'),

  // ================================================================ S3 server access log delivery
  allow(LOG_DELIVERY, 'svc.logging.put-access-log', 's3:PutObject', accessLogObject, 'S3 delivers the backup bucket\'s access logs', LOG_DELIVERY_CTX),
  deny(LOG_DELIVERY, 'svc.logging.put-access-log-other-account', 's3:PutObject', accessLogObject, 'only for this account', {
    context: (s) => ({ 'aws:SourceAccount': s.otherAccount, 'aws:SourceArn': s.s3(s.backupBucket) }), contextLabel: 'aws:SourceAccount=another account',
  }),
  deny(LOG_DELIVERY, 'svc.logging.put-access-log-other-bucket', 's3:PutObject', accessLogObject, 'only for the backup bucket', {
    context: (s) => ({ 'aws:SourceAccount': s.account, 'aws:SourceArn': otherBucket(s) }), contextLabel: 'from another bucket of this account',
  }),
  deny(LOG_DELIVERY, 'svc.logging.put-access-log-no-source', 's3:PutObject', accessLogObject, 'never without a source', { contextLabel: 'no aws:SourceAccount / aws:SourceArn' }),
  deny(LOG_DELIVERY, 'svc.logging.put-outside-prefix', 's3:PutObject', accessLogOutside, 'only under access-logs/', LOG_DELIVERY_CTX),
  deny(LOG_DELIVERY, 'svc.logging.delete-access-log', 's3:DeleteObject', accessLogObject, 'log delivery only adds', LOG_DELIVERY_CTX),
  deny(LOG_DELIVERY, 'svc.logging.get-access-log', 's3:GetObject', accessLogObject, 'log delivery only adds', LOG_DELIVERY_CTX),
  deny(LOG_DELIVERY, 'svc.logging.put-backup-bucket', 's3:PutObject', backupObject, 'log delivery never writes the backup bucket', LOG_DELIVERY_CTX),
  deny(LOG_DELIVERY, 'svc.logging.put-access-log-no-tls', 's3:PutObject', accessLogObject, 'no plain HTTP even for log delivery', {
    context: (s) => ({ ...LOG_DELIVERY_CTX.context!(s), 'aws:SecureTransport': 'false' }), contextLabel: 'from the backup bucket, aws:SecureTransport=false',
  }),

  // ================================================================ EventBridge: the schedule
  allow(EVENTS, 'svc.events.invoke', 'lambda:InvokeFunction', fn, 'the schedule starts the backup', FROM_RULE),
  deny(EVENTS, 'svc.events.invoke-other-rule', 'lambda:InvokeFunction', fn, 'only the stack\'s rule', FROM_OTHER_RULE),
  allow(EVENTS, 'svc.events.sqs-send', 'sqs:SendMessage', queue, 'undeliverable schedule events land in the DLQ', FROM_RULE),
  deny(EVENTS, 'svc.events.sqs-send-other-rule', 'sqs:SendMessage', queue, 'only the stack\'s rule', FROM_OTHER_RULE),
  deny(EVENTS, 'svc.events.sqs-send-other-account-rule', 'sqs:SendMessage', queue, 'only this account\'s rule', FROM_OTHER_ACCOUNT_RULE),
  deny(EVENTS, 'svc.events.sqs-receive', 'sqs:ReceiveMessage', queue, 'EventBridge only sends', FROM_RULE),
  deny(EVENTS, 'svc.events.sqs-purge', 'sqs:PurgeQueue', queue, 'EventBridge only sends', FROM_RULE),
  allow(EVENTS, 'svc.events.kms-generate', 'kms:GenerateDataKey', key, 'EventBridge encrypts dead letters', FROM_RULE),
  allow(EVENTS, 'svc.events.kms-decrypt', 'kms:Decrypt', key, 'EventBridge writes to the SSE-KMS queue', FROM_RULE),
  deny(EVENTS, 'svc.events.kms-generate-other-rule', 'kms:GenerateDataKey', key, 'only for the stack\'s rule', FROM_OTHER_RULE),
  deny(EVENTS, 'svc.events.kms-generate-other-account-rule', 'kms:GenerateDataKey', key, 'only for this account', FROM_OTHER_ACCOUNT_RULE),
  deny(EVENTS, 'svc.events.kms-encrypt', 'kms:Encrypt', key, 'only what SQS needs', FROM_RULE),
  deny(EVENTS, 'svc.events.kms-create-grant', 'kms:CreateGrant', key, 'no grants', FROM_RULE),
  // the verify schedule
  allow(EVENTS, 'svc.events.invoke-verifier', 'lambda:InvokeFunction', verifierFn, 'the verify rule starts the restore verification', FROM_VERIFY_RULE),
  deny(EVENTS, 'svc.events.invoke-verifier-other-rule', 'lambda:InvokeFunction', verifierFn, 'only the stack\'s verify rule', { ...FROM_OTHER_RULE, ...HAS_VERIFIER }),
  deny(EVENTS, 'svc.events.invoke-verifier-other-account-rule', 'lambda:InvokeFunction', verifierFn, 'only this account\'s verify rule', FROM_OTHER_ACCOUNT_VERIFY_RULE),
  deny(EVENTS, 'svc.events.invoke-verifier-from-backup-rule', 'lambda:InvokeFunction', verifierFn, 'the backup schedule starts the backup only', { ...FROM_RULE, ...HAS_VERIFIER }),
  allow(EVENTS, 'svc.events.sqs-send-verify-rule', 'sqs:SendMessage', queue, 'undeliverable verify events land in the DLQ', FROM_VERIFY_RULE),
  allow(EVENTS, 'svc.events.kms-generate-verify-rule', 'kms:GenerateDataKey', key, 'EventBridge encrypts the verify rule\'s dead letters', FROM_VERIFY_RULE),

  // ================================================================ CloudWatch Logs: the encrypted log group
  allow(LOGS, 'svc.logs.kms-generate', 'kms:GenerateDataKey', key, 'CloudWatch Logs encrypts the function log group', OWN_LOGS),
  allow(LOGS, 'svc.logs.kms-decrypt', 'kms:Decrypt', key, 'and reads it back', OWN_LOGS),
  allow(LOGS, 'svc.logs.kms-encrypt', 'kms:Encrypt', key, 'and encrypts with it', OWN_LOGS),
  deny(LOGS, 'svc.logs.kms-generate-other-group', 'kms:GenerateDataKey', key, 'only for the function log group', logsContext(() => '/aws/lambda/payroll-export', 'another log group')),
  deny(LOGS, 'svc.logs.kms-generate-no-context', 'kms:GenerateDataKey', key, 'only with the log-group encryption context', { contextLabel: 'no encryption context' }),
  deny(LOGS, 'svc.logs.kms-create-grant', 'kms:CreateGrant', key, 'no grants', OWN_LOGS),
  deny(LOGS, 'svc.logs.kms-schedule-deletion', 'kms:ScheduleKeyDeletion', key, 'no administration'),
  allow(LOGS, 'svc.logs.kms-generate-verifier-group', 'kms:GenerateDataKey', key, 'CloudWatch Logs encrypts the verifier log group too', VERIFIER_LOGS),

  // ================================================================ CloudWatch alarms -> the encrypted topic
  allow(CLOUDWATCH, 'svc.cloudwatch.sns-publish', 'sns:Publish', topic, 'alarms notify the topic', THIS_ACCOUNT),
  deny(CLOUDWATCH, 'svc.cloudwatch.sns-publish-other-account', 'sns:Publish', topic, 'only this account\'s alarms', OTHER_SOURCE_ACCOUNT),
  deny(CLOUDWATCH, 'svc.cloudwatch.sns-subscribe', 'sns:Subscribe', topic, 'alarms only publish', THIS_ACCOUNT),
  allow(CLOUDWATCH, 'svc.cloudwatch.kms-generate', 'kms:GenerateDataKey', key, 'publishing to the SSE-KMS topic', THIS_ACCOUNT),
  allow(CLOUDWATCH, 'svc.cloudwatch.kms-decrypt', 'kms:Decrypt', key, 'publishing to the SSE-KMS topic', THIS_ACCOUNT),
  deny(CLOUDWATCH, 'svc.cloudwatch.kms-generate-other-account', 'kms:GenerateDataKey', key, 'only this account\'s alarms', OTHER_SOURCE_ACCOUNT),
  deny(CLOUDWATCH, 'svc.cloudwatch.kms-create-grant', 'kms:CreateGrant', key, 'no grants', THIS_ACCOUNT),

  // ================================================================ Lambda: the execution role's trust
  allow(LAMBDA, 'svc.lambda.assume-role', 'sts:AssumeRole', role, 'Lambda runs the function as the role', THIS_ACCOUNT),
  deny(LAMBDA, 'svc.lambda.assume-role-other-account', 'sts:AssumeRole', role, 'only for this account\'s functions', OTHER_SOURCE_ACCOUNT),
  allow(LAMBDA, 'svc.lambda.assume-verifier-role', 'sts:AssumeRole', verifierRole, 'Lambda runs the verifier as its role', v(THIS_ACCOUNT)),
  deny(LAMBDA, 'svc.lambda.assume-verifier-role-other-account', 'sts:AssumeRole', verifierRole, 'only for this account\'s functions', v(OTHER_SOURCE_ACCOUNT)),

  // ================================================================ an unrelated service, however it presents itself
  deny(UNRELATED, 'svc.unrelated.kms-as-schedule', 'kms:Decrypt', key, 'the key policy names its services', FROM_RULE),
  deny(UNRELATED, 'svc.unrelated.kms-as-logs', 'kms:GenerateDataKey', key, 'the key policy names its services', OWN_LOGS),
  deny(UNRELATED, 'svc.unrelated.kms-as-alarms', 'kms:GenerateDataKey', key, 'the key policy names its services', THIS_ACCOUNT),
  deny(UNRELATED, 'svc.unrelated.sqs-send', 'sqs:SendMessage', queue, 'the queue policy names its service', FROM_RULE),
  deny(UNRELATED, 'svc.unrelated.sns-publish', 'sns:Publish', topic, 'the topic policy names its service', THIS_ACCOUNT),
  deny(UNRELATED, 'svc.unrelated.get-backup', 's3:GetObject', backupObject, 'no service reads backups', THIS_ACCOUNT),
  deny(UNRELATED, 'svc.unrelated.put-access-log', 's3:PutObject', accessLogObject, 'the bucket policy names its service', LOG_DELIVERY_CTX),
  deny(UNRELATED, 'svc.unrelated.assume-role', 'sts:AssumeRole', role, 'the trust policy names its service', THIS_ACCOUNT),
  deny(UNRELATED, 'svc.unrelated.invoke', 'lambda:InvokeFunction', fn, 'the function policy names its service', FROM_RULE),
  deny(UNRELATED, 'svc.unrelated.assume-verifier-role', 'sts:AssumeRole', verifierRole, 'the verifier\'s trust policy names its service', v(THIS_ACCOUNT)),
  deny(UNRELATED, 'svc.unrelated.invoke-verifier', 'lambda:InvokeFunction', verifierFn, 'the verifier\'s function policy names its service', FROM_VERIFY_RULE),
];
