// `npm run restore -- --date YYYY-MM-DD --to-bucket NAME [--to-prefix P] [--prefix P] [--verify-only]
//    [--stack-name NAME | --backup-bucket NAME] [--endpoint URL] [--region R] [--json]`
// Exit 0: everything restored (or verified) and matching; 1: a document mismatched, missing or failed,
// or the date's backup is incomplete; 2: bad input (arguments, unknown stack, no manifest, unreachable endpoint).
import { InvalidArgumentError } from 'commander';
import { S3Client } from '@aws-sdk/client-s3';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DEFAULT_REGION, clientConfig, type AwsTarget } from './lib/aws/clients.ts';
import { describeConnectionError } from './lib/deploy.ts';
import { bucketNameArg, cliProgram, endpointUrlArg, failAndExit, progressReporter, wholeNumberArg } from './lib/cli.ts';
import {
  assertRunDate,
  DEFAULT_CONCURRENCY,
  formatReport,
  locateFromBucket,
  locateFromStack,
  RestoreInputError,
  runRestore,
  type BackupLocation,
} from './lib/restore.ts';

const bucketName = bucketNameArg();
const runDate = (value: string) => {
  try {
    assertRunDate(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a calendar date as YYYY-MM-DD`);
  }
  return value;
};
const positiveInt = wholeNumberArg(1, 1000);
const endpointUrl = endpointUrlArg;

const program = cliProgram('npm run restore --', "Restore (or verify in place) one date's backup from its manifest, checking every document's checksum.")
  .requiredOption('--date <YYYY-MM-DD>', 'run date of the backup to restore', runDate)
  .option('--prefix <prefix>', 'only documents whose original key starts with this', '')
  .option('--to-bucket <name>', 'bucket to restore into (must exist; required unless --verify-only)', bucketName)
  .option('--to-prefix <prefix>', 'key prefix put before each restored key', '')
  .option('--verify-only', 'check the backup in place (presence, checksum, SSE-KMS key) and restore nothing', false)
  .option('--stack-name <name>', 'backup stack (its outputs give the backup bucket and key)')
  .option('--backup-bucket <name>', 'backup bucket, when there is no stack to read it from', bucketName)
  .option('--kms-key-arn <arn>', "expected SSE-KMS key for --verify-only (default: the stack's key, else the bucket's default key)")
  .option('--endpoint <url>', 'LocalStack (or other) endpoint; default: real AWS with the default credential chain', endpointUrl)
  .option('--region <region>', 'AWS region', process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULT_REGION)
  .option('--concurrency <n>', 'documents in flight', positiveInt, DEFAULT_CONCURRENCY)
  .option('--json', 'print the full report as JSON on stdout', false)
  .option('--no-progress', 'no progress bar');

program.parse();
const opts = program.opts<{
  date: string;
  prefix: string;
  toBucket?: string;
  toPrefix: string;
  verifyOnly: boolean;
  stackName?: string;
  backupBucket?: string;
  kmsKeyArn?: string;
  endpoint?: string;
  region: string;
  concurrency: number;
  json: boolean;
  progress: boolean;
}>();

if (!opts.stackName === !opts.backupBucket) failAndExit('pass exactly one of --stack-name or --backup-bucket', 2);
if (!opts.verifyOnly && !opts.toBucket) failAndExit('--to-bucket is required (or pass --verify-only to check the backup in place)', 2);
if (opts.verifyOnly && (opts.toBucket || opts.toPrefix)) failAndExit('--verify-only restores nothing; drop --to-bucket/--to-prefix', 2);

const target: AwsTarget = { endpoint: opts.endpoint ?? process.env.LOCALSTACK_ENDPOINT, region: opts.region };
// Fail fast on an endpoint that does not answer, instead of waiting on the OS connect timeout.
const requestHandler = new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 120_000 });
const s3 = new S3Client({ ...clientConfig(target), requestHandler, maxAttempts: 3 });
const cfn = new CloudFormationClient({ ...clientConfig(target), requestHandler, maxAttempts: 3 });
const progress = progressReporter(opts.progress, opts.verifyOnly ? 'verify' : 'restore');

let exitCode = 0;
try {
  let location: BackupLocation = opts.stackName ? await locateFromStack(cfn, opts.stackName) : await locateFromBucket(s3, opts.backupBucket!);
  if (opts.kmsKeyArn) location = { ...location, kmsKeyArn: opts.kmsKeyArn };
  const report = await runRestore(s3, {
    backupBucket: location.backupBucket,
    date: opts.date,
    prefix: opts.prefix,
    verifyOnly: opts.verifyOnly,
    concurrency: opts.concurrency,
    ...(opts.toBucket ? { toBucket: opts.toBucket, toPrefix: opts.toPrefix } : {}),
    ...(location.kmsKeyArn ? { kmsKeyArn: location.kmsKeyArn } : {}),
    onProgress: ({ completed, total, problems }) =>
      progress.update({ phase: opts.verifyOnly ? 'verifying' : 'restoring', message: problems ? `${problems} problem(s)` : '', completed, total }),
  });
  progress.stop();
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${formatReport(report)}\n`);
  exitCode = report.ok ? 0 : 1;
} catch (error) {
  progress.stop();
  if (error instanceof RestoreInputError) failAndExit(error.message, 2);
  const connection = describeConnectionError(error, target);
  if (connection) failAndExit(connection, 2);
  const name = (error as Error).name;
  if (name === 'AccessDenied' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403) {
    failAndExit(`access denied: ${(error as Error).message}; see "Who restores" in README.md for the permissions a restorer needs`, 2);
  }
  failAndExit(`${name}: ${(error as Error).message}`, 1);
} finally {
  s3.destroy();
  cfn.destroy();
}
process.exit(exitCode);
