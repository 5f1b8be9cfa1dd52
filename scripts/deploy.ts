// `npm run deploy -- --environment dev --bucket-name NAME --source-bucket NAME [--endpoint URL] [--stack-name NAME]`
import { statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { deployStack, DeployError, ENVIRONMENTS, type EnvironmentName } from './lib/deploy.ts';
import { DEFAULT_REGION } from '../specs/support/aws.ts';
import { bucketNameArg, endpointUrlArg, failAndExit, progressReporter, usageErrorsExit2 } from './lib/cli.ts';

// The backup bucket has no dots (TLS virtual-host addressing); the source may be any valid name.
const BACKUP_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

const program = new Command()
  .name('npm run deploy --')
  .description('Package the backup Lambda, upload it and create or update the stack through a change set.')
  .addOption(new Option('--environment <env>', 'deployment environment').choices(ENVIRONMENTS).makeOptionMandatory())
  .requiredOption('--bucket-name <name>', 'name of the backup bucket to create', bucketNameArg(BACKUP_BUCKET))
  .requiredOption('--source-bucket <name>', 'existing bucket whose documents are backed up', bucketNameArg())
  .option('--source-prefix <prefix>', 'key prefix inside the source bucket (ends with /)', '')
  .option('--stack-name <name>', 'stack name (default: document-backup-<environment>)')
  .option('--endpoint <url>', 'LocalStack (or other) endpoint; default: real AWS with the default credential chain', endpointUrlArg)
  .option('--region <region>', 'AWS region', process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULT_REGION)
  .option('--artifact-bucket <name>', 'bucket for the Lambda package (created when missing)')
  .option('--alarm-email <address>', 'e-mail subscribed to the alarm topic')
  .option('--template <path>', 'template to deploy (default: the canonical template)')
  .option('--no-progress', 'no progress bar')
  .showHelpAfterError('(run with --help for usage)');
usageErrorsExit2(program);

program.parse();
const opts = program.opts<{
  environment: EnvironmentName;
  bucketName: string;
  sourceBucket: string;
  sourcePrefix: string;
  stackName?: string;
  endpoint?: string;
  region: string;
  artifactBucket?: string;
  alarmEmail?: string;
  template?: string;
  progress: boolean;
}>();

if (opts.sourcePrefix && !opts.sourcePrefix.endsWith('/')) failAndExit(`--source-prefix must end with "/" (got "${opts.sourcePrefix}")`, 2);
// Checked before any work: a template that cannot be read must not leave a Lambda package uploaded behind it.
if (opts.template) {
  try {
    if (!statSync(opts.template).isFile()) failAndExit(`--template ${opts.template} is not a file`, 2);
  } catch (error) {
    failAndExit(`--template ${opts.template}: cannot read the template (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`, 2);
  }
}

const progress = progressReporter(opts.progress, 'deploy');
try {
  const result = await deployStack({
    target: { endpoint: opts.endpoint ?? process.env.LOCALSTACK_ENDPOINT, region: opts.region },
    environment: opts.environment,
    bucketName: opts.bucketName,
    sourceBucket: opts.sourceBucket,
    sourcePrefix: opts.sourcePrefix,
    ...(opts.stackName ? { stackName: opts.stackName } : {}),
    ...(opts.artifactBucket ? { artifactBucket: opts.artifactBucket } : {}),
    ...(opts.alarmEmail ? { alarmEmail: opts.alarmEmail } : {}),
    ...(opts.template ? { templatePath: opts.template } : {}),
    onProgress: progress.update,
  });
  progress.stop();
  process.stderr.write(`${result.stackName}: ${result.status}${result.changed ? '' : ' (no changes)'}\n`);
  process.stdout.write(`${JSON.stringify(result.outputs, null, 2)}\n`);
} catch (error) {
  progress.stop();
  if (error instanceof DeployError) {
    for (const f of error.failures) process.stderr.write(`  ${f.logicalId} (${f.type}) ${f.status}: ${f.reason}\n`);
    failAndExit(error.message, 1);
  }
  throw error;
}
