// The change-set safety gate (issue #17) against a deployed stack of its own: it passes an unchanged template,
// stops a change that renames the backup bucket (unless --allow-replace names it) and one that lets the backup
// role delete objects, refuses a stack that does not exist and an unreachable endpoint with one line, and after
// every run the stack is exactly as it was: same template, same status and update time, same physical ids,
// no change set left behind. `deploy --gate` deploys nothing when the gate fails.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, ListChangeSetsCommand } from '@aws-sdk/client-cloudformation';
import { test, expect } from '../fixtures.ts';
import { clientConfig, type AwsTarget } from '../../scripts/lib/aws/clients.ts';
import { physicalIdsOf } from '../../scripts/lib/aws/resources.ts';
import { expectOneLineError, ROOT, runCli, type CliRun } from '../support/cli.ts';
import { scratchDir } from '../support/scratch.ts';
import type { DeployedStack } from '../support/stack.ts';

const CANONICAL = join(ROOT, 'template', 'backup-stack.yaml');
const dir = scratchDir('gate-spec-');

/** The canonical template with one edit; the edit must apply (a template that no longer has the line fails here). */
function variant(name: string, from: RegExp | string, to: string): string {
  const text = readFileSync(CANONICAL, 'utf8');
  const changed = text.replace(from, to);
  expect(changed, `${name}: the edit applies to the canonical template`).not.toBe(text);
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, changed);
  return path;
}

interface Snapshot {
  template: string;
  status: string;
  updated: string;
  physicalIds: Record<string, string>;
  changeSets: string[];
}

async function snapshot(target: AwsTarget, stackName: string): Promise<Snapshot> {
  const cfn = new CloudFormationClient(clientConfig(target));
  try {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!;
    const template = (await cfn.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }))).TemplateBody ?? '';
    const changeSets = (await cfn.send(new ListChangeSetsCommand({ StackName: stackName }))).Summaries ?? [];
    return {
      template,
      status: stack.StackStatus ?? '',
      updated: String(stack.LastUpdatedTime ?? stack.CreationTime),
      physicalIds: await physicalIdsOf(target, stackName),
      changeSets: changeSets.map((c) => `${c.ChangeSetName} ${c.Status}`),
    };
  } finally {
    cfn.destroy();
  }
}

test.describe.configure({ mode: 'serial' });

test.describe('change-set gate', () => {
  let own: DeployedStack;
  let before: Snapshot;

  test.beforeAll(async ({ ownStacks, target }) => {
    own = await ownStacks.deploy({ prefix: 'gate' });
    before = await snapshot(target, own.stackName);
    expect(before.changeSets).toEqual([]);
  });

  // (d) Whatever the gate said, nothing was executed and nothing was left behind.
  test.afterEach(async ({ target }) => {
    expect(await snapshot(target, own.stackName)).toEqual(before);
  });

  const gate = (target: AwsTarget, ...args: string[]): Promise<CliRun> =>
    runCli('gate', ['--stack', own.stackName, '--endpoint', target.endpoint!, ...args], { timeoutMs: 120_000 });

  test('an unchanged template passes with "no changes"', async ({ target }) => {
    const run = await gate(target, '--template', CANONICAL);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`No changes: stack ${own.stackName} already matches the template and parameters.`);
    expect(run.stderr).toMatch(/^gate: passes: no changes; .* none of \d+ matrix rows became allowed; change set gate-\d+ deleted, not executed$/m);
  });

  test('renaming the backup bucket fails, naming it and the property, and passes with --allow-replace BackupBucket', async ({ target }) => {
    const renamed = variant('rename', 'BucketName: !Ref BackupBucketName', "BucketName: !Sub '${BackupBucketName}-renamed'");
    const run = await gate(target, '--template', renamed);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^Modify\s+BackupBucket\s+AWS::S3::Bucket\s+True\s+BucketName/m);
    // LocalStack lists only the bucket; the policy on it is replaced with it (computed from the schemas).
    expect(run.stdout).toMatch(/^Modify\s+BackupBucketPolicy\s+AWS::S3::BucketPolicy\s+True\s+Bucket \(BackupBucket is replaced\)/m);
    expect(run.stderr).toContain('gate: stateful: BackupBucket (AWS::S3::Bucket) would be replaced (BucketName)');
    expect(run.stderr).toMatch(/^gate: FAILS: 1 stateful resource\(s\) replaced or removed/m);

    const allowed = await gate(target, '--template', renamed, '--allow-replace', 'BackupBucket');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain('gate: allowed by --allow-replace: BackupBucket (AWS::S3::Bucket) would be replaced (BucketName)');
    expect(allowed.stderr).toMatch(/^gate: passes: 2 change\(s\)/m);
  });

  test('a parameter that renames the key alias and the log group fails on both', async ({ target }) => {
    const run = await gate(target, '--template', CANONICAL, '--parameters', 'Environment=prod');
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('gate: stateful: BackupKeyAlias (AWS::KMS::Alias) would be replaced (AliasName)');
    expect(run.stderr).toContain('gate: stateful: BackupLogGroup (AWS::Logs::LogGroup) would be replaced (LogGroupName)');
    expect(run.stderr).not.toContain('stateful: BackupBucket ');
  });

  test('adding s3:DeleteObject to the backup role fails, naming the rows that became allowed', async ({ target }) => {
    const widened = variant('delete', /(Sid: WriteBackupsAndManifests\n\s+Effect: Allow\n\s+Action:\n)(\s+)- s3:PutObject/, '$1$2- s3:PutObject\n$2- s3:DeleteObject');
    const run = await gate(target, '--template', widened);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^Modify\s+BackupPolicy\s+AWS::IAM::ManagedPolicy\s+False/m);
    expect(run.stderr).toMatch(/^gate: widened: became allowed: s3:DeleteObject on arn:aws:s3:::\S+\/backups\/\S+ by backup role \[role\.s3\.delete-backup\] - BackupPolicy#WriteBackupsAndManifests$/m);
    expect(run.stderr).toMatch(/\[role\.s3\.delete-manifest\]/);
    expect(run.stderr).not.toMatch(/gate: stateful/);
    expect(run.stderr).toMatch(/^gate: FAILS: 2 matrix row\(s\) became allowed \(1 change\(s\)\)/m);
  });

  test('deploy --gate deploys nothing when the gate fails', async ({ target }) => {
    const renamed = variant('rename-deploy', 'BucketName: !Ref BackupBucketName', "BucketName: !Sub '${BackupBucketName}-renamed'");
    const run = await runCli('deploy', [
      '--gate', '--environment', 'dev', '--bucket-name', own.backupBucket, '--source-bucket', own.sourceBucket, '--stack-name', own.stackName,
      '--endpoint', target.endpoint!, '--template', renamed, '--no-progress',
    ], { timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('gate: stateful: BackupBucket (AWS::S3::Bucket) would be replaced (BucketName)');
    expect(run.stderr).toMatch(/^error: the gate failed: stack \S+ was not deployed/m);
  });

  test('a stack that does not exist, an unreachable endpoint, an unknown --allow-replace id, a refused value, no template: exit 2, one line', async ({ target }) => {
    expectOneLineError(await runCli('gate', ['--stack', `${own.stackName}-missing`, '--template', CANONICAL, '--endpoint', target.endpoint!]), 2, /stack \S+-missing does not exist at http/);
    expectOneLineError(await runCli('gate', ['--stack', own.stackName, '--template', CANONICAL, '--endpoint', 'http://127.0.0.1:9']), 2, /cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
    expectOneLineError(await gate(target, '--template', CANONICAL, '--allow-replace', 'NoSuchBucket'), 2, /--allow-replace NoSuchBucket: no such resource/);
    expectOneLineError(await gate(target, '--template', CANONICAL, '--parameters', 'Environment=qa'), 2, /parameter Environment: 'qa' is not one of its AllowedValues/);
    expectOneLineError(await gate(target), 2, /no template given: pass --template FILE/);
  });
});
