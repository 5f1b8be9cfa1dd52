// The upgrade path (issue #17): a stack deployed from the previous release (pinned copies of the template as it
// was before its newest change and of the Lambda built from that commit), documents backed up (some twice, so
// objects have several versions), the gate run against today's template, the update made through
// `deploy --gate`; then the backup bucket, every object version, the key and the manifests the old code wrote
// are still there and readable, and the next backup runs on today's code.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectLockConfigurationCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { test, expect } from '../fixtures.ts';
import { generateDocuments, seedDocuments } from '../../fixtures/documents/generate.ts';
import { invokeBackup, readJsonObject, scheduledEvent } from '../../scripts/lib/invoke.ts';
import { ManifestSchema } from '../../lambda/src/manifest.ts';
import { clientConfig, type AwsTarget } from '../../scripts/lib/aws/clients.ts';
import { physicalIdsOf } from '../../scripts/lib/aws/resources.ts';
import { ROOT, runCli } from '../support/cli.ts';
import type { DeployedStack } from '../support/stack.ts';

const TEMPLATE = 'template/backup-stack.yaml';
const COUNT = 20;
const RUN = new Date('2026-11-20T02:00:00Z');
const NEXT_RUN = new Date('2026-11-21T02:00:00Z');
/** What must survive the update with the same physical id: what holds the backups, encrypts them, or logs the runs. */
const KEPT = ['BackupBucket', 'BackupKey', 'BackupKeyAlias', 'BackupLogGroup', 'DeadLetterQueue', 'AccessLogBucket'];

/**
 * The previous release, pinned as fixtures (fixtures/releases/previous: its template and its Lambda as built
 * then, the commit named in SOURCE) so the spec depends neither on how deep the clone's history is nor on
 * packages today's lock no longer has.
 */
const PREVIOUS = join(ROOT, 'fixtures', 'releases', 'previous');

function previousRelease(): { rev: string; path: string; lambdaZip: string } {
  const rev = readFileSync(join(PREVIOUS, 'SOURCE'), 'utf8').trim().split(' ')[0]!;
  const path = join(PREVIOUS, 'backup-stack.yaml');
  expect(readFileSync(path, 'utf8'), 'the previous release differs from today\'s template').not.toBe(readFileSync(join(ROOT, TEMPLATE), 'utf8'));
  return { rev, path, lambdaZip: join(PREVIOUS, 'backup-lambda.zip') };
}

/** The deployed function's code digest, as Lambda reports it (base64 SHA-256 of the zip). */
async function codeSha256(target: AwsTarget, name: string): Promise<string | undefined> {
  const lambda = new LambdaClient(clientConfig(target));
  try {
    return (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).CodeSha256;
  } finally {
    lambda.destroy();
  }
}

async function versions(s3: S3Client, bucket: string): Promise<string[]> {
  const out: string[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  do {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    out.push(...(page.Versions ?? []).map((v) => `${v.Key} ${v.VersionId} ${v.ETag}`));
    KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (KeyMarker);
  return out.sort();
}

async function deployedTemplate(target: AwsTarget, stackName: string): Promise<string> {
  const cfn = new CloudFormationClient(clientConfig(target));
  try {
    return (await cfn.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }))).TemplateBody ?? '';
  } finally {
    cfn.destroy();
  }
}

test('an upgrade from the previous release through deploy --gate keeps the bucket, its versions, the key and the manifests, and the next backup runs', async ({ ownStacks, target, s3 }) => {
  const previous = previousRelease();
  const own: DeployedStack = await ownStacks.deploy({ prefix: 'upg', templatePath: previous.path, lambdaZip: previous.lambdaZip });
  const fn = own.outputs['BackupLambdaName']!;
  const previousCode = createHash('sha256').update(readFileSync(previous.lambdaZip)).digest('base64');
  expect(await codeSha256(target, fn), 'the previous release\'s Lambda runs before the update').toBe(previousCode);

  // Two runs for the same date with two documents changed in between: those backups have two versions each.
  const documents = [...generateDocuments({ count: COUNT, seed: 1717 })];
  await seedDocuments(s3, own.sourceBucket, documents, { concurrency: 8 });
  const first = await invokeBackup(target, fn, scheduledEvent(RUN));
  expect(first.payload, JSON.stringify(first.payload)).toMatchObject({ status: 'complete', counts: { listed: COUNT, copied: COUNT, failed: 0 } });
  for (const doc of documents.slice(0, 2)) await s3.send(new PutObjectCommand({ Bucket: own.sourceBucket, Key: doc.key, Body: `changed ${doc.key}` }));
  const second = await invokeBackup(target, fn, scheduledEvent(RUN));
  expect(second.payload, JSON.stringify(second.payload)).toMatchObject({ status: 'complete', counts: { listed: COUNT, copied: 2, unchanged: COUNT - 2, failed: 0 } });
  const manifests = [String(first.payload['manifestKey']), String(second.payload['manifestKey'])];
  const before = { versions: await versions(s3, own.backupBucket), ids: await physicalIdsOf(target, own.stackName) };
  expect(before.versions.filter((v) => v.startsWith(`backups/2026-11-20/${documents[0]!.key} `))).toHaveLength(2);

  // The gate alone: today's template against the previous release, nothing executed.
  const gate = await runCli('gate', ['--stack', own.stackName, '--template', join(ROOT, TEMPLATE), '--endpoint', target.endpoint!], { timeoutMs: 120_000 });
  expect(gate.code, `${previous.rev}: ${gate.stderr}`).toBe(0);
  expect(gate.stderr).toMatch(/^gate: passes: /m);
  expect(gate.stderr).not.toMatch(/gate: (stateful|widened|fails closed)/);
  expect(await deployedTemplate(target, own.stackName)).toBe(readFileSync(previous.path, 'utf8'));

  // The update, through the gate.
  const deploy = await runCli('deploy', [
    '--gate', '--environment', 'dev', '--bucket-name', own.backupBucket, '--source-bucket', own.sourceBucket,
    '--stack-name', own.stackName, '--endpoint', target.endpoint!, '--no-progress',
  ], { timeoutMs: 240_000 });
  expect(deploy.code, deploy.stderr).toBe(0);
  expect(deploy.stderr).toMatch(/^gate: passes: /m);
  expect(deploy.stderr).toContain(`${own.stackName}: UPDATE_COMPLETE`);
  expect(await deployedTemplate(target, own.stackName)).toBe(readFileSync(join(ROOT, TEMPLATE), 'utf8'));
  expect(await codeSha256(target, fn), 'today\'s Lambda runs after the update').not.toBe(previousCode);

  // What holds the backups survived: same physical resources, every version, the manifests, the key.
  const ids = await physicalIdsOf(target, own.stackName);
  for (const id of KEPT) expect(ids[id], id).toBe(before.ids[id]);
  const after = await versions(s3, own.backupBucket);
  expect(after.filter((v) => before.versions.includes(v))).toEqual(before.versions);
  for (const key of manifests) {
    expect(key).toMatch(/^manifests\/2026-11-20\//);
    expect(ManifestSchema.parse(await readJsonObject(target, own.backupBucket, key)).status).toBe('complete');
  }
  const kms = new KMSClient(clientConfig(target));
  const key = (await kms.send(new DescribeKeyCommand({ KeyId: own.outputs['KMSKeyAlias']! }))).KeyMetadata;
  kms.destroy();
  expect(key?.Arn).toBe(own.outputs['KMSKeyArn']);
  expect(key?.KeyState).toBe('Enabled');

  // The next backup runs on the updated stack, into the same bucket, under the same key.
  const next = await invokeBackup(target, fn, scheduledEvent(NEXT_RUN));
  expect(next.payload, JSON.stringify(next.payload)).toMatchObject({ runDate: '2026-11-21', status: 'complete', counts: { listed: COUNT, copied: COUNT, failed: 0 } });
  const copy = await s3.send(new HeadObjectCommand({ Bucket: own.backupBucket, Key: `backups/2026-11-21/${documents[5]!.key}` }));
  expect(copy.SSEKMSKeyId).toBe(own.outputs['KMSKeyArn']);
  // Object Lock is enabled on the existing bucket in place (issue #20; the extension's cfn_s3_bucket plans it as
  // AWS does), and the next backup's versions get its default retention.
  const lock = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: own.backupBucket }));
  expect(lock.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } } });
  expect(copy.ObjectLockMode).toBe('GOVERNANCE');
  expect(ManifestSchema.parse(await readJsonObject(target, own.backupBucket, String(next.payload['manifestKey']))).counts).toMatchObject({ listed: COUNT, copied: COUNT });
});
