// Each part of the LocalStack extension is proven by a spec that FAILS without it (README, "The project's
// LocalStack extension"). For every name LOCALSTACK_EXT_DISABLE accepts (scripts/localstack-ext's
// registry.py: the patch modules plugins.py applies, and the local-node executor), this spec runs the tests
// that prove it in a child `playwright test --project=integration <file> -g <title>` with
// LOCALSTACK_EXT_DISABLE=<name> and LOCALSTACK_MODE=host (the child starts its own LocalStack without that
// part) and asserts the child fails, in a test whose title matches <title> ("No tests found" or a crash
// elsewhere does not count). A part added to the registry without an entry in PROOFS fails the first test.
//
// Bounded: each child runs only the proving tests (-g), two children at a time (PATCHES_PROVEN_PARALLEL).
// Measured on the 2-core machine (2026-12-06), 13 children: 2.9 minutes for the file (the control run below
// 4.5 minutes: with every part enabled the proving tests run to the end).
//
// PATCHES_PROVEN_CONTROL=1 runs the same selections with every part enabled and expects them to pass: the
// check that a selection fails *because of* its part, to run once whenever PROOFS changes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { scratchDir } from '../../support/scratch.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const EXT = join(ROOT, 'scripts', 'localstack-ext');
const CONTROL = process.env.PATCHES_PROVEN_CONTROL === '1';
const PARALLEL = Number(process.env.PATCHES_PROVEN_PARALLEL ?? 2);

interface Proof {
  /** Spec file, from the repository root. */
  file: string;
  /** Passed as `-g`; a test whose title matches it must fail without the part. */
  title: string;
}

const EXT_SPECS = 'specs/integration/localstack-ext';

// Name in LOCALSTACK_EXT_DISABLE -> the tests that fail without it (found by running each file with the
// part disabled; the comment says what fails).
const PROOFS: Record<string, Proof[]> = {
  // 0.0.0.0 among the port's listening sockets.
  gateway_bind: [{ file: 'specs/integration/loopback.spec.ts', title: 'whatever listens on the LocalStack port listens on loopback only' }],
  // Object files under the shared /tmp/localstack-s3-storage. (non-root.spec.ts fails without it too, but
  // runs all of `npm start` as another user: too long to repeat here.)
  s3_storage: [{ file: 'specs/integration/loopback.spec.ts', title: 'keeps S3 data in its own directory' }],
  // Offline, every type is "not supported": the refusal names the template's other types too. (Every
  // deploying spec fails without it.)
  cfn_resource_catalog: [{ file: `${EXT_SPECS}/emulator-gaps.spec.ts`, title: 'a template with a resource type LocalStack lacks is refused' }],
  // Default encryption stays AES256.
  cfn_s3_bucket: [{ file: `${EXT_SPECS}/s3-bucket.spec.ts`, title: 'BucketEncryption: default encryption is aws:kms' }],
  // No retention, key or tags on the created group.
  cfn_logs: [{ file: `${EXT_SPECS}/log-group.spec.ts`, title: 'create: retention, KMS key and tags are applied' }],
  // Rules and alarms created without their tags.
  cfn_tags: [{ file: `${EXT_SPECS}/tags.spec.ts`, title: 'create: every resource type carries its template tags' }],
  // Invocation logs land in /aws/lambda/<name>, not the LoggingConfig group.
  lambda_logging: [{ file: `${EXT_SPECS}/lambda.spec.ts`, title: 'console output lands in the LoggingConfig log group' }],
  // An in-place update counts as a change of !Ref to the function: the EventInvokeConfig is replaced.
  cfn_replacement: [{ file: `${EXT_SPECS}/parameter-update.spec.ts`, title: 'in-place update: the function keeps its invoke config' }],
  // GetFunction returns no KMSKeyArn.
  lambda_kms_key: [{ file: `${EXT_SPECS}/lambda-kms-key.spec.ts`, title: 'KMSKeyArn is stored by CreateFunction' }],
  // No reserved concurrency after create.
  cfn_lambda: [{ file: `${EXT_SPECS}/parameter-update.spec.ts`, title: 'create: the function gets its KmsKeyArn, reserved concurrency' }],
  // The topic without TopicName is re-created on update: its ARN changes.
  cfn_sns_topic: [{ file: `${EXT_SPECS}/parameter-update.spec.ts`, title: 'renaming update: log group, function, rule and alias are replaced' }],
  // The never-versioned bucket comes back in one untruncated page.
  s3_list_versions: [{ file: `${EXT_SPECS}/s3-list-versions.spec.ts`, title: 'a never-versioned bucket pages by MaxKeys' }],
  // No bucket policy is evaluated: DeleteObject with x-amz-bypass-governance-retention deletes the locked version.
  s3_object_lock_policy: [{ file: 'specs/integration/object-lock.spec.ts', title: 'a governance bypass is denied by the bucket policy' }],
  // LocalStack's Docker executor: no engine, the functions end in Failed and the spec's set-up fails.
  'local-node': [{ file: `${EXT_SPECS}/lambda.spec.ts`, title: 'ESM handler gets its event' }],
};

/** The names LOCALSTACK_EXT_DISABLE accepts, from the extension's source (not the copy installed in .venv). */
function disableableNames(): string[] {
  const run = spawnSync(
    join(ROOT, '.venv', 'bin', 'python'),
    ['-c', 'import json; from localstack_backup_ext.registry import DISABLEABLE; print(json.dumps(DISABLEABLE))'],
    { cwd: EXT, encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`reading the extension's registry failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}

interface TestOutcome {
  title: string;
  status: string;
  error: string;
}

interface ChildRun {
  code: number | null;
  tests: TestOutcome[];
  output: string;
  seconds: number;
}

interface ReportSuite {
  title: string;
  suites?: ReportSuite[];
  specs?: { title: string; tests: { results: { status: string; error?: { message?: string } }[] }[] }[];
}

function outcomes(suite: ReportSuite, prefix: string[] = []): TestOutcome[] {
  const path = suite.title && !suite.title.endsWith('.ts') ? [...prefix, suite.title] : prefix;
  const own = (suite.specs ?? []).flatMap((spec) =>
    spec.tests.map((t) => {
      const last = t.results.at(-1);
      return { title: [...path, spec.title].join(' › '), status: last?.status ?? 'skipped', error: last?.error?.message ?? '' };
    }),
  );
  return [...own, ...(suite.suites ?? []).flatMap((s) => outcomes(s, path))];
}

let scratch: string | undefined;

/** One child Playwright run of `proof` with `disable` left out of the extension. */
function runChild(proof: Proof, disable: string, children: Set<ChildProcess>): Promise<ChildRun> {
  scratch ??= scratchDir('patches-proven-');
  const dir = mkdtempSync(join(scratch, 'run-'));
  const reportFile = join(dir, 'report.json');
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Not this run's LocalStack, worker identity or reporter settings.
  for (const name of Object.keys(env)) {
    if (/^(PW_|PLAYWRIGHT_|TEST_WORKER_INDEX$|TEST_PARALLEL_INDEX$|LOCALSTACK_ENDPOINT$|LAMBDA_RUNTIME_EXECUTOR$)/.test(name)) delete env[name];
  }
  Object.assign(env, { LOCALSTACK_MODE: 'host', LOCALSTACK_EXT_DISABLE: disable, PLAYWRIGHT_JSON_OUTPUT_FILE: reportFile });
  const args = [
    join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js'),
    'test', '--project=integration', proof.file, '-g', proof.title,
    '--reporter=json', `--output=${join(dir, 'results')}`, '--workers=1', '--retries=0',
  ];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 8 * 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      let tests: TestOutcome[] = [];
      if (existsSync(reportFile)) {
        const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { suites: ReportSuite[]; errors?: { message?: string }[] };
        tests = report.suites.flatMap((s) => outcomes(s));
        output += (report.errors ?? []).map((e) => `\n${e.message ?? ''}`).join('');
      }
      resolve({ code, tests, output, seconds: Math.round((Date.now() - started) / 1000) });
    });
  });
}

const FAILED = new Set(['failed', 'timedOut', 'interrupted']);

function describeRun(run: ChildRun): string {
  const tests = run.tests.map((t) => `  ${t.status}: ${t.title}${t.error ? `\n    ${t.error.split('\n').slice(0, 6).join('\n    ')}` : ''}`);
  return `exit ${run.code} after ${run.seconds}s\n${tests.join('\n') || '  (no test ran)'}\n--- child output (last 3000 characters):\n${run.output.slice(-3000)}`;
}

test('every part of the extension (the registry plugins.py applies from) has a spec that proves it', () => {
  const names = disableableNames();
  expect(names.length).toBeGreaterThan(10);
  expect([...names].sort(), 'PROOFS covers exactly the registry: add a proving spec for a new patch').toEqual(Object.keys(PROOFS).sort());
  for (const proofs of Object.values(PROOFS)) {
    expect(proofs.length).toBeGreaterThan(0);
    for (const proof of proofs) {
      expect(existsSync(join(ROOT, proof.file)), proof.file).toBe(true);
      expect(readFileSync(join(ROOT, proof.file), 'utf8'), `${proof.file} has a test titled like "${proof.title}"`).toContain(proof.title);
    }
  }
});

test.describe(CONTROL ? 'with every part, the proving tests pass' : 'without its part, each proving spec fails', () => {
  const cases = Object.entries(PROOFS).flatMap(([name, proofs]) => proofs.map((proof) => ({ name, proof })));
  // Children run PARALLEL at a time, started by the first test this worker runs, from that test on (after a
  // failed test Playwright continues in a new worker, which loads this file again); each test waits for its own.
  const runs = new Map<number, Promise<ChildRun>>();
  const children = new Set<ChildProcess>();
  const startFrom = (first: number): void => {
    if (runs.size > 0) return;
    let index = first;
    const next = (): void => {
      if (index >= cases.length) return;
      const c = cases[index]!;
      const run = runChild(c.proof, CONTROL ? '' : c.name, children);
      runs.set(index++, run);
      void run.finally(next);
    };
    for (let i = 0; i < PARALLEL; i++) next();
  };
  // Without s3_storage, stock 4.14 writes object files into the machine-wide /tmp/localstack-s3-storage and
  // never removes them: what the children add there is removed again, the directory too if they made it.
  const shared = '/tmp/localstack-s3-storage';
  const sharedBefore = existsSync(shared) ? new Set(readdirSync(shared)) : undefined;
  test.afterAll(() => {
    for (const child of children) child.kill('SIGTERM'); // only when this worker stops early
    if (!existsSync(shared)) return;
    if (!sharedBefore) rmSync(shared, { recursive: true, force: true });
    else for (const entry of readdirSync(shared)) if (!sharedBefore.has(entry)) rmSync(join(shared, entry), { recursive: true, force: true });
  });

  cases.forEach((c, index) => {
    test(`${c.name}: ${c.proof.file.replace(/^specs\/integration\//, '')} -g "${c.proof.title}"`, async () => {
      test.setTimeout(12 * 60_000);
      startFrom(index);
      await expect.poll(() => runs.has(index), { timeout: 11 * 60_000, intervals: [500] }).toBe(true);
      const run = await runs.get(index)!;
      const report = describeRun(run);
      const matching = run.tests.filter((t) => t.title.includes(c.proof.title));
      if (CONTROL) {
        expect(run.code, report).toBe(0);
        expect(matching.filter((t) => t.status === 'passed').length, report).toBeGreaterThan(0);
        return;
      }
      expect(run.code, report).not.toBe(0);
      expect(matching.filter((t) => FAILED.has(t.status)).length, `a test titled like "${c.proof.title}" failed\n${report}`).toBeGreaterThan(0);
    });
  });
});
