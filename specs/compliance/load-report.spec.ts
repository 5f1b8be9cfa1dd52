// The pure parts of `npm run load`: verification of the documents against the manifest and the bucket, the
// throughput series, the figures of one invocation, the platform report, the heap label and the report.
// Plain inputs, real values: no LocalStack.
import { test, expect } from '@playwright/test';
import type { ManifestEntry } from '../../lambda/src/manifest.ts';
import { throughputSeries, verifyDocuments, MAX_PROBLEMS } from '../../scripts/lib/load/verify.ts';
import { manifestKeyOf, summarizeInvocation, type BackupRun } from '../../scripts/lib/load/run.ts';
import { parsePlatformReport } from '../../scripts/lib/load/platform-report.ts';
import { buildLoadReport, countErrors, formatLoadReport, heapFlagsOf, heapLabel, loadReportSummary, memoryLine, type LoadReport } from '../../scripts/lib/load/report.ts';

const DATE = '2027-03-01';
const MiB = 1024 * 1024;
const expected = new Map([
  ['load/a.txt', { size: 10, sha256: 'AAAA' }],
  ['load/b/c.pdf', { size: 2048, sha256: 'BBBB' }],
  ['load/d.bin', { size: 0, sha256: 'DDDD' }],
]);
const entry = (key: string, size: number, value: string, over: Partial<ManifestEntry> = {}): ManifestEntry => ({
  key,
  targetKey: `backups/${DATE}/${key}`,
  size,
  sourceEtag: 'e',
  status: 'copied',
  checksum: { algorithm: 'SHA256', type: 'FULL_OBJECT', value },
  ...over,
});
const goodEntries = [entry('load/a.txt', 10, 'AAAA'), entry('load/b/c.pdf', 2048, 'BBBB', { status: 'unchanged' }), entry('load/d.bin', 0, 'DDDD')];
const fullBucket = new Map([...expected].map(([k, d]) => [`backups/${DATE}/${k}`, d.size]));

test.describe('load verification', () => {
  test('every document in the manifest and the bucket: all verified, no problems', () => {
    expect(verifyDocuments({ runDate: DATE, expected, entries: goodEntries, inBucket: fullBucket })).toEqual({
      expected: 3,
      verified: 3,
      mismatched: 0,
      missingFromManifest: 0,
      missingFromBucket: 0,
      unexpectedInManifest: 0,
      problems: [],
    });
  });

  test('each kind of disagreement is counted once and named', () => {
    const entries = [
      entry('load/a.txt', 10, 'WRONG'),
      entry('load/b/c.pdf', 2048, 'BBBB'),
      entry('load/extra.txt', 1, 'XXXX'),
      // d.bin: not in the manifest at all
    ];
    const inBucket = new Map([[`backups/${DATE}/load/b/c.pdf`, 2047]]);
    const v = verifyDocuments({ runDate: DATE, expected, entries, inBucket });
    expect(v).toMatchObject({ expected: 3, verified: 0, mismatched: 1, missingFromManifest: 1, missingFromBucket: 1, unexpectedInManifest: 1 });
    expect(v.problems).toEqual([
      'load/a.txt: manifest says {"status":"copied","size":10,"checksum":"WRONG"}, expected size 10 sha256 AAAA',
      `backups/${DATE}/load/b/c.pdf: size 2047 in the bucket`,
      'load/d.bin: not in the manifest',
      '1 manifest entries are not generated documents',
    ]);
  });

  test('a failed entry, a COMPOSITE checksum or a wrong backup key is a mismatch; a missing backup says so', () => {
    const entries = [
      entry('load/a.txt', 10, 'AAAA', { status: 'failed', error: { code: 'SlowDown', message: 'x' } }),
      entry('load/b/c.pdf', 2048, 'BBBB', { checksum: { algorithm: 'SHA256', type: 'COMPOSITE', value: 'BBBB' } }),
      entry('load/d.bin', 0, 'DDDD', { targetKey: 'backups/2027-03-02/load/d.bin' }),
    ];
    expect(verifyDocuments({ runDate: DATE, expected, entries, inBucket: fullBucket })).toMatchObject({ verified: 0, mismatched: 3 });
    const v = verifyDocuments({ runDate: DATE, expected, entries: goodEntries, inBucket: new Map() });
    expect(v).toMatchObject({ verified: 0, missingFromBucket: 3 });
    expect(v.problems[0]).toBe(`backups/${DATE}/load/a.txt: not in the backup bucket`);
  });

  test(`problems stop at ${MAX_PROBLEMS}, the counts do not`, () => {
    const many = new Map(Array.from({ length: 30 }, (_, i) => [`load/${i}`, { size: 1, sha256: 'S' }] as const));
    const v = verifyDocuments({ runDate: DATE, expected: many, entries: [], inBucket: new Map() });
    expect(v.missingFromManifest).toBe(30);
    expect(v.problems).toHaveLength(MAX_PROBLEMS);
  });

  test('the throughput series bins backups by the second they landed, empty seconds included', () => {
    const t0 = Date.parse('2027-03-01T10:00:00.000Z');
    const backups = [
      { key: 'a', size: MiB, lastModified: t0 + 200 },
      { key: 'b', size: MiB / 2, lastModified: t0 + 999 },
      { key: 'c', size: 1024, lastModified: t0 + 2500 },
      // Clock skew: a backup stamped before the run started counts in second 0.
      { key: 'd', size: 0, lastModified: t0 - 300 },
    ];
    expect(throughputSeries(backups, t0)).toEqual([
      { second: 0, documents: 3, mib: 1.5 },
      { second: 1, documents: 0, mib: 0 },
      { second: 2, documents: 1, mib: 0.001 },
    ]);
    expect(throughputSeries([], t0)).toEqual([]);
  });
});

const memory: BackupRun['memory'] = { peakRssMB: 131, hwmMB: 134, nodeFlags: [], samples: [{ t: 0, rssMB: 120 }] };

test.describe('one invocation', () => {
  test('rates over the core run time; the event override or the template names the window', () => {
    const run = summarizeInvocation({
      runDate: DATE,
      prefix: 'load/',
      concurrency: 8,
      templateConcurrency: 16,
      payload: { status: 'complete', durationMs: 2500, bytesCopied: 5 * MiB, manifestKey: `manifests/${DATE}/r1.json`, counts: { listed: 500, copied: 400, unchanged: 100, failed: 0 } },
      elapsedMs: 3123.4,
      memory,
    });
    expect(run).toEqual({
      runDate: DATE,
      prefix: 'load/',
      concurrency: 8,
      concurrencySource: 'event override',
      bytesCopied: 5 * MiB,
      invokeMs: 3123,
      documentsPerSecond: 200,
      mibPerSecond: 2,
      memory,
      series: [],
      status: 'complete',
      counts: { listed: 500, copied: 400, unchanged: 100, failed: 0 },
      lambdaDurationMs: 2500,
      manifestKey: `manifests/${DATE}/r1.json`,
    });
  });

  test('a function error: the round trip stands in for the run time, the manifest comes from the message', () => {
    const errorMessage = `3 of 50 documents failed; manifest s3://load-backup-x/manifests/${DATE}/r2.json`;
    const run = summarizeInvocation({ runDate: DATE, prefix: 'load/', templateConcurrency: 16, payload: { errorMessage }, elapsedMs: 2000, functionError: 'Unhandled', memory });
    expect(run).toMatchObject({ concurrency: 16, concurrencySource: 'template', documentsPerSecond: 0, functionError: 'Unhandled', errorMessage, manifestKey: `manifests/${DATE}/r2.json` });
    expect(run.lambdaDurationMs).toBeUndefined();
    expect(manifestKeyOf({ errorMessage: 'no manifest written' })).toBeUndefined();
    expect(countErrors(run)).toBe(1);
  });

  test('the platform report: text REPORT line, JSON platform.report record, or nothing', () => {
    const id = '5e0a-41f2';
    expect(parsePlatformReport(`REPORT RequestId: ${id}\tDuration: 1234.56 ms\tBilled Duration: 1235 ms\tMemory Size: 1024 MB\tMax Memory Used: 142 MB`, id)).toEqual({ durationMs: 1234.56, maxMemoryUsedMB: 142 });
    const json = JSON.stringify({ type: 'platform.report', record: { requestId: id, metrics: { durationMs: 88.1, maxMemoryUsedMB: 97 } } });
    expect(parsePlatformReport(json, id)).toEqual({ durationMs: 88.1, maxMemoryUsedMB: 97 });
    expect(parsePlatformReport(json, 'another-request')).toBeUndefined();
    expect(parsePlatformReport(`START RequestId: ${id} Version: $LATEST`, id)).toBeUndefined();
  });
});

test.describe('the heap limits and the report', () => {
  const DEV_HEAP = '--max-semi-space-size=8 --max-old-space-size=461';

  test('heap flags from NODE_OPTIONS, in both spellings, and the label beside the command line', () => {
    expect(heapFlagsOf(`--enable-source-maps ${DEV_HEAP}`)).toEqual(['--max-semi-space-size=8', '--max-old-space-size=461']);
    expect(heapFlagsOf('--max-old-space-size 922 --trace-gc')).toEqual(['--max-old-space-size=922']);
    expect(heapFlagsOf(undefined)).toEqual([]);
    expect(heapLabel([], DEV_HEAP)).toBe(`node ${DEV_HEAP} (NODE_OPTIONS)`);
    expect(heapLabel(['--max-old-space-size=922'], undefined)).toBe('node --max-old-space-size=922');
    expect(heapLabel([], undefined)).toBe('node (no heap flags)');
    expect(heapLabel(undefined, undefined)).toBeUndefined();
    expect(memoryLine(memory, DEV_HEAP)).toBe(`131 MiB peak RSS sampled during the invocation (VmHWM 134 MiB); node ${DEV_HEAP} (NODE_OPTIONS); no REPORT line in the log group`);
    expect(memoryLine({ samples: [], reportMaxMemoryUsedMB: 150 })).toBe('handler process not visible from here (not host mode?); REPORT Max Memory Used 150 MB');
  });

  const run: BackupRun = {
    runDate: DATE,
    prefix: 'load/',
    concurrency: 4,
    concurrencySource: 'event override',
    status: 'complete',
    counts: { listed: 20, copied: 20, unchanged: 0, failed: 0 },
    bytesCopied: 92_160,
    lambdaDurationMs: 812,
    invokeMs: 1490,
    documentsPerSecond: 24.6,
    mibPerSecond: 0.108,
    memory,
    verification: { expected: 20, verified: 20, mismatched: 0, missingFromManifest: 0, missingFromBucket: 0, unexpectedInManifest: 0, problems: [] },
    series: [{ second: 0, documents: 20, mib: 0.088 }],
  };
  const input = {
    generatedAt: '2027-03-01T10:00:00.000Z',
    machine: { cpus: 2, loadAverageAtStart: [1.5, 2, 2.25], loadAverageAtEnd: [3, 2.5, 2.3], node: 'v24.0.0' },
    localstack: { endpoint: 'http://127.0.0.1:4566', mode: 'host' },
    stack: {
      environment: 'dev' as const, stackName: 'load-dev-x', functionName: 'fn', logGroupName: 'lg', sourceBucket: 's', backupBucket: 'b', kmsKeyArn: 'k',
      copyConcurrency: 16, timeoutSeconds: 300, memorySizeMB: 1024, nodeOptions: DEV_HEAP, deployMs: 4000,
    },
    documents: { count: 20, seed: 1, minSize: 1024, maxSize: 8192, prefix: 'load/', bytes: 92_160, seedMs: 400, seedDocumentsPerSecond: 50 },
    run,
  };

  test('ok only when every document verified; the JSON fields load.spec and users read', () => {
    const report = buildLoadReport(input);
    expect(Object.keys(report)).toEqual(['kind', 'generatedAt', 'machine', 'localstack', 'stack', 'documents', 'run', 'errors', 'ok']);
    expect(report).toMatchObject({ kind: 'load', errors: 0, ok: true });
    const short = buildLoadReport({ ...input, run: { ...run, verification: { ...run.verification!, verified: 19, missingFromBucket: 1 } } });
    expect(short).toMatchObject({ errors: 1, ok: false });
    const failed = buildLoadReport({ ...input, run: { ...run, counts: { listed: 20, copied: 17, unchanged: 0, failed: 3 }, verification: { ...run.verification!, verified: 18 } } });
    expect(failed).toMatchObject({ errors: 3, ok: false });
  });

  test('the text report: one line per figure, the report paths last', () => {
    const lines = formatLoadReport(buildLoadReport(input), { json: 'reports/load-x.json', html: 'reports/load-x.html' });
    expect(lines.slice(1)).toEqual([
      'Backup load report',
      '==================',
      'documents          20 (0.1 MiB, 1024..8192 bytes, seed 1)',
      'run                complete: copied 20, unchanged 0, failed 0',
      'verified           20 of 20 against the manifest and the bucket (key, size, SHA-256)',
      'concurrency        4 (event override)',
      'throughput         24.6 documents/s, 0.108 MiB/s',
      'Lambda duration    0.81 s (invoke round trip 1.49 s)',
      `peak memory        131 MiB peak RSS sampled during the invocation (VmHWM 134 MiB); node ${DEV_HEAP} (NODE_OPTIONS); no REPORT line in the log group`,
      'errors             0',
      'machine            2 CPUs, load average 1.5 2 2.25 at start, 3 2.5 2.3 at end',
      'report             reports/load-x.json, reports/load-x.html',
    ]);
    const summary = new Map(loadReportSummary(buildLoadReport(input)));
    expect(summary.get('concurrency')).toBe('4 (event override; template COPY_CONCURRENCY 16)');
    expect(summary.get('verified')).toBe('20 of 20 (key, size, SHA-256)');
  });
});
