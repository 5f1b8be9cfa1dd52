// Bad input everywhere a user or a scheduler can give it: the deployed function's events, every CLI, and
// the template loader. Each must get one clear line (a named function error for events), a non-zero exit,
// no stack trace, and must change nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { invokeBackup, scheduledEvent } from '../../scripts/lib/invoke.ts';
import { clientConfig, type AwsTarget } from '../../scripts/lib/aws/clients.ts';
import { loadTemplate, MAX_TEMPLATE_BYTES, TemplateLoadError } from '../../scripts/lib/cfn/template.ts';
import { scratchDir } from '../support/scratch.ts';
import { expectOneLineError, ROOT, runAll, runCli, type CliRun } from '../support/cli.ts';
import { test, expect } from '../fixtures.ts';
import { listVersions } from './helpers.ts';

const CANONICAL = join(ROOT, 'template', 'backup-stack.yaml');
const UNREACHABLE = 'http://127.0.0.1:9';

// ---------------------------------------------------------------- bad templates on disk

const dir = scratchDir('reliability-bad-input-');
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const aliasBomb = () => {
  // "Billion laughs": nine levels of nine aliases each would expand to 9^9 strings.
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
  lines.push('Resources:', '  B:', '    Type: AWS::S3::Bucket', '    Properties:', `      Tags: *a8`);
  return `${lines.join('\n')}\n`;
};
const TEMPLATES = {
  notTemplate: file('not-a-template.yaml', 'name: just some yaml\nitems: [1, 2]\n'),
  brokenJson: file('broken.json', '{"Resources": {"A": {"Type": "AWS::S3::Bucket",}}'),
  unknownTag: file('unknown-tag.yaml', 'Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Bogus x\n'),
  veryLarge: file('very-large.yaml', `Resources:\n  A:\n    Type: AWS::S3::Bucket\n# ${'x'.repeat(MAX_TEMPLATE_BYTES)}\n`),
  empty: file('empty.yaml', ''),
  binary: file('binary.yaml', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))),
  aliasBomb: file('alias-bomb.yaml', aliasBomb()),
  noType: file('no-type.yaml', 'Resources:\n  A:\n    Properties: {}\n'),
  duplicateKeys: file('duplicate-keys.yaml', 'Resources:\n  A:\n    Type: AWS::S3::Bucket\n  A:\n    Type: AWS::SQS::Queue\n'),
  directory: (() => {
    const path = join(dir, 'a-directory.yaml');
    mkdirSync(path);
    return path;
  })(),
  notBackupStack: file('queue-only.yaml', 'Resources:\n  Q:\n    Type: AWS::SQS::Queue\n'),
};

// ---------------------------------------------------------------- CLI runs

interface CliContext {
  endpoint: string;
  /** This suite's own stack: its name, its backup bucket and its source bucket. */
  stackName: string;
  stackBucket: string;
  sourceBucket: string;
}

interface CliCase {
  name: string;
  script: string;
  args: (ctx: CliContext) => string[];
  /** Expected exit code. */
  code: number;
  message: RegExp;
  /** Run as if on a machine without AWS credentials or LocalStack. */
  noCredentials?: boolean;
}

const CLI_CASES: CliCase[] = [
  // check: everything the template loader rejects, plus its own flags
  { name: 'check: a missing file', script: 'check', args: () => ['does/not/exist.yaml'], code: 2, message: /does\/not\/exist\.yaml: cannot read the template \(ENOENT\)/ },
  { name: 'check: a directory', script: 'check', args: () => [TEMPLATES.directory], code: 2, message: /a-directory\.yaml: not a file/ },
  { name: 'check: YAML that is not a template', script: 'check', args: () => [TEMPLATES.notTemplate], code: 2, message: /not a CloudFormation template \(no Resources section\)/ },
  { name: 'check: broken JSON', script: 'check', args: () => [TEMPLATES.brokenJson], code: 2, message: /broken\.json: not valid JSON/ },
  { name: 'check: an unknown YAML tag', script: 'check', args: () => [TEMPLATES.unknownTag], code: 2, message: /unknown YAML tag: .*!Bogus/ },
  { name: 'check: a very large file', script: 'check', args: () => [TEMPLATES.veryLarge], code: 2, message: /bytes is larger than the 5242880-byte limit/ },
  { name: 'check: an empty file', script: 'check', args: () => [TEMPLATES.empty], code: 2, message: /empty\.yaml: not a CloudFormation template/ },
  { name: 'check: binary garbage', script: 'check', args: () => [TEMPLATES.binary], code: 2, message: /binary\.yaml: not (a CloudFormation template|valid YAML)/ },
  { name: 'check: a YAML alias bomb', script: 'check', args: () => [TEMPLATES.aliasBomb], code: 2, message: /alias-bomb\.yaml: not usable YAML: Excessive alias count/ },
  { name: 'check: a resource without Type', script: 'check', args: () => [TEMPLATES.noType], code: 2, message: /resource A has no Type/ },
  { name: 'check: duplicate logical ids', script: 'check', args: () => [TEMPLATES.duplicateKeys], code: 2, message: /duplicate-keys\.yaml: not valid YAML.*: Map keys must be unique/ },
  { name: 'check: no template argument', script: 'check', args: () => [], code: 2, message: /no template given: name a template, a directory or a glob/ },
  { name: 'check: an unknown flag', script: 'check', args: () => [CANONICAL, '--strict'], code: 2, message: /unknown option '--strict'/ },
  { name: 'check: an unknown --format', script: 'check', args: () => [CANONICAL, '--format', 'xml'], code: 2, message: /'xml' is invalid/ },
  // deploy
  { name: 'deploy: no options', script: 'deploy', args: () => [], code: 2, message: /required option '--environment <env>' not specified/ },
  { name: 'deploy: an unknown environment', script: 'deploy', args: () => ['--environment', 'qa', '--bucket-name', 'b-1', '--source-bucket', 's-1'], code: 2, message: /argument 'qa' is invalid\. Allowed choices are dev, staging, prod/ },
  { name: 'deploy: an invalid bucket name', script: 'deploy', args: () => ['--environment', 'dev', '--bucket-name', 'Bad_Name', '--source-bucket', 's-1'], code: 2, message: /"Bad_Name" is not a valid S3 bucket name/ },
  { name: 'deploy: an endpoint that is not a URL', script: 'deploy', args: () => ['--environment', 'dev', '--bucket-name', 'b-1', '--source-bucket', 's-1', '--endpoint', 'localhost:4566'], code: 2, message: /"localhost:4566" is not an http\(s\) URL/ },
  { name: 'deploy: a source prefix without "/"', script: 'deploy', args: () => ['--environment', 'dev', '--bucket-name', 'b-1', '--source-bucket', 's-1', '--source-prefix', 'docs'], code: 2, message: /--source-prefix must end with "\/"/ },
  { name: 'deploy: a --template that cannot be read (nothing uploaded first)', script: 'deploy', args: ({ endpoint }) => ['--environment', 'dev', '--bucket-name', 'b-1', '--source-bucket', 's-1', '--endpoint', endpoint, '--artifact-bucket', 'reliability-never-created', '--template', join(dir, 'missing.yaml'), '--no-progress'], code: 2, message: /--template .*missing\.yaml: cannot read the template \(ENOENT\)/ },
  // Unusable input, found before anything is built or uploaded: exit 2 (the README's contract), not 1.
  { name: 'deploy: an unreachable endpoint', script: 'deploy', args: () => ['--environment', 'dev', '--bucket-name', 'b-1', '--source-bucket', 's-1', '--endpoint', UNREACHABLE, '--no-progress'], code: 2, message: /cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\); start LocalStack/ },
  { name: 'deploy: no AWS credentials', script: 'deploy', args: () => ['--environment', 'dev', '--bucket-name', 'b-1', '--source-bucket', 's-1', '--no-progress'], code: 2, message: /no AWS credentials found; configure the default credential chain or pass --endpoint/, noCredentials: true },
  { name: 'deploy: a --source-bucket that does not exist (nothing uploaded first)', script: 'deploy', args: ({ endpoint }) => ['--environment', 'dev', '--bucket-name', 'reliability-new-backup', '--source-bucket', 'reliability-no-such-source', '--stack-name', 'reliability-never-deployed', '--endpoint', endpoint, '--artifact-bucket', 'reliability-never-created', '--no-progress'], code: 2, message: /--source-bucket reliability-no-such-source does not exist at http:\/\/127\.0\.0\.1:\d+; create it first/ },
  { name: "deploy: a --bucket-name that is another stack's backup bucket", script: 'deploy', args: ({ endpoint, stackBucket, sourceBucket }) => ['--environment', 'dev', '--bucket-name', stackBucket, '--source-bucket', sourceBucket, '--stack-name', 'reliability-never-deployed', '--endpoint', endpoint, '--artifact-bucket', 'reliability-never-created', '--no-progress'], code: 2, message: /--bucket-name rel-backup-\w+ is already the BackupBucketName of stack rel-stack-\w+; choose another name, or pass --stack-name rel-stack-\w+/ },
  { name: 'deploy: a --bucket-name that exists outside the stack', script: 'deploy', args: ({ endpoint, stackBucket, sourceBucket, stackName }) => ['--environment', 'dev', '--bucket-name', sourceBucket, '--source-bucket', stackBucket, '--stack-name', stackName, '--endpoint', endpoint, '--artifact-bucket', 'reliability-never-created', '--no-progress'], code: 2, message: /--bucket-name rel-source-\w+ already exists and is not a bucket of stack rel-stack-\w+; CloudFormation cannot create it/ },
  // restore
  { name: 'restore: a date that is not a calendar date', script: 'restore', args: () => ['--date', '2026-02-30', '--verify-only', '--backup-bucket', 'b-1'], code: 2, message: /"2026-02-30" is not a calendar date as YYYY-MM-DD/ },
  { name: 'restore: neither --to-bucket nor --verify-only', script: 'restore', args: () => ['--date', '2026-01-01', '--backup-bucket', 'b-1'], code: 2, message: /--to-bucket is required/ },
  { name: 'restore: both --stack-name and --backup-bucket', script: 'restore', args: () => ['--date', '2026-01-01', '--verify-only', '--backup-bucket', 'b-1', '--stack-name', 'x'], code: 2, message: /pass exactly one of --stack-name or --backup-bucket/ },
  { name: 'restore: a concurrency out of range', script: 'restore', args: () => ['--date', '2026-01-01', '--verify-only', '--backup-bucket', 'b-1', '--concurrency', '0'], code: 2, message: /"0" is not a whole number from 1 to 1000/ },
  { name: 'restore: an unknown stack', script: 'restore', args: ({ endpoint }) => ['--date', '2026-01-01', '--verify-only', '--stack-name', 'no-such-stack-reliability', '--endpoint', endpoint, '--no-progress'], code: 2, message: /no-such-stack-reliability/ },
  { name: 'restore: a date with no manifest', script: 'restore', args: ({ endpoint, stackBucket }) => ['--date', '1999-01-01', '--verify-only', '--backup-bucket', stackBucket, '--endpoint', endpoint, '--no-progress'], code: 2, message: /1999-01-01/ },
  { name: 'restore: an unreachable endpoint', script: 'restore', args: () => ['--date', '2026-01-01', '--verify-only', '--backup-bucket', 'b-1', '--endpoint', UNREACHABLE, '--no-progress'], code: 2, message: /cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/ },
  { name: 'restore: no AWS credentials', script: 'restore', args: () => ['--date', '2026-01-01', '--verify-only', '--backup-bucket', 'b-1', '--no-progress'], code: 2, message: /no AWS credentials found/, noCredentials: true },
  // matrix
  { name: 'matrix: no template', script: 'matrix', args: () => [], code: 2, message: /no template given/ },
  { name: 'matrix: an unknown --format', script: 'matrix', args: () => [CANONICAL, '--format', 'xml'], code: 2, message: /--format must be markdown or json, not 'xml'/ },
  { name: 'matrix: an unknown --partition', script: 'matrix', args: () => [CANONICAL, '--partition', 'mars'], code: 2, message: /--partition must be one of aws, aws-cn, aws-us-gov, not 'mars'/ },
  { name: 'matrix: a --param without "="', script: 'matrix', args: () => [CANONICAL, '--param', 'Environment'], code: 2, message: /--param takes Name=Value, not 'Environment'/ },
  { name: 'matrix: a template that is not a backup stack', script: 'matrix', args: () => [TEMPLATES.notBackupStack], code: 2, message: /no AWS::Lambda::Function/ },
  { name: 'matrix: a YAML alias bomb', script: 'matrix', args: () => [TEMPLATES.aliasBomb], code: 2, message: /not usable YAML: Excessive alias count/ },
  // localstack
  { name: 'localstack: no command', script: 'localstack', args: () => [], code: 2, message: /no command given: use up, status, down or image/ },
  { name: 'localstack: an unknown command', script: 'localstack', args: () => ['restart'], code: 2, message: /unknown command 'restart'/ },
  { name: 'localstack: a port out of range', script: 'localstack', args: () => ['up', '--port', '99999'], code: 2, message: /--port 99999 is not a port number/ },
  // start
  { name: 'start: --documents that is not a number', script: 'start', args: () => ['--documents', 'many'], code: 2, message: /"many" is not a whole number of at least 1/ },
  { name: 'start: an unknown option', script: 'start', args: () => ['--fast'], code: 2, message: /unknown option '--fast'/ },
];

/** What LocalStack holds that a CLI could have changed: stacks and buckets. */
async function snapshot(target: AwsTarget): Promise<{ stacks: string[]; buckets: string[] }> {
  const cfn = new CloudFormationClient(clientConfig(target));
  const s3 = new S3Client(clientConfig(target));
  try {
    const stacks = (await cfn.send(new ListStacksCommand({}))).StackSummaries ?? [];
    const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
    return { stacks: stacks.map((s) => `${s.StackName}:${s.StackStatus}`).sort(), buckets: buckets.map((b) => b.Name!).sort() };
  } finally {
    cfn.destroy();
    s3.destroy();
  }
}

test.describe('bad input to the CLIs', () => {
  const runs = new Map<string, CliRun>();
  let before: Awaited<ReturnType<typeof snapshot>>;

  // The CLIs run as child processes, three at a time (most of their time is tsx start-up); each test
  // then judges one run.
  test.beforeAll(async ({ target, ownStack }) => {
    test.setTimeout(240_000);
    before = await snapshot(target);
    const ctx: CliContext = { endpoint: target.endpoint!, stackName: ownStack.stackName, stackBucket: ownStack.backupBucket, sourceBucket: ownStack.sourceBucket };
    await runAll(CLI_CASES, async (c) => void runs.set(c.name, await runCli(c.script, c.args(ctx), { noCredentials: c.noCredentials ?? false })), 3);
  });

  for (const c of CLI_CASES) {
    test(c.name, () => {
      // One line saying what is wrong, `error: ...` (no usage hint on a second line, no stack trace).
      expectOneLineError(runs.get(c.name)!, c.code, c.message);
    });
  }

  test('the rejected CLI requests changed nothing in LocalStack', async ({ target }) => {
    const after = await snapshot(target);
    expect(after).toEqual(before);
    expect(after.buckets).not.toContain('reliability-never-created');
  });
});

// ---------------------------------------------------------------- the template loader itself

test.describe('bad input to the template loader', () => {
  const cases: [string, string, RegExp][] = [
    ['YAML that is not a template', TEMPLATES.notTemplate, /not a CloudFormation template/],
    ['broken JSON', TEMPLATES.brokenJson, /not valid JSON/],
    ['an unknown tag', TEMPLATES.unknownTag, /unknown YAML tag/],
    ['a very large file', TEMPLATES.veryLarge, /larger than the \d+-byte limit/],
    ['an alias bomb', TEMPLATES.aliasBomb, /not usable YAML: Excessive alias count/],
  ];
  for (const [name, path, message] of cases) {
    test(`loadTemplate: ${name} is a one-line TemplateLoadError`, async () => {
      const started = performance.now();
      const err = await loadTemplate(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TemplateLoadError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
      // Refused quickly: the large file is never parsed, the bomb never expanded.
      expect(performance.now() - started).toBeLessThan(2000);
    });
  }
});

// ---------------------------------------------------------------- the deployed function's events

const EVENTS: [string, unknown, RegExp][] = [
  ['null', null, /^Invalid event: expected a JSON object, got null$/],
  ['an array', [{ date: '2031-05-01' }], /^Invalid event: expected a JSON object, got an array$/],
  ['a string', 'backup please', /^Invalid event: expected a JSON object, got string$/],
  ['a number', 20310501, /^Invalid event: expected a JSON object, got number$/],
  ['a misspelt field', { date: '2031-05-01', dryrun: true }, /^Invalid manual event .*Unrecognized key.*"dryrun"/],
  ['a month 13', { date: '2031-13-01' }, /^Invalid manual event .*date: is not a calendar date/],
  ['February 30th', { date: '2031-02-30' }, /^Invalid manual event .*date: is not a calendar date/],
  ['a date that is a number', { date: 20310501 }, /^Invalid manual event .*date: .*expected string/i],
  ['dryRun as a string', { dryRun: 'yes' }, /^Invalid manual event .*dryRun: .*expected boolean/i],
  ['an absolute prefix', { prefix: '/docs/' }, /^Invalid manual event .*prefix: must not start with "\/"/],
  ['a prefix over 1024 bytes', { prefix: 'p'.repeat(1100) }, /^Invalid manual event .*prefix: must be at most 1024 bytes/],
  ['concurrency 0', { concurrency: 0 }, /^Invalid manual event .*concurrency: must be at least 1/],
  ['a scheduled event from another source', { ...scheduledEvent(new Date('2031-05-01T02:00:00Z')), source: 'aws.s3' }, /^Invalid scheduled event: source: /],
  ['a scheduled event without time', (() => { const e = scheduledEvent(new Date('2031-05-01T02:00:00Z')); delete e['time']; return e; })(), /^Invalid scheduled event: time: /],
  ['a scheduled event with a bad time', { ...scheduledEvent(new Date('2031-05-01T02:00:00Z')), time: 'yesterday' }, /^Invalid scheduled event: time: /],
];

test.describe('bad events to the deployed function', () => {
  let versionsBefore = 0;
  // The function is as deployed: tests that change it do so through the ownFunction fixture, which puts it back.
  test.beforeAll(async ({ ownStack, s3 }) => {
    versionsBefore = (await listVersions(s3, ownStack.backupBucket, '')).length;
  });

  for (const [name, event, message] of EVENTS) {
    test(`event: ${name} is a named function error with one line`, async ({ ownStack, target }) => {
      const out = await invokeBackup(target, ownStack.outputs['BackupLambdaName']!, event);
      expect(out.functionError, JSON.stringify(out.payload)).toBe('Unhandled');
      expect(out.payload['errorType']).toBe('InvalidEventError');
      const errorMessage = String(out.payload['errorMessage']);
      expect(errorMessage).toMatch(message);
      expect(errorMessage).not.toContain('\n');
      expect(errorMessage).not.toMatch(/\bat .+:\d+:\d+/);
    });
  }

  test('the rejected events wrote nothing: no backup, no manifest', async ({ ownStack, s3 }) => {
    expect((await listVersions(s3, ownStack.backupBucket, '')).length).toBe(versionsBefore);
    expect(await listVersions(s3, ownStack.backupBucket, 'manifests/2031-05-01/')).toEqual([]);
  });
});
