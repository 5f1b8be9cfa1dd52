// The LocalStack extension's own unit tests (pytest, scripts/localstack-ext/tests): its pure mappers
// (CloudFormation shapes -> S3/Logs/Lambda API shapes, tags, ListObjectVersions paging, the node executor's
// binary and heap flags, the gateway's endpoint, the catalog's answer) and the patch machinery (every patch
// module import-light, wrappers of one function chained the same whatever the order of import or apply).
// Run here so `npm test` runs them, with the venv's pinned pytest; no LocalStack is started.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';

const ROOT = join(import.meta.dirname, '..', '..');
// Raise it when tests are added: a collection error or a skipped module must not pass as a smaller green run.
const MIN_PASSED = 84;

test('the extension\'s pytest suite passes', () => {
  const run = spawnSync(
    join(ROOT, '.venv', 'bin', 'python'),
    ['-m', 'pytest', 'scripts/localstack-ext/tests', '-q', '-p', 'no:cacheprovider', '--color=no'],
    // OVERRIDE_IN_DOCKER=0: LocalStack's config, imported by some tests, must not take this machine for its container.
    { cwd: ROOT, env: { ...process.env, OVERRIDE_IN_DOCKER: '0', PYTHONDONTWRITEBYTECODE: '1' }, encoding: 'utf8', timeout: 110_000 },
  );
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? `\n${run.error.message}` : ''}`;
  const summary = /^=*\s*(.*\b(?:passed|failed|error|errors|no tests ran)\b.*?)\s*=*$/m.exec(output.trim().split('\n').at(-1) ?? '')?.[1] ?? '';
  const count = (word: string) => Number(new RegExp(`(\\d+) ${word}\\b`).exec(summary)?.[1] ?? 0);
  expect(run.status, `pytest exited ${run.status}:\n${output}`).toBe(0);
  expect(count('failed') + count('errors?'), output).toBe(0);
  expect(count('passed'), `at least ${MIN_PASSED} tests passed:\n${output}`).toBeGreaterThanOrEqual(MIN_PASSED);
});
