// The main job (`npm start`): embedded LocalStack up, stack deployed, fixture documents seeded, the backup
// invoked through the Lambda API, a report printed, LocalStack down (unless --keep).
import { GetObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { LocalStackError, startLocalStack, type LocalStackHandle } from './lib/localstack/launcher.ts';
import { clientConfig, DEFAULT_REGION, type AwsTarget } from './lib/aws/clients.ts';
import { createBucket, uniqueName } from './lib/aws/resources.ts';
import { deployStack, DeployError, requireOutput } from './lib/deploy.ts';
import { invokeBackup, readBackupMetrics, scheduledEvent } from './lib/invoke.ts';
import { cliProgram, failAndExit, progressReporter, wholeNumberArg } from './lib/cli.ts';
import { generateDocuments, seedDocuments } from '../fixtures/documents/generate.ts';
import { restoreDrill } from './lib/restore.ts';
import { recordState } from './lib/localstack/state.ts';

const positiveInt = wholeNumberArg(1);

const program = cliProgram('npm start --', 'Deploy the stack into an embedded LocalStack, back up fixture documents and print the report.')
  .option('--documents <n>', 'how many fixture documents to back up', positiveInt, 500)
  .option('--seed <n>', 'seed of the deterministic document generator', positiveInt, 1)
  .option('--drill <n>', 'how many of the backed-up documents the closing restore drill restores and checks', positiveInt, 25)
  .option('--keep', 'leave LocalStack and the stack running and print how to reach them', false)
  .option('--no-progress', 'no progress bars');
program.parse();
const opts = program.opts<{ documents: number; seed: number; drill: number; keep: boolean; progress: boolean }>();

const fmtBytes = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
const log = (message: string) => process.stderr.write(`[start] ${message}\n`);

let localstack: LocalStackHandle | undefined;
let exitCode = 0;
let failure: string | undefined;
try {
  log('starting LocalStack...');
  // Kept instances are recorded like `npm run localstack -- up`, so `npm run localstack -- down` stops them.
  localstack = await startLocalStack({ persist: opts.keep, ...(opts.keep ? { onSpawn: recordState } : {}) });
  const target: AwsTarget = { endpoint: localstack.endpoint, region: DEFAULT_REGION };
  log(`LocalStack (${localstack.mode}) at ${localstack.endpoint}`);

  const sourceBucket = uniqueName('documents-source');
  const backupBucket = uniqueName('documents-backup');
  await createBucket(target, sourceBucket);
  const progress = progressReporter(opts.progress, 'start');
  const deployed = await deployStack({
    target,
    environment: 'dev',
    bucketName: backupBucket,
    sourceBucket,
    stackName: 'document-backup-dev',
    onProgress: progress.update,
  });
  progress.stop();
  log(`stack ${deployed.stackName}: ${deployed.status}`);

  const s3 = new S3Client(clientConfig(target));
  const documents = generateDocuments({ count: opts.documents, seed: opts.seed });
  const seeding = progressReporter(opts.progress, 'seed');
  const seeded = await seedDocuments(s3, sourceBucket, documents, {
    concurrency: 32,
    onProgress: (done: number) => seeding.update({ phase: 'seed', message: 'documents', completed: done, total: opts.documents }),
  });
  seeding.stop();
  log(`seeded ${opts.documents} documents into s3://${sourceBucket}`);

  const functionName = requireOutput(deployed, 'BackupLambdaName');
  const runTime = new Date();
  const metricsFrom = new Date(runTime.getTime() - 60_000);
  log(`invoking ${functionName} with a scheduled event...`);
  const outcome = await invokeBackup(target, functionName, scheduledEvent(runTime));
  const summary = outcome.payload as {
    runId?: string; runDate?: string; status?: string; manifestKey?: string; durationMs?: number; bytesCopied?: number;
    counts?: { listed: number; copied: number; unchanged: number; failed: number };
  };
  const metrics = await readBackupMetrics(target, 'dev', metricsFrom, new Date(Date.now() + 60_000));

  const durationMs = summary.durationMs ?? outcome.elapsedMs;
  const counts = summary.counts;
  const lines = [
    '',
    'Document backup report',
    '======================',
    `stack              ${deployed.stackName} (${deployed.status}) in LocalStack ${localstack.endpoint}`,
    `source             s3://${sourceBucket} (${opts.documents} documents, ${fmtBytes(seeded?.bytes ?? 0)})`,
    `backup             s3://${backupBucket}/backups/${summary.runDate ?? '?'}/`,
    `run                ${summary.runId ?? '?'} status ${summary.status ?? outcome.functionError ?? '?'}`,
    `documents          copied ${counts?.copied ?? '?'}, unchanged ${counts?.unchanged ?? '?'}, failed ${counts?.failed ?? '?'} (listed ${counts?.listed ?? '?'})`,
    `bytes copied       ${summary.bytesCopied ?? '?'} (${fmtBytes(summary.bytesCopied ?? 0)})`,
    `duration           ${(durationMs / 1000).toFixed(2)} s (invoke round trip ${(outcome.elapsedMs / 1000).toFixed(2)} s)`,
    `throughput         ${counts ? ((counts.copied + counts.unchanged) / (durationMs / 1000)).toFixed(1) : '?'} documents/s, ${((summary.bytesCopied ?? 0) / 1024 / 1024 / (durationMs / 1000)).toFixed(2)} MiB/s`,
    `manifest           s3://${backupBucket}/${summary.manifestKey ?? '?'}`,
    `metrics            ${Object.entries(metrics).map(([k, v]) => `${k}=${v ?? 'none'}`).join(', ')}`,
  ];
  if (outcome.functionError) lines.push(`function error     ${JSON.stringify(outcome.payload)}`);
  if (outcome.functionError || (counts?.failed ?? 1) > 0) exitCode = 1;

  // A backup is only as good as its restore: restore a sample into a scratch bucket and check checksums.
  if (summary.runDate && summary.manifestKey) {
    const drill = await restoreDrill(target, { backupBucket, date: summary.runDate, sample: Math.min(opts.drill, counts?.copied ?? opts.drill) });
    lines.push(
      `restore drill      ${drill.restored} of ${drill.sampled} sampled documents restored and checksum-verified, ` +
        `${drill.mismatched} mismatched, ${drill.missing} missing (${(drill.durationMs / 1000).toFixed(2)} s)`,
    );
    if (!drill.ok) exitCode = 1;
  }
  // What protects the backups in the stack itself: the bucket's Object Lock, and the deployed verifier run once now.
  const lock = (await s3.send(new GetObjectLockConfigurationCommand({ Bucket: backupBucket }))).ObjectLockConfiguration;
  const retention = lock?.Rule?.DefaultRetention;
  lines.push(`object lock        ${lock?.ObjectLockEnabled === 'Enabled' && retention ? `${retention.Mode}, ${retention.Days ?? retention.Years} ${retention.Days ? 'days' : 'years'} default retention on every backup version` : 'NOT enabled'}`);
  if (lock?.ObjectLockEnabled !== 'Enabled' || !retention) exitCode = 1;
  const verification = await invokeBackup(target, requireOutput(deployed, 'VerifierLambdaName'), scheduledEvent(runTime));
  const verified = verification.payload as { result?: string; checked?: number; failed?: number; manifestKey?: string; evidenceKey?: string };
  lines.push(
    verification.functionError
      ? `restore verifier   FAILED: ${String(verification.payload['errorMessage'] ?? JSON.stringify(verification.payload))}`
      : `restore verifier   ${verified.result}: ${verified.checked} entries of s3://${backupBucket}/${verified.manifestKey} checked against S3's SHA-256 (no download), ${verified.failed} failed; evidence s3://${backupBucket}/${verified.evidenceKey}`,
  );
  if (verification.functionError || verified.result !== 'passed') exitCode = 1;
  s3.destroy();
  process.stdout.write(`${lines.join('\n')}\n`);

  if (opts.keep) {
    process.stdout.write(
      [
        '',
        'LocalStack and the stack keep running (--keep):',
        `  export LOCALSTACK_ENDPOINT=${localstack.endpoint}`,
        `  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test .venv/bin/aws --endpoint-url ${localstack.endpoint} s3 ls s3://${backupBucket}/ --recursive`,
        `  npm run localstack -- down   # when done`,
        '',
      ].join('\n'),
    );
  }
} catch (error) {
  if (error instanceof DeployError) {
    for (const f of error.failures) process.stderr.write(`  ${f.logicalId} (${f.type}) ${f.status}: ${f.reason}\n`);
  }
  failure = (error as Error).message;
  // LocalStack that cannot start (no venv, a Docker engine that cannot pull) is an unusable environment.
  exitCode = error instanceof LocalStackError ? 2 : 1;
} finally {
  if (localstack && !opts.keep) {
    log('stopping LocalStack...');
    await localstack.stop();
  }
}
if (exitCode) failAndExit(failure ?? 'the backup run did not succeed (see above)', exitCode);
