// The load path at small N, so `npm run load` keeps working: its own stack, 50 documents seeded, the
// backup invoked through the Lambda API with a concurrency override, every document verified against
// the manifest, and the JSON + HTML report written. Big runs and timings belong to `npm run bench`: no
// assertion here is about speed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '../fixtures.ts';
import { ROOT } from '../../scripts/lib/deploy.ts';
import { countErrors, deployLoadStack, machineInfo, measureBackup, memoryLine, seedDocumentSet, writeLoadReport, type LoadReport, type LoadStack } from '../../scripts/lib/load.ts';

/** The dev environment's NODE_OPTIONS in the template (EnvironmentConfig.dev.NodeOptions): the heap limits the function runs with. */
const DEV_HEAP = '--max-semi-space-size=8 --max-old-space-size=461';

const COUNT = 50;

test.describe.configure({ mode: 'serial' });

test.describe('load runs', () => {
  let stack: LoadStack;

  test.beforeAll(async ({ target }) => {
    stack = await deployLoadStack(target, { environment: 'dev' });
  });

  test(`${COUNT} documents: every one backed up and verified, report written`, async ({ target }) => {
    const spec = { count: COUNT, seed: 4242, minSize: 0, maxSize: 48 * 1024, prefix: 'load/' };
    const seeded = await seedDocumentSet(target, stack.sourceBucket, spec);
    expect(seeded.expected.size).toBe(COUNT);
    // Nested prefixes and mixed sizes, as the generator promises.
    expect(new Set([...seeded.expected.keys()].map((k) => k.split('/').length)).size).toBeGreaterThan(1);

    const run = await measureBackup(stack, { runDate: '2027-03-01', prefix: 'load/', concurrency: 8, expected: seeded.expected });
    expect(run.functionError, run.errorMessage).toBeUndefined();
    expect(run).toMatchObject({ status: 'complete', concurrency: 8, concurrencySource: 'event override', counts: { listed: COUNT, copied: COUNT, unchanged: 0, failed: 0 } });
    expect(run.verification).toMatchObject({ expected: COUNT, verified: COUNT, mismatched: 0, missingFromManifest: 0, missingFromBucket: 0, unexpectedInManifest: 0, problems: [] });
    expect(run.bytesCopied).toBe(seeded.bytes);
    expect(run.series.reduce((n, s) => n + s.documents, 0)).toBe(COUNT);
    expect(countErrors(run)).toBe(0);
    // The heap limits the report names are the ones the function runs with: the template's NODE_OPTIONS, read back
    // from the deployed function (the runtime passes no heap flags of its own when NODE_OPTIONS sets them).
    expect(stack.nodeOptions).toBe(DEV_HEAP);
    expect(memoryLine(run.memory, stack.nodeOptions)).toContain(`node ${DEV_HEAP} (NODE_OPTIONS)`);
    expect(memoryLine(run.memory, stack.nodeOptions)).not.toContain('no heap flags');

    const { target: _t, ...stackInfo } = stack;
    const report: LoadReport = {
      kind: 'load',
      generatedAt: new Date().toISOString(),
      machine: machineInfo(),
      localstack: { endpoint: target.endpoint ?? '', mode: 'spec' },
      stack: stackInfo,
      documents: { ...spec, bytes: seeded.bytes, seedMs: Math.round(seeded.seedMs), seedDocumentsPerSecond: 0 },
      run,
      errors: 0,
      ok: true,
    };
    const files = writeLoadReport(report, `load-spec-${process.pid}`);
    try {
      expect(JSON.parse(readFileSync(files.json, 'utf8'))).toMatchObject({ run: { counts: { copied: COUNT }, verification: { verified: COUNT } } });
      const html = readFileSync(files.html, 'utf8');
      expect(html).toContain('<canvas id="chart0">');
      expect(html).toContain('new Chart(');
      // Chart.js is inlined: the page works offline, nothing is fetched from a CDN.
      expect(html).not.toMatch(/<script[^>]+src=/);
      expect(html).toContain(`${DEV_HEAP} (NODE_OPTIONS)`);
    } finally {
      rmSync(files.json, { force: true });
      rmSync(files.html, { force: true });
    }
  });

  test('a re-run of the same day copies nothing and still verifies every document', async ({ target }) => {
    const spec = { count: COUNT, seed: 4242, minSize: 0, maxSize: 48 * 1024, prefix: 'load/' };
    // Same seed, same documents: the expected map is regenerated, not read back.
    const seeded = await seedDocumentSet(target, stack.sourceBucket, spec);
    const run = await measureBackup(stack, { runDate: '2027-03-01', prefix: 'load/', expected: seeded.expected });
    expect(run).toMatchObject({ status: 'complete', concurrencySource: 'template', counts: { listed: COUNT, copied: 0, unchanged: COUNT, failed: 0 } });
    expect(run.verification?.verified).toBe(COUNT);
  });

  test('the CLI: `npm run load` end to end against this LocalStack, and one-line argument errors', async ({ target }) => {
    const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
    const script = join(ROOT, 'scripts', 'load.ts');
    const bad = spawnSync(tsx, [script, '--documents', '0'], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('"0" is not a positive whole number');

    const out = spawnSync(tsx, [script, '--documents', '20', '--size', '1k..8k', '--concurrency', '4', '--endpoint', target.endpoint!, '--json', '--no-progress'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(out.status, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout.trim().split('\n').pop()!) as LoadReport;
    expect(report).toMatchObject({ ok: true, errors: 0, documents: { count: 20, minSize: 1024, maxSize: 8192 }, run: { concurrency: 4, counts: { copied: 20, failed: 0 }, verification: { verified: 20 } } });
    expect(out.stderr).toMatch(/verified\s+20 of 20/);
    expect(report.stack.nodeOptions).toBe(DEV_HEAP);
    expect(out.stderr).toMatch(new RegExp(`^peak memory .*node ${DEV_HEAP} \\(NODE_OPTIONS\\)`, 'm'));
    expect(out.stderr).not.toContain('no heap flags');
    const htmlPath = /report\s+\S+\.json, (\S+\.html)/.exec(out.stderr)?.[1];
    expect(htmlPath && existsSync(join(ROOT, htmlPath))).toBeTruthy();
    rmSync(join(ROOT, htmlPath!), { force: true });
    rmSync(join(ROOT, htmlPath!.replace(/\.html$/, '.json')), { force: true });
  });

  test('the CLI without --json: the report is its output (stdout), the progress stays on stderr', async ({ target }) => {
    const out = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'load.ts'), '--documents', '5', '--size', '1k..2k', '--endpoint', target.endpoint!, '--no-progress'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^Backup load report$/m);
    expect(out.stdout).toMatch(/^verified\s+5 of 5 against the manifest/m);
    expect(out.stdout).toMatch(new RegExp(`^peak memory .*node ${DEV_HEAP} \\(NODE_OPTIONS\\)`, 'm'));
    expect(out.stderr).toMatch(/^\[load\] stack \S+ deployed/m);
    expect(out.stderr).not.toContain('Backup load report');
    const htmlPath = /^report\s+\S+\.json, (\S+\.html)$/m.exec(out.stdout)?.[1];
    expect(htmlPath && existsSync(join(ROOT, htmlPath))).toBeTruthy();
    rmSync(join(ROOT, htmlPath!), { force: true });
    rmSync(join(ROOT, htmlPath!.replace(/\.html$/, '.json')), { force: true });
  });
});
