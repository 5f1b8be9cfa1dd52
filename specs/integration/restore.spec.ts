// Restore and verify against the deployed stack: 500 fixture documents backed up through the Lambda API,
// then source and backup objects overwritten and deleted, and the restore must still give back exactly
// what the run backed up (point in time, from the versions the manifest recorded).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { test, expect } from '../fixtures.ts';
import { generateDocuments, seedDocuments, type GeneratedDocument } from '../../fixtures/documents/generate.ts';
import { invokeBackup, scheduledEvent } from '../../scripts/lib/invoke.ts';
import type { Manifest, ManifestEntry } from '../../lambda/src/manifest.ts';
import { ManifestReader } from '../../lambda/src/manifest-reader.ts';
import { mapWithConcurrency } from '../../lambda/src/concurrency.ts';
import { runBackup } from '../../lambda/src/backup.ts';
import { loadConfig } from '../../lambda/src/config.ts';
import { NoManifestError, restoreDrill, runRestore } from '../../scripts/lib/restore.ts';
import { createBucket, uniqueName } from '../../scripts/lib/aws/resources.ts';
import type { DeployedStack } from '../support/stack.ts';
import { breakGlassS3 } from '../support/break-glass.ts';
import { clientConfig, type AwsTarget } from '../../scripts/lib/aws/clients.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const COUNT = 500;
const PREFIX = 'restore-spec/';
const DATE = '2026-12-03';
const PARTIAL_DATE = '2026-12-04';
const FAILED_DATE = '2026-12-05';
const EMPTY_DATE = '2026-01-15';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('base64');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function restoreCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'restore.ts'), '--no-progress', ...args], {
      cwd: ROOT,
      env: { ...process.env, LOCALSTACK_ENDPOINT: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Every version of `key` deleted, Object Lock bypassed: `s3` must act as the break-glass role. */
async function deleteAllVersions(s3: S3Client, bucket: string, key: string): Promise<void> {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  for (const v of [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]) {
    if (v.Key === key) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: v.VersionId, BypassGovernanceRetention: true }));
  }
}

/** The backup core in-process with a clock that runs out after `budget` documents: a genuine partial run. */
async function partialRun(s3: S3Client, stack: DeployedStack, runDate: string, budget: number) {
  const config = loadConfig({
    BACKUP_BUCKET: stack.backupBucket,
    SOURCE_BUCKET: stack.sourceBucket,
    KMS_KEY_ARN: stack.outputs['KMSKeyArn'],
    ENVIRONMENT: 'dev',
  });
  let checks = 0;
  const quiet = () => undefined;
  return runBackup(
    {
      s3,
      // Metrics would land in the shared dev environment that other specs read back; keep them out.
      cloudwatch: { send: async () => ({}) } as unknown as CloudWatchClient,
      logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
      remainingTimeMs: () => (checks++ < budget ? 10 * 60_000 : 0),
    },
    config,
    { trigger: 'manual', runDate, prefix: PREFIX, dryRun: false },
  );
}

test.describe.configure({ mode: 'serial' });

test.describe('restore and verify', () => {
  const documents: GeneratedDocument[] = [...generateDocuments({ count: COUNT, seed: 1203, prefix: PREFIX, awkwardKeys: true })];
  // A few documents carry their own metadata and headers, which a restore must give back as they were.
  const withMetadata = documents.slice(20, 25);
  const META = { owner: 'legal-team', 'case-id': 'C-42' };
  const overwrittenInSource = documents.slice(30, 40);
  const deletedInSource = documents.slice(40, 50);
  // Backup objects changed after the run: the restore must use the versions the manifest recorded.
  const overwrittenBackups = [...documents.slice(0, 2), ...documents.slice(50, 60)];
  const deletedBackups = [documents[2]!, ...documents.slice(60, 70)];
  let manifest: Manifest;
  let entries: Map<string, ManifestEntry>;

  test.beforeAll(async ({ stack, target }) => {
    test.setTimeout(280_000);
    const s3 = new S3Client(clientConfig(target));
    try {
      await seedDocuments(s3, stack.sourceBucket, documents, { concurrency: 32 });
      for (const doc of withMetadata) {
        await s3.send(
          new PutObjectCommand({
            Bucket: stack.sourceBucket,
            Key: doc.key,
            Body: doc.body,
            ContentType: doc.contentType,
            ContentDisposition: 'attachment; filename="evidence.bin"',
            CacheControl: 'max-age=60',
            Metadata: META,
          }),
        );
      }
      const outcome = await invokeBackup(target, stack.outputs['BackupLambdaName']!, scheduledEvent(new Date(`${DATE}T02:00:00Z`)));
      expect(outcome.functionError, JSON.stringify(outcome.payload)).toBeUndefined();
      expect(outcome.payload).toMatchObject({ runDate: DATE, status: 'complete' });
      const reader = new ManifestReader(s3, stack.backupBucket);
      manifest = await reader.read(String(outcome.payload['manifestKey']));
      entries = new Map((await reader.readEntries(manifest)).map((e) => [e.key, e]));
    } finally {
      s3.destroy();
    }
  });

  test.afterAll(async ({ stack, s3 }) => {
    // Leave the shared source bucket as other specs expect it: none of this spec's documents.
    const keys = await listKeys(s3, stack.sourceBucket, PREFIX);
    for (let i = 0; i < keys.length; i += 1000) {
      await s3.send(new DeleteObjectsCommand({ Bucket: stack.sourceBucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
  });

  test('the manifest records each backup object version, so a restore can go back to it', async () => {
    for (const doc of documents) {
      const entry = entries.get(doc.key);
      expect(entry, doc.key).toMatchObject({ status: 'copied', checksum: { algorithm: 'SHA256', type: 'FULL_OBJECT', value: doc.sha256 } });
      expect(entry?.targetVersionId, doc.key).toBeTruthy();
    }
  });

  test('restore to a new bucket is byte-identical to the backup after source and backup objects are overwritten or deleted', async ({ stack, target, s3 }) => {
    const put = (Bucket: string, Key: string, Body: string) => s3.send(new PutObjectCommand({ Bucket, Key, Body, ServerSideEncryption: 'aws:kms' }));
    await Promise.all(overwrittenInSource.map((d) => put(stack.sourceBucket, d.key, 'rewritten after the backup')));
    await Promise.all(deletedInSource.map((d) => s3.send(new DeleteObjectCommand({ Bucket: stack.sourceBucket, Key: d.key }))));
    await Promise.all(overwrittenBackups.map((d) => put(stack.backupBucket, entries.get(d.key)!.targetKey, 'not what was backed up')));
    await Promise.all(deletedBackups.map((d) => s3.send(new DeleteObjectCommand({ Bucket: stack.backupBucket, Key: entries.get(d.key)!.targetKey }))));

    const toBucket = uniqueName('restore-to');
    await createBucket(target, toBucket);
    const progress: number[] = [];
    const report = await runRestore(s3, {
      backupBucket: stack.backupBucket,
      date: DATE,
      prefix: PREFIX,
      toBucket,
      onProgress: ({ completed }) => progress.push(completed),
    });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ mode: 'restore', manifestStatus: 'complete', entries: COUNT, processed: COUNT, restored: COUNT, mismatched: 0, missing: 0, errors: 0, ok: true });
    expect(progress.at(-1)).toBe(COUNT);

    expect((await listKeys(s3, toBucket)).sort()).toEqual(documents.map((d) => d.key).sort());
    await mapWithConcurrency(documents, 16, async (doc) => {
      const object = await s3.send(new GetObjectCommand({ Bucket: toBucket, Key: doc.key }));
      expect(sha256(await object.Body!.transformToByteArray()), doc.key).toBe(doc.sha256);
      expect(object.ContentType, doc.key).toBe(doc.contentType);
      const custom = withMetadata.includes(doc);
      // Only the document's own metadata: none of the backup's bookkeeping keys.
      expect(object.Metadata ?? {}, doc.key).toEqual(custom ? META : {});
      if (custom) {
        expect(object.ContentDisposition).toBe('attachment; filename="evidence.bin"');
        expect(object.CacheControl).toBe('max-age=60');
      }
    });
  });

  test('restore --verify-only passes on an intact backup: present, checksums match, SSE-KMS with the stack key (CLI exit 0)', async ({ stack, target }) => {
    const cli = await restoreCli(['--date', DATE, '--prefix', PREFIX, '--stack-name', stack.stackName, '--verify-only', '--json', '--endpoint', target.endpoint!]);
    expect(cli.code, cli.stderr).toBe(0);
    const report = JSON.parse(cli.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ mode: 'verify', verified: COUNT, mismatched: 0, missing: 0, ok: true });
  });

  test('restore verify reports a tampered backup object as mismatched and a destroyed one as missing (CLI exit 1)', async ({ stack, target, s3 }) => {
    // The one principal able to delete retained versions (GOVERNANCE in dev), the break-glass role with the
    // bypass header: the recorded version of one document is removed, leaving the rewritten bytes current;
    // every version of another is removed.
    const tampered = documents[55]!;
    const destroyed = documents[75]!;
    const tamperedEntry = entries.get(tampered.key)!;
    const breakGlass = await breakGlassS3(target);
    try {
      await breakGlass.send(new DeleteObjectCommand({ Bucket: stack.backupBucket, Key: tamperedEntry.targetKey, VersionId: tamperedEntry.targetVersionId, BypassGovernanceRetention: true }));
      await deleteAllVersions(breakGlass, stack.backupBucket, entries.get(destroyed.key)!.targetKey);
    } finally {
      breakGlass.destroy();
    }

    const verify = await runRestore(s3, { backupBucket: stack.backupBucket, date: DATE, prefix: PREFIX, verifyOnly: true, kmsKeyArn: stack.outputs['KMSKeyArn']! });
    expect(verify).toMatchObject({ verified: COUNT - 2, mismatched: 1, missing: 1, ok: false });
    expect(verify.problems.map((p) => [p.outcome, p.key])).toEqual(
      [
        ['mismatched', tampered.key],
        ['missing', destroyed.key],
      ].sort((a, b) => (a[1]! < b[1]! ? -1 : 1)),
    );
    expect(verify.problems.find((p) => p.key === tampered.key)?.reason).toMatch(/checksum .* != manifest .*recorded version .* is gone/);

    // The same through the CLI: one line per problem and exit 1.
    const cli = await restoreCli(['--date', DATE, '--prefix', PREFIX, '--stack-name', stack.stackName, '--verify-only', '--endpoint', target.endpoint!]);
    expect(cli.code, cli.stderr).toBe(1);
    expect(cli.stdout).toContain(`verified ${COUNT - 2}, mismatched 1, missing 1`);
    expect(cli.stdout).toContain(`mismatched ${tampered.key}`);

    // A restore writes everything else and never the known-bad bytes.
    const toBucket = uniqueName('restore-tampered');
    await createBucket(target, toBucket);
    const restore = await runRestore(s3, { backupBucket: stack.backupBucket, date: DATE, prefix: PREFIX, toBucket });
    expect(restore).toMatchObject({ restored: COUNT - 2, mismatched: 1, missing: 1, ok: false });
    const keys = await listKeys(s3, toBucket);
    expect(keys).toHaveLength(COUNT - 2);
    expect(keys).not.toContain(tampered.key);
    expect(keys).not.toContain(destroyed.key);
  });

  test('restore from a partial manifest restores what it has and reports what the backup lacks (CLI exit 1)', async ({ stack, target, s3 }) => {
    const partial = await partialRun(s3, stack, PARTIAL_DATE, 100);
    expect(partial).toMatchObject({ status: 'partial', stoppedForTime: true, counts: { listed: 100, copied: 100 } });

    const toBucket = uniqueName('restore-partial');
    await createBucket(target, toBucket);
    const report = await runRestore(s3, { backupBucket: stack.backupBucket, date: PARTIAL_DATE, prefix: PREFIX, toBucket });
    const inSource = documents.filter((d) => !deletedInSource.includes(d)).map((d) => d.key).sort();
    expect(report).toMatchObject({
      manifestStatus: 'partial',
      manifestKey: partial.manifestKey,
      restored: 100,
      mismatched: 0,
      missing: 0,
      ok: false,
      incomplete: { status: 'partial', stoppedForTime: true, listed: 100, failed: 0, notListedAfter: inSource[99] },
    });
    expect(report.incomplete?.summary).toContain(`source documents after "${inSource[99]}" were never listed`);

    const cli = await restoreCli(['--date', PARTIAL_DATE, '--backup-bucket', stack.backupBucket, '--prefix', PREFIX, '--verify-only', '--endpoint', target.endpoint!]);
    expect(cli.code, cli.stderr).toBe(1);
    expect(cli.stdout).toContain('backup is incomplete: the partial run');
  });

  test('restore prefers the latest complete manifest of the date over a newer partial one', async ({ stack, target, s3 }) => {
    const complete = await invokeBackup(target, stack.outputs['BackupLambdaName']!, { date: PARTIAL_DATE, prefix: PREFIX });
    expect(complete.functionError, JSON.stringify(complete.payload)).toBeUndefined();
    expect(complete.payload).toMatchObject({ status: 'complete' });
    const newerPartial = await partialRun(s3, stack, PARTIAL_DATE, 10);
    expect(newerPartial.status).toBe('partial');

    const report = await runRestore(s3, { backupBucket: stack.backupBucket, date: PARTIAL_DATE, prefix: PREFIX, verifyOnly: true });
    expect(report).toMatchObject({ manifestKey: complete.payload['manifestKey'], manifestStatus: 'complete', verified: COUNT - deletedInSource.length, ok: true });
    expect(report.otherManifests.map((m) => m.status)).toEqual(['partial', 'partial']);
  });

  test('restore of a failed run reports documents that were never backed up as missing', async ({ stack, target, s3 }) => {
    // backups/<date>/ adds 19 bytes: a 1010-byte source key has no legal backup key, so the run fails it.
    const longKey = `${PREFIX}~long/${'x'.repeat(1010 - PREFIX.length - 6)}`;
    expect(Buffer.byteLength(longKey)).toBe(1010);
    await s3.send(new PutObjectCommand({ Bucket: stack.sourceBucket, Key: longKey, Body: 'long' }));
    try {
      const run = await invokeBackup(target, stack.outputs['BackupLambdaName']!, { date: FAILED_DATE, prefix: `${PREFIX}~long/` });
      // The handler surfaces an incomplete run as an invocation error; the manifest is written all the same.
      expect(run.functionError).toBeTruthy();
      expect(run.payload).toMatchObject({ errorType: 'BackupIncompleteError' });
      expect(String(run.payload['errorMessage'])).toContain('1 of 1 documents failed');
    } finally {
      await s3.send(new DeleteObjectCommand({ Bucket: stack.sourceBucket, Key: longKey }));
    }
    const report = await runRestore(s3, { backupBucket: stack.backupBucket, date: FAILED_DATE, verifyOnly: true });
    expect(report).toMatchObject({ manifestStatus: 'failed', missing: 1, ok: false, incomplete: { status: 'failed', failed: 1, stoppedForTime: false } });
    expect(report.problems[0]).toMatchObject({ key: longKey, outcome: 'missing' });
    expect(report.problems[0]?.reason).toContain('never backed up: TargetKeyTooLong');
  });

  test('restore of a date with no manifest fails clearly (NoManifestError, CLI exit 2)', async ({ stack, target, s3 }) => {
    const toBucket = uniqueName('restore-none');
    await createBucket(target, toBucket);
    await expect(runRestore(s3, { backupBucket: stack.backupBucket, date: EMPTY_DATE, toBucket })).rejects.toThrow(NoManifestError);
    expect(await listKeys(s3, toBucket)).toEqual([]);

    const cli = await restoreCli(['--date', EMPTY_DATE, '--stack-name', stack.stackName, '--to-bucket', toBucket, '--endpoint', target.endpoint!]);
    expect(cli.code).toBe(2);
    // Exactly one error line (the runtime may add its own warnings to stderr).
    expect(cli.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      `error: no backup manifest for ${EMPTY_DATE} in s3://${stack.backupBucket}/manifests/${EMPTY_DATE}/; pick a date that has a backup run`,
    ]);
    expect(cli.stdout).toBe('');
  });

  test('restore CLI: bad input gets one line and exit 2 (bad date, unknown stack, missing target, unreachable endpoint)', async ({ stack, target }) => {
    const cases: [string[], RegExp][] = [
      [['--date', '2026-02-30', '--stack-name', stack.stackName, '--verify-only', '--endpoint', target.endpoint!], /"2026-02-30" is not a calendar date/],
      [['--date', DATE, '--stack-name', 'no-such-stack', '--verify-only', '--endpoint', target.endpoint!], /stack "no-such-stack" does not exist/],
      [['--date', DATE, '--stack-name', stack.stackName, '--to-bucket', 'no-such-restore-bucket', '--endpoint', target.endpoint!], /target bucket "no-such-restore-bucket" does not exist/],
      [['--date', DATE, '--stack-name', stack.stackName, '--endpoint', target.endpoint!], /--to-bucket is required/],
      [['--date', DATE, '--backup-bucket', stack.backupBucket, '--verify-only', '--endpoint', 'http://127.0.0.1:9'], /cannot reach http:\/\/127\.0\.0\.1:9/],
    ];
    for (const [args, message] of cases) {
      const cli = await restoreCli(args);
      expect(cli.code, `${args.join(' ')}\n${cli.stderr}`).toBe(2);
      expect(cli.stderr, args.join(' ')).toMatch(message);
      expect(cli.stderr.trim().split('\n').filter((l) => l.startsWith('error:')), args.join(' ')).toHaveLength(1);
    }
  });

  test('restore drill: a sample of the backup restores into a scratch bucket and matches', async ({ stack, target, s3 }) => {
    const drill = await restoreDrill(target as AwsTarget, { backupBucket: stack.backupBucket, date: PARTIAL_DATE, sample: 25 });
    expect(drill).toMatchObject({ restored: 25, mismatched: 0, missing: 0, errors: 0, sampled: 25, ok: true, manifestStatus: 'complete' });
    // The scratch bucket is gone afterwards.
    await expect(s3.send(new HeadObjectCommand({ Bucket: drill.toBucket, Key: 'x' }))).rejects.toThrow();
  });
});
