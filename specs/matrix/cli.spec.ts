// `npm run matrix -- <template>`: exit 0 when every row matches the contract, 1 naming what changed,
// 2 with one clear `error: ` line for unusable input (a --param value the template's constraints refuse too).
// The CLI runs as a child process, as a user would run it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { runScriptSync } from '../support/cli.ts';

const TEMPLATE = process.env['TEMPLATE'] ?? 'template/backup-stack.yaml';

// Scratch files live outside test-results/, which a concurrent Playwright run may empty.
let scratch: string;
test.beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'matrix-cli-'));
});
test.afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const matrix = (...args: string[]) => runScriptSync('matrix', args);

test('exit 0 and a Markdown matrix with at least 40 denied rows for the backup role (and the verifier role\'s, counted)', () => {
  const run = matrix(TEMPLATE);
  expect(run.stderr).toMatch(/rows match the contract/);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('| # | principal | action | resource | context | decision | contract | deciding statement |');
  const denied = run.stdout.split('\n').filter((l) => l.startsWith('| ') && l.includes('| backup role |') && l.includes('| denied | denied |'));
  expect(denied.length).toBeGreaterThanOrEqual(40);
  const summary = /backup role: (\d+) allowed, (\d+) denied/.exec(run.stderr);
  expect(Number(summary?.[2])).toBe(denied.length);
  // The verifier role is summed up the same way, from the rows printed for it.
  const verifierRows = run.stdout.split('\n').filter((l) => l.startsWith('| ') && l.includes('| verifier role |'));
  const verifier = /verifier role: (\d+) allowed, (\d+) denied/.exec(run.stderr);
  expect(Number(verifier?.[1])).toBe(verifierRows.filter((l) => l.includes('| allowed | allowed |')).length);
  expect(Number(verifier?.[2])).toBe(verifierRows.filter((l) => l.includes('| denied | denied |')).length);
  expect(Number(verifier?.[2])).toBeGreaterThanOrEqual(25);
});

test('--format json and --partition aws-cn', () => {
  const run = matrix(TEMPLATE, '--format', 'json', '--partition', 'aws-cn');
  expect(run.code, run.stderr).toBe(0);
  const doc = JSON.parse(run.stdout) as { partition: string; matches: boolean; rows: Array<{ resource: string; decision: string; deciding: string[] }> };
  expect(doc.partition).toBe('aws-cn');
  expect(doc.matches).toBe(true);
  expect(doc.rows.filter((r) => r.resource.startsWith('arn:')).every((r) => r.resource.startsWith('arn:aws-cn:'))).toBe(true);
  expect(doc.rows.every((r) => r.deciding.length > 0)).toBe(true);
});

test('--param with a value the template allows is evaluated with it', () => {
  const run = matrix(TEMPLATE, '--param', 'Environment=prod', '--param', 'SourcePrefix=', '--format', 'json');
  expect(run.code, run.stderr).toBe(0);
  const doc = JSON.parse(run.stdout) as { parameters: Record<string, string>; matches: boolean };
  expect(doc.parameters).toMatchObject({ Environment: 'prod', SourcePrefix: '' });
  expect(doc.matches).toBe(true);
});

test('exit 1 naming each (action, resource) that became allowed', async () => {
  const text = await readFile(TEMPLATE, 'utf8');
  const widened = text.replace(/(\n(\s+)- s3:AbortMultipartUpload\n)/, '$1$2- s3:DeleteObject\n');
  expect(widened).not.toBe(text);
  const path = join(scratch, 'widened.yaml');
  await writeFile(path, widened);

  const run = matrix(path);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^matrix: \d+ row\(s\) differ from the contract/m);
  expect(run.stderr).toContain('became allowed: s3:DeleteObject on arn:aws:s3:::docbackup-backups-111122223333/backups/2025-01-31/documents/reports/q1.pdf by backup role [role.s3.delete-backup] - BackupPolicy#WriteBackupsAndManifests');
  expect(run.stderr).toContain('became allowed: s3:DeleteObject on arn:aws:s3:::docbackup-backups-111122223333/manifests/2025-01-31/run-0001.json by backup role [role.s3.delete-manifest]');
  // The matrix itself is still printed, with the differing rows marked.
  expect(run.stdout).toContain('**ALLOWED** (differs)');

  const json = matrix(path, '--format', 'json');
  expect(json.code).toBe(1);
  const doc = JSON.parse(json.stdout) as { matches: boolean; differences: string[] };
  expect(doc.matches).toBe(false);
  expect(doc.differences.some((d) => d.startsWith('became allowed: s3:DeleteObject on '))).toBe(true);
});

test('exit 2 with one clear line for unusable input', async () => {
  const notTemplate = join(scratch, 'not-a-template.yaml');
  await writeFile(notTemplate, 'just: a mapping\n');
  const notBackup = join(scratch, 'only-a-bucket.yaml');
  await writeFile(notBackup, 'Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n');
  const cases: Array<[string[], RegExp]> = [
    [['does/not/exist.yaml'], /does\/not\/exist\.yaml: cannot read the template \(ENOENT\)/],
    [[notTemplate], /not a CloudFormation template \(no Resources section\)/],
    [[notBackup], /no AWS::Lambda::Function/],
    [[], /no template given/],
    [[TEMPLATE, '--partition', 'aws-moon'], /--partition must be one of aws, aws-cn, aws-us-gov/],
    [[TEMPLATE, '--format', 'html'], /--format must be markdown or json/],
    [[TEMPLATE, '--colour'], /unknown option '--colour' \(see --help\)/],
    [[TEMPLATE, '--param', 'NoSuchParameter=1'], /the template has no parameter NoSuchParameter/],
    // A value the template's own constraints refuse is refused here too, as CloudFormation would refuse it.
    [[TEMPLATE, '--param', 'Environment=qa'], /parameter Environment: 'qa' is not one of its AllowedValues \(dev, staging, prod\)/],
    [[TEMPLATE, '--param', 'BackupBucketName=Backups_2026'], /parameter BackupBucketName: 'Backups_2026' is refused: must be 3-63 characters of lowercase letters/],
    [[TEMPLATE, '--param', 'SourcePrefix=/documents/'], /parameter SourcePrefix: '\/documents\/' is refused: must be empty or a key prefix that does not start with and does end with a slash/],
    [[TEMPLATE, '--param', 'BackupBucketName=ab'], /parameter BackupBucketName: 'ab' is refused/],
    [[TEMPLATE, TEMPLATE], /too many arguments/],
  ];
  for (const [args, message] of cases) {
    const run = matrix(...args);
    expect(run.code, args.join(' ')).toBe(2);
    expect(run.stdout, args.join(' ')).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines, args.join(' ')).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(message);
  }
});
