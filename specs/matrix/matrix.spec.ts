// The permission matrix of the canonical template, evaluated by a real IAM policy evaluator in every
// partition: every contract row matches, the backup role has what it needs and is refused at least 40
// things it must never do. The Markdown matrix is attached to the report.
import { expect, test } from '@playwright/test';
import { loadTemplate, type Template } from '../../scripts/lib/cfn/template.ts';
import { PARTITIONS, type Partition } from '../../scripts/lib/matrix/concretise.ts';
import { counts, differenceLines, renderMarkdown, runMatrix, type MatrixResult } from '../../scripts/lib/matrix/matrix.ts';
import { CONTRACT } from '../../scripts/lib/matrix/contract.ts';

const TEMPLATE = process.env['TEMPLATE'] ?? 'template/backup-stack.yaml';

let template: Template;
test.beforeAll(async () => {
  template = await loadTemplate(TEMPLATE);
});

function expectMatches(result: MatrixResult) {
  // The message names every (action, resource) that differs, not merely that something did.
  expect(differenceLines(result), `rows that differ from the contract in ${result.partition}`).toEqual([]);
}

for (const partition of Object.keys(PARTITIONS) as Partition[]) {
  test(`every contract row matches in ${partition}`, async ({}, testInfo) => {
    const result = await runMatrix(template, CONTRACT, { partition });
    await testInfo.attach(`permission-matrix-${partition}.md`, { body: renderMarkdown(result), contentType: 'text/markdown' });
    expectMatches(result);

    const role = counts(result).byPrincipal['backup role'];
    expect(role?.denied, 'denied rows for the backup role').toBeGreaterThanOrEqual(40);
    expect(result.unevaluated, 'policies the evaluator could not see').toEqual([]);

    // ARNs and service principals are spelled for the partition, not copied from aws.
    const suffix = PARTITIONS[partition].urlSuffix;
    for (const row of result.rows) {
      if (row.resource.startsWith('arn:')) expect(row.resource.split(':')[1], row.id).toBe(partition);
      // Regional service principals (logs.<region>) take the partition's suffix; global ones are amazonaws.com everywhere.
      if (row.principalKey.startsWith('service:')) {
        const regional = row.principalKey.includes('{region}');
        expect(row.principal.endsWith(regional ? `.${suffix}` : '.amazonaws.com'), row.id).toBe(true);
      }
    }
  });
}

test('the backup role is allowed exactly what it needs', async () => {
  const result = await runMatrix(template, CONTRACT);
  const allowed = result.rows.filter((r) => r.principalKey === 'backup-role' && r.actual === 'allowed').map((r) => `${r.action} ${r.resource.replace(/^arn:aws:[^:]*:[^:]*:[^:]*:/, '')}`);
  // What the issue lists: list + get source under the prefix, put/get (and tag) backups and manifests, abort multipart,
  // the key via S3 (and SQS for the DLQ), metrics in DocumentBackup, its own log group, its DLQ.
  expect(allowed).toEqual(expect.arrayContaining([
    's3:ListBucketVersions acme-documents',
    's3:GetObject acme-documents/documents/reports/q1.pdf',
    expect.stringMatching(/^s3:PutObject docbackup-backups-\d+\/backups\//),
    expect.stringMatching(/^s3:PutObject docbackup-backups-\d+\/manifests\//),
    expect.stringMatching(/^s3:GetObject docbackup-backups-\d+\/backups\//),
    expect.stringMatching(/^s3:PutObjectTagging docbackup-backups-\d+\/backups\//),
    expect.stringMatching(/^s3:GetObjectTagging docbackup-backups-\d+\/backups\//),
    expect.stringMatching(/^s3:AbortMultipartUpload docbackup-backups-\d+\/backups\//),
    expect.stringMatching(/^kms:GenerateDataKey key\//),
    expect.stringMatching(/^kms:Decrypt key\//),
    's3:ListBucket docbackup-backups-111122223333',
    'cloudwatch:PutMetricData *',
    expect.stringMatching(/^logs:CreateLogStream log-group:\/aws\/lambda\/docbackup-backup-dev:log-stream:/),
    expect.stringMatching(/^logs:PutLogEvents log-group:\/aws\/lambda\/docbackup-backup-dev:log-stream:/),
    expect.stringMatching(/^sqs:SendMessage docbackup-DeadLetterQueue-/),
  ]));
  const denied = result.rows.filter((r) => r.principalKey === 'backup-role' && r.actual === 'denied');
  for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutBucketPolicy', 's3:PutEncryptionConfiguration', 's3:PutLifecycleConfiguration',
    's3:PutBucketVersioning', 'kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy', 'iam:PassRole', 'sts:AssumeRole', 'lambda:UpdateFunctionCode', 'lambda:InvokeFunction']) {
    expect(denied.map((r) => r.action), `the backup role is refused ${action}`).toContain(action);
  }
});

test('the verifier role is allowed exactly what the restore verification needs, and refused what would let it fake one', async () => {
  const result = await runMatrix(template, CONTRACT);
  const of = (decision: string) =>
    result.rows.filter((r) => r.principalKey === 'verifier-role' && r.actual === decision).map((r) => `${r.action} ${r.resource.replace(/^arn:aws:[^:]*:[^:]*:[^:]*:/, '')}${r.context === '-' ? '' : ` (${r.context})`}`);
  const allowed = of('allowed');
  // What the issue lists, and nothing more: list manifests/ and backups/, read manifests, HEAD backups (and their
  // versions), write evidence under verifications/, the key via S3 (and SQS for the DLQ), its own logs, metrics in
  // DocumentBackup, its DLQ.
  expect(allowed).toHaveLength(14);
  expect(allowed).toEqual(expect.arrayContaining([
    's3:ListBucket docbackup-backups-111122223333 (s3:prefix=manifests/)',
    's3:ListBucket docbackup-backups-111122223333 (s3:prefix=backups/)',
    's3:GetObject docbackup-backups-111122223333/manifests/2025-01-31/run-0001.json',
    's3:GetObject docbackup-backups-111122223333/backups/2025-01-31/documents/reports/q1.pdf',
    's3:GetObjectVersion docbackup-backups-111122223333/backups/2025-01-31/documents/reports/q1.pdf',
    's3:PutObject docbackup-backups-111122223333/verifications/2025-01-31/run-0001.json (SSE-KMS with the stack key)',
    's3:PutObject docbackup-backups-111122223333/verifications/2025-01-31/run-0001.json (no encryption headers (bucket default applies))',
    expect.stringMatching(/^kms:GenerateDataKey key\/\S+ \(via S3\)$/),
    expect.stringMatching(/^kms:Decrypt key\/\S+ \(via S3\)$/),
    expect.stringMatching(/^kms:GenerateDataKey key\/\S+ \(via SQS\)$/),
    expect.stringMatching(/^logs:CreateLogStream log-group:\/aws\/lambda\/docbackup-verify-dev:log-stream:/),
    expect.stringMatching(/^logs:PutLogEvents log-group:\/aws\/lambda\/docbackup-verify-dev:log-stream:/),
    'cloudwatch:PutMetricData * (cloudwatch:namespace=the verifier namespace)',
    expect.stringMatching(/^sqs:SendMessage docbackup-DeadLetterQueue-/),
  ]));
  const denied = of('denied');
  for (const action of ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:BypassGovernanceRetention', 's3:PutObjectTagging', 's3:ListBucketVersions', 'kms:Decrypt', 'logs:PutLogEvents', 'cloudwatch:PutMetricData']) {
    expect(denied.some((d) => d.startsWith(`${action} `)), `the verifier role is refused ${action}`).toBe(true);
  }
  expect(denied).toContain('s3:PutObject docbackup-backups-111122223333/backups/2025-01-31/documents/reports/q1.pdf (SSE-KMS with the stack key)');
  expect(denied).toContain('s3:PutObject docbackup-backups-111122223333/manifests/2025-01-31/run-0001.json (SSE-KMS with the stack key)');
  expect(denied).toContain('s3:GetObject acme-documents/documents/reports/q1.pdf');
  expect(denied).toContain('s3:ListBucket docbackup-backups-111122223333 (s3:prefix=restore/)');
  expect(denied).toContainEqual(expect.stringMatching(/^logs:PutLogEvents log-group:\/aws\/lambda\/docbackup-backup-dev:log-stream:/));
  // Its session is its own role's, not the backup role's.
  expect(result.rows.find((r) => r.id === 'verifier.s3.put-backup')?.deciding).toEqual(['no matching Allow in VerifierPolicy, BackupBucketPolicy']);
});

test('each decision names the statement that made it', async () => {
  const result = await runMatrix(template, CONTRACT);
  const byId = new Map(result.rows.map((r) => [r.id, r]));
  expect(byId.get('role.s3.list-source-prefix')?.deciding).toEqual(['BackupPolicy#ListTheSourcePrefix']);
  expect(byId.get('role.kms.generate-via-s3')?.deciding).toEqual(['BackupPolicy#UseTheStackKeyThroughS3AndSqs', 'BackupKey.KeyPolicy#UseThroughStackServicesOnly']);
  expect(byId.get('admin.s3.get-backup-no-tls')?.deciding).toEqual(['BackupBucketPolicy#DenyInsecureTransport']);
  expect(byId.get('admin.s3.put-backup-other-key')?.deciding).toEqual(['BackupBucketPolicy#DenyPutsWithAnotherKey']);
  expect(byId.get('admin.kms.decrypt-direct')?.deciding[0]).toMatch(/^no Allow in BackupKey\.KeyPolicy/);
  expect(byId.get('svc.logging.put-access-log')?.deciding).toEqual(['AccessLogBucketPolicy#AllowAccessLogDeliveryFromTheBackupBucket']);
  expect(byId.get('svc.logs.kms-generate')?.deciding).toEqual(['BackupKey.KeyPolicy#CloudWatchLogsEncryptsTheFunctionLogGroup']);
  expect(byId.get('svc.events.invoke')?.deciding).toEqual(['BackupFunction.Permissions#ScheduleInvokePermission']);
  expect(byId.get('verifier.s3.head-backup-version')?.deciding).toEqual(['VerifierPolicy#HeadBackups']);
  expect(byId.get('verifier.s3.put-evidence')?.deciding).toEqual(['VerifierPolicy#WriteEvidence']);
  expect(byId.get('verifier.s3.put-evidence-other-key')?.deciding).toEqual(['BackupBucketPolicy#DenyPutsWithAnotherKey']);
  expect(byId.get('verifier.kms.decrypt-via-s3')?.deciding).toEqual(['VerifierPolicy#UseTheStackKeyThroughS3AndSqs', 'BackupKey.KeyPolicy#UseThroughStackServicesOnly']);
  expect(byId.get('svc.events.invoke-verifier')?.deciding).toEqual(['VerifierFunction.Permissions#VerifyInvokePermission']);
  expect(byId.get('svc.logs.kms-generate-verifier-group')?.deciding).toEqual(['BackupKey.KeyPolicy#CloudWatchLogsEncryptsTheFunctionLogGroup']);
});

test('parameters change the sample, not the verdict: whole-bucket backups and every environment', async () => {
  const whole = await runMatrix(template, CONTRACT, { parameters: { SourcePrefix: '' } });
  expectMatches(whole);
  // With no prefix there is nothing outside it: those rows do not apply, and the result says so.
  expect(whole.rows.map((r) => r.id)).not.toContain('role.s3.get-source-outside-prefix');
  const noPrefix = whole.notApplicable.filter((n) => n.reason.startsWith('the whole source bucket is backed up'));
  expect(noPrefix.map((n) => n.id).sort()).toEqual(['role.s3.get-source-outside-prefix', 'role.s3.list-source-outside-prefix', 'role.s3.list-source-whole-bucket']);
  // The sample deployment names no break-glass role: its rows do not apply either, and say why.
  expect(whole.notApplicable.filter((n) => n.principal === 'break-glass role').map((n) => n.reason)).toEqual(Array(3).fill('the backup bucket policy excepts no break-glass role from its Object Lock denials'));
  expect(whole.rows.find((r) => r.id === 'role.s3.get-source')?.resource).toBe('arn:aws:s3:::acme-documents/reports/q1.pdf');
  for (const Environment of ['staging', 'prod']) {
    const result = await runMatrix(template, CONTRACT, { parameters: { Environment } });
    expectMatches(result);
    expect(result.rows.find((r) => r.id === 'role.logs.put-events')?.resource).toContain(`/aws/lambda/docbackup-backup-${Environment}:`);
  }
});
