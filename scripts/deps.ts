// `npm run deps:lock` regenerates requirements.txt from requirements.in (uv, with hashes).
// `npm run deps:check` tells which newer Python releases the product can take: it resolves requirements.in
// against the registry as it is today into throw-away venvs, starts LocalStack from each, deploys the stack and
// runs a backup. The project is never changed. Exit codes: 0 all newer releases are safe (or there are none),
// 1 some would break the product (named in the report), 2 the check could not run (no registry, no venv).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { compileArgs, extensionArgs, LOCK_FILE, pins, syncArgs } from './lib/python-lock.mjs';
import { cliProgram, failAndExit, userPath } from './lib/cli.ts';
import { deployStack, requireOutput, ROOT } from './lib/deploy.ts';
import { invokeBackup, scheduledEvent } from './lib/invoke.ts';
import { startLocalStack, type LocalStackHandle } from './lib/localstack/launcher.ts';
import { clientConfig, DEFAULT_REGION, type AwsTarget } from './lib/aws/clients.ts';
import { createBucket, uniqueName } from './lib/aws/resources.ts';
import { generateDocuments, seedDocuments } from '../fixtures/documents/generate.ts';

const UV = join(ROOT, '.venv', 'bin', 'uv');
const TRIAL_DOCUMENTS = 20;
const log = (m: string) => process.stderr.write(`[deps] ${m}\n`);

class CheckError extends Error {}

function uv(args: string[], what: string): void {
  const res = spawnSync(UV, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, OVERRIDE_IN_DOCKER: '0' } });
  if (res.status !== 0) {
    const tail = `${res.stderr ?? ''}${res.error?.message ?? ''}`.trim().split('\n').slice(-3).join(' ');
    throw new CheckError(`${what} failed: ${tail}`);
  }
}

interface Drift {
  name: string;
  locked?: string;
  latest?: string;
}

/** Packages whose resolution today differs from the lock (new, upgraded or no longer needed). */
function drift(locked: Map<string, string>, today: Map<string, string>): Drift[] {
  const names = [...new Set([...locked.keys(), ...today.keys()])].sort();
  return names.filter((n) => locked.get(n) !== today.get(n)).map((n) => ({ name: n, locked: locked.get(n), latest: today.get(n) }));
}

interface TrialResult {
  ok: boolean;
  detail: string;
}

/** A venv from `lock`, LocalStack started from it, the stack deployed and a small backup run. */
async function trial(dir: string, lock: string): Promise<TrialResult> {
  const venv = join(dir, 'venv');
  const python = join(venv, 'bin', 'python');
  let localstack: LocalStackHandle | undefined;
  try {
    uv(['venv', '--quiet', '--python', join(ROOT, '.venv', 'bin', 'python'), venv], 'uv venv');
    uv(syncArgs(python, lock), 'installing the lock');
    uv(extensionArgs(python), 'installing the extension');
    process.env.LOCALSTACK_PYTHON = python;
    localstack = await startLocalStack({ mode: 'host', quiet: true, logDir: dir });
    const target: AwsTarget = { endpoint: localstack.endpoint, region: DEFAULT_REGION };
    const sourceBucket = uniqueName('deps-source');
    await createBucket(target, sourceBucket);
    const deployed = await deployStack({ target, environment: 'dev', bucketName: uniqueName('deps-backup'), sourceBucket, stackName: 'deps-check' });
    const s3 = new S3Client(clientConfig(target));
    await seedDocuments(s3, sourceBucket, generateDocuments({ count: TRIAL_DOCUMENTS, seed: 1 }), { concurrency: 8 });
    s3.destroy();
    const outcome = await invokeBackup(target, requireOutput(deployed, 'BackupLambdaName'), scheduledEvent(new Date()));
    const copied = (outcome.payload as { counts?: { copied?: number } }).counts?.copied;
    if (outcome.functionError || copied !== TRIAL_DOCUMENTS) {
      return { ok: false, detail: `backup copied ${copied ?? 'nothing'} of ${TRIAL_DOCUMENTS} (${outcome.functionError ?? 'no function error'})` };
    }
    return { ok: true, detail: `deployed, ${copied} documents backed up` };
  } catch (error) {
    if (error instanceof CheckError && error.message.startsWith('installing the lock')) throw error;
    return { ok: false, detail: (error as Error).message.split('\n')[0]! };
  } finally {
    await localstack?.stop();
    delete process.env.LOCALSTACK_PYTHON;
  }
}

async function check(reportFile: string | undefined): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'deps-check-'));
  try {
    const lockPath = join(ROOT, LOCK_FILE);
    const locked = pins(readFileSync(lockPath, 'utf8'));
    const todayLock = join(scratch, 'today.txt');
    log('resolving requirements.in against the registry as it is today...');
    uv(compileArgs(todayLock, ['--upgrade']), 'resolving today\'s releases');
    const changes = drift(locked, pins(readFileSync(todayLock, 'utf8')));
    const lines = ['# Python dependency drift', '', `Lock: ${LOCK_FILE} (${locked.size} packages), checked ${new Date().toISOString()}`, ''];
    if (changes.length === 0) {
      lines.push('The lock is current: no newer release resolves under requirements.in.');
      emit(lines, reportFile);
      return 0;
    }
    log(`${changes.length} package(s) resolve differently today; trying all of them together...`);
    const together = await trial(join(scratch, 'all'), todayLock);
    const verdicts = new Map<string, TrialResult>();
    if (together.ok) {
      for (const c of changes) verdicts.set(c.name, { ok: true, detail: 'taken together with every other newer release' });
    } else {
      log(`together: breaks (${together.detail}); trying each on its own...`);
      for (const c of changes) {
        const dir = mkdtempSync(join(scratch, 'one-'));
        const one = join(dir, 'lock.txt');
        copyFileSync(lockPath, one);
        // The lock with only this package moved (uv keeps every other pin of an existing output file).
        uv(compileArgs(one, ['--upgrade-package', c.name]), `resolving ${c.name}`);
        const result = await trial(dir, one);
        log(`${c.name} ${c.locked ?? '-'} -> ${c.latest ?? '-'}: ${result.ok ? 'safe' : `breaks (${result.detail})`}`);
        verdicts.set(c.name, result);
      }
    }
    const broken = changes.filter((c) => !verdicts.get(c.name)?.ok);
    lines.push(
      together.ok ? 'All newer releases together: LocalStack starts, the stack deploys, a backup runs.' : `All newer releases together: ${together.detail}`,
      '',
      '| package | locked | today | verdict |',
      '|---|---|---|---|',
      ...changes.map((c) => {
        const v = verdicts.get(c.name)!;
        return `| ${c.name} | ${c.locked ?? '(not needed before)'} | ${c.latest ?? '(no longer needed)'} | ${v.ok ? 'safe' : `breaks: ${v.detail.replace(/\|/g, '\\|')}`} |`;
      }),
      '',
      broken.length === 0
        ? 'Safe to take: edit nothing by hand, run `npm run deps:lock -- --upgrade`, then `npm test`.'
        : `Would break the product: ${broken.map((c) => c.name).join(', ')}. Hold them back in requirements.in with a reason (e.g. \`name<version\`).`,
    );
    emit(lines, reportFile);
    return broken.length === 0 ? 0 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function emit(lines: string[], reportFile: string | undefined): void {
  const text = `${lines.join('\n')}\n`;
  process.stdout.write(text);
  if (reportFile) writeFileSync(reportFile, text);
}

function lock(upgrade: boolean): number {
  uv(compileArgs(LOCK_FILE, upgrade ? ['--upgrade'] : []), 'uv pip compile');
  log(`${LOCK_FILE} written (${pins(readFileSync(join(ROOT, LOCK_FILE), 'utf8')).size} packages); run npm test before you commit it`);
  return 0;
}

const program = cliProgram('deps', 'The Python lock: regenerate it, or check what newer releases would do.');
let action: (() => Promise<number> | number) | undefined;
program
  .command('lock')
  .description(`regenerate ${LOCK_FILE} from requirements.in (keeps locked versions unless --upgrade)`)
  .option('--upgrade', 'take the newest releases that requirements.in allows', false)
  .action((o: { upgrade: boolean }) => { action = () => lock(o.upgrade); });
program
  .command('check')
  .description('report which newer releases would break the product; changes nothing')
  .option('--report <file>', 'also write the report (Markdown) to this file; relative to where you ran npm')
  .action((o: { report?: string }) => {
    const report = o.report === undefined ? undefined : userPath(o.report);
    // Refused now, not after minutes of resolving and trial deployments.
    if (report && !statSync(dirname(report), { throwIfNoEntry: false })?.isDirectory()) failAndExit(`--report ${o.report}: ${dirname(report)} is not a directory`, 2);
    action = () => check(report);
  });
program.parse();

if (!existsSync(UV)) failAndExit('.venv has no uv: run `npm run bootstrap` first', 2);
if (!action) failAndExit('no command given: use lock or check (see --help)', 2);
try {
  process.exitCode = await action();
} catch (error) {
  if (error instanceof CheckError) failAndExit(`${error.message} (is the registry reachable?)`, 2);
  throw error;
}
