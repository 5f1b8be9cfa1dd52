// The CLI contract every command under scripts/ keeps (README "Other commands"): exit 0 success, 1 problems
// found, 2 unusable input with one `error: ` line saying what to do; an unknown flag is unusable input; a
// relative path is taken from where the user ran npm; `deploy` refuses what it cannot use before it builds or
// uploads anything. Each command runs as a child process, as a user runs it; nothing here needs LocalStack
// (the checks that do are in specs/reliability/bad-input.spec.ts).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { expectOneLineError, ROOT, runAll, runCli, type CliRun } from '../support/cli.ts';
import { scratchDir } from '../support/scratch.ts';

const CANONICAL = join(ROOT, 'template', 'backup-stack.yaml');
const BAD_FIXTURE = join(ROOT, 'fixtures', 'templates', 'bad', 'IAM-NO-WILDCARD-ACTION.yaml');
const UNREACHABLE = 'http://127.0.0.1:9';
const DEPLOY = ['--environment', 'dev', '--bucket-name', 'contract-backup', '--source-bucket', 'contract-source', '--no-progress'];

const dir = scratchDir('cli-contract-');

// ---------------------------------------------------------------- flags

interface FlagCase {
  script: string;
  /** Arguments that are otherwise usable (required options given), so the unknown flag is what is refused. */
  args: string[];
}

// Every CLI under scripts/ but localstack.ts (its own parser; see bad-input.spec.ts). Each command stops at the
// flag: `rules-doc --check` and `deps lock` change nothing even if they did not, `build-lambda` would build.
const FLAG_CASES: FlagCase[] = [
  { script: 'check', args: [CANONICAL] },
  { script: 'matrix', args: [CANONICAL] },
  { script: 'deploy', args: [...DEPLOY, '--endpoint', UNREACHABLE] },
  { script: 'gate', args: ['--stack', 'contract-stack', '--template', CANONICAL, '--endpoint', UNREACHABLE] },
  { script: 'restore', args: ['--date', '2026-01-01', '--verify-only', '--backup-bucket', 'contract-backup', '--endpoint', UNREACHABLE, '--no-progress'] },
  { script: 'load', args: ['--documents', '1', '--endpoint', UNREACHABLE, '--no-progress'] },
  { script: 'bench', args: ['--endpoint', UNREACHABLE, '--no-progress'] },
  { script: 'build-lambda', args: [] },
  { script: 'rules-doc', args: ['--check'] },
  { script: 'deps', args: ['lock'] },
  { script: 'start', args: ['--no-progress'] },
];

test.describe('every CLI: an unknown flag is one error line and exit 2, --help is exit 0', () => {
  const runs = new Map<string, CliRun>();
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    const jobs = FLAG_CASES.flatMap((c) => [
      { key: `${c.script} --bogus`, script: c.script, args: [...c.args, '--bogus'] },
      { key: `${c.script} --help`, script: c.script, args: c.script === 'deps' ? ['--help'] : [...c.args.filter((a) => a === '--check'), '--help'] },
    ]);
    jobs.push({ key: 'build-lambda extra', script: 'build-lambda', args: ['now'] }, { key: 'deps', script: 'deps', args: [] });
    await runAll(jobs, async (j) => void runs.set(j.key, await runCli(j.script, j.args)));
  });

  for (const c of FLAG_CASES) {
    test(`${c.script}: an unknown flag`, () => {
      expectOneLineError(runs.get(`${c.script} --bogus`)!, 2, /^error: unknown option '--bogus' \(see --help\)$/);
    });
    test(`${c.script}: --help`, () => {
      const run = runs.get(`${c.script} --help`)!;
      expect(run.code, JSON.stringify(run)).toBe(0);
      expect(run.stdout).toMatch(/^Usage: /);
      expect(run.stderr).toBe('');
    });
  }

  test('build-lambda: an argument it does not take (it used to build anyway)', () => {
    expectOneLineError(runs.get('build-lambda extra')!, 2, /too many arguments.*\(see --help\)$/);
  });

  test('deps: no command is one line naming the commands, not the help text on stderr', () => {
    expectOneLineError(runs.get('deps')!, 2, /^error: no command given: use lock or check \(see --help\)$/);
  });
});

// ---------------------------------------------------------------- paths

/** The environment `npm run <script>` gives the command: the package root as cwd, INIT_CWD where npm ran. */
const npmRun = (script: string, from: string) => ({ INIT_CWD: from, npm_lifecycle_event: script, npm_lifecycle_script: `node scripts/bootstrap.mjs --quiet && tsx scripts/${script}.ts` });

test.describe('relative paths are taken from where the user ran npm', () => {
  const user = join(dir, 'user');
  test.beforeAll(() => {
    mkdirSync(join(user, 'out'), { recursive: true });
    copyFileSync(BAD_FIXTURE, join(user, 'mine.yaml'));
    copyFileSync(CANONICAL, join(user, 'stack.yaml'));
    writeFileSync(join(user, 'notes.yaml'), 'just: some notes\n');
  });

  test('npm run check from a subdirectory reads the file there', () => {
    const from = join(ROOT, 'fixtures', 'templates', 'bad');
    const run = spawnSync('npm', ['run', '--silent', 'check', '--', 'IAM-NO-WILDCARD-ACTION.yaml'], { cwd: from, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^IAM-NO-WILDCARD-ACTION\.yaml: \d+ findings/m);
  });

  test('check: the template and --output', async () => {
    const run = await runCli('check', ['mine.yaml', '--format', 'json', '--output', 'out/report.json'], { env: npmRun('check', user) });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^mine\.yaml: \d+ findings/);
    expect(JSON.parse(readFileSync(join(user, 'out', 'report.json'), 'utf8')).template).toBe('mine.yaml');
    expect(existsSync(join(ROOT, 'out', 'report.json'))).toBe(false);
  });

  test('matrix: the template', async () => {
    const run = await runCli('matrix', ['stack.yaml', '--format', 'json'], { env: npmRun('matrix', user) });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).template).toBe('stack.yaml');
  });

  test('deploy: --template (refused for what it is, found where the user is)', async () => {
    const run = await runCli('deploy', [...DEPLOY, '--endpoint', UNREACHABLE, '--template', 'notes.yaml'], { env: npmRun('deploy', user) });
    expectOneLineError(run, 2, new RegExp(`^error: --template ${join(user, 'notes.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a CloudFormation template`));
  });

  test('a CLI that npm did not start itself (a spec under `npm test`) keeps its working directory', async () => {
    const run = await runCli('check', ['mine.yaml'], { cwd: user, env: { INIT_CWD: ROOT, npm_lifecycle_event: 'test', npm_lifecycle_script: 'node scripts/bootstrap.mjs && playwright test' } });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^mine\.yaml: \d+ findings/m);
  });
});

// ---------------------------------------------------------------- deploy: checked before anything is built

/** A web server that is not AWS: every request is recorded and answered with `status` and an HTML page. */
async function notAws(status: number): Promise<{ endpoint: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${/Action=(\w+)/.exec(body)?.[1] ?? ''}`.trim());
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end('<html><body><h1>Hello from a web server</h1></body></html>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test.describe('deploy: unusable input is exit 2 with one line, before the Lambda is built or uploaded', () => {
  for (const status of [404, 200]) {
    test(`an endpoint that is a plain web server (HTTP ${status}, HTML)`, async () => {
      const server = await notAws(status);
      try {
        const run = await runCli('deploy', [...DEPLOY, '--endpoint', server.endpoint, '--artifact-bucket', 'contract-artifacts']);
        const answered = status === 404 ? ' \\(it answered HTTP 404, text/html\\)' : '';
        expectOneLineError(run, 2, new RegExp(`^error: http://127\\.0\\.0\\.1:\\d+ does not answer like AWS${answered}; is it a LocalStack endpoint\\? check --endpoint$`));
        // It asked who the caller is (STS) and stopped: no bucket created, nothing uploaded.
        expect(server.requests).toEqual(['POST / GetCallerIdentity']);
      } finally {
        await server.close();
      }
    });
  }

  const cases: Array<[string, string[], RegExp]> = [
    ['a --template that is not a CloudFormation template', ['--template', join(ROOT, 'package.json')], /^error: --template .*package\.json: not a CloudFormation template/],
    ['a --template that is not a backup stack', ['--template', join(ROOT, 'fixtures', 'templates', 'good', 'TEMPLATE-LOGICAL-ID.yaml')], /not a template deploy can use: it declares no parameter Environment, BackupBucketName, SourceBucketName, SourcePrefix, LambdaCodeBucket, LambdaCodeKey, AlarmEmail$/],
    ['an --alarm-email the template refuses', ['--alarm-email', 'ops-at-example'], /^error: parameter AlarmEmail: 'ops-at-example' is refused: must be empty or an e-mail address\.?$/],
    ['the same bucket as source and backup', ['--source-bucket', 'contract-backup'], /^error: --bucket-name and --source-bucket are both contract-backup: backups must go to a bucket of their own$/],
  ];
  for (const [name, args, message] of cases) {
    test(name, async () => {
      // The endpoint does not answer: the input is refused before it is even asked.
      const flags = [...DEPLOY, '--endpoint', UNREACHABLE];
      for (let i = 0; i < args.length; i += 2) {
        const at = flags.indexOf(args[i]!);
        if (at >= 0) flags.splice(at, 2);
      }
      expectOneLineError(await runCli('deploy', [...flags, ...args]), 2, message);
    });
  }
});
