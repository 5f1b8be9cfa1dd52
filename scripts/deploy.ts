// `npm run deploy -- --environment dev --bucket-name NAME --source-bucket NAME [--endpoint URL] [--stack-name NAME] [--gate]`
// Exit 0 deployed (or nothing to change), 1 the deployment failed (each failed resource named) or --gate's
// change-set gate failed (nothing deployed), 2 unusable input:
// a bad flag, a template that is not one, an endpoint that is unreachable or not AWS, no credentials, a source
// bucket that does not exist, a backup bucket name that is another stack's or another account's. Input is checked
// before anything is built, uploaded or changed (checkDeployInput in lib/deploy.ts).
import { Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { CANONICAL_TEMPLATE, defaultStackName, deployStack, DeployError, DeployInputError, DEPLOY_PARAMETERS, ENVIRONMENTS, type EnvironmentName } from './lib/deploy.ts';
import { GateInputError, renderTable, runGate, StackNotDeployedError, verdictLines } from './lib/gate/gate.ts';
import { DEFAULT_REGION } from './lib/aws/clients.ts';
import { loadTemplate, TemplateLoadError } from './lib/cfn/template.ts';
import { bucketNameArg, cliProgram, endpointUrlArg, failAndExit, internalError, progressReporter, userPath } from './lib/cli.ts';

// The backup bucket has no dots (TLS virtual-host addressing); the source may be any valid name.
const BACKUP_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

const program = cliProgram('npm run deploy --', 'Package the backup Lambda, upload it and create or update the stack through a change set.')
  .addOption(new Option('--environment <env>', 'deployment environment').choices(ENVIRONMENTS).makeOptionMandatory())
  .requiredOption('--bucket-name <name>', 'name of the backup bucket to create', bucketNameArg(BACKUP_BUCKET))
  .requiredOption('--source-bucket <name>', 'existing bucket whose documents are backed up', bucketNameArg())
  .option('--source-prefix <prefix>', 'key prefix inside the source bucket (ends with /)', '')
  .option('--stack-name <name>', 'stack name (default: document-backup-<environment>)')
  .option('--endpoint <url>', 'LocalStack (or other) endpoint; default: real AWS with the default credential chain', endpointUrlArg)
  .option('--region <region>', 'AWS region', process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULT_REGION)
  .option('--artifact-bucket <name>', 'bucket for the Lambda package (created when missing)', bucketNameArg())
  .option('--alarm-email <address>', 'e-mail subscribed to the alarm topic')
  .option('--break-glass-role <name>', 'IAM role (name, with its path) the backup bucket policy lets lift or shorten Object Lock retention; default: none')
  .option('--template <path>', 'template to deploy (default: the canonical template); relative to where you ran npm')
  .option('--gate', 'run the change-set gate (npm run gate) against the deployed stack first; deploy nothing when it fails')
  .option('--allow-replace <logicalId...>', 'with --gate: stateful resources whose replacement or removal is intended', (id: string, previous: string[]) => [...previous, id], [])
  .option('--no-progress', 'no progress bar');

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
  breakGlassRole?: string;
  template?: string;
  gate?: boolean;
  allowReplace: string[];
  progress: boolean;
}>();

if (opts.allowReplace.length > 0 && !opts.gate) failAndExit('--allow-replace is for the gate: add --gate', 2);
if (opts.sourcePrefix && !opts.sourcePrefix.endsWith('/')) failAndExit(`--source-prefix must end with "/" (got "${opts.sourcePrefix}")`, 2);
// Checked before any work: a template that cannot be read, or is not a template deploy can use, must not leave a
// Lambda package uploaded behind it (deployStack checks it again, with the endpoint and the buckets).
const templatePath = opts.template === undefined ? undefined : userPath(opts.template);
if (templatePath) {
  try {
    const template = await loadTemplate(templatePath);
    const undeclared = DEPLOY_PARAMETERS.filter((name) => !(name in template.parameters));
    if (undeclared.length > 0) failAndExit(`--template ${templatePath}: not a template deploy can use: it declares no parameter ${undeclared.join(', ')}`, 2);
  } catch (error) {
    if (error instanceof TemplateLoadError) failAndExit(`--template ${error.message}`, 2);
    throw error;
  }
}

const target = { endpoint: opts.endpoint ?? process.env.LOCALSTACK_ENDPOINT, region: opts.region };
if (opts.gate) await gateFirst();

/**
 * The gate with the parameter values this deploy passes (the Lambda code key keeps the stack's current value:
 * the new package is not built yet, and a code change replaces nothing). Its table and verdict go to stderr
 * (stdout is the outputs JSON). A stack not deployed yet has nothing to lose: said, and created.
 */
async function gateFirst(): Promise<void> {
  const path = templatePath ?? CANONICAL_TEMPLATE;
  const stackName = opts.stackName ?? defaultStackName(opts.environment);
  try {
    const templateBody = await readFile(path, 'utf8');
    const result = await runGate({
      target,
      stackName,
      templateBody,
      template: await loadTemplate(path),
      parameters: {
        Environment: opts.environment,
        BackupBucketName: opts.bucketName,
        SourceBucketName: opts.sourceBucket,
        SourcePrefix: opts.sourcePrefix,
        AlarmEmail: opts.alarmEmail ?? '',
        ...(opts.breakGlassRole === undefined ? {} : { BreakGlassRoleName: opts.breakGlassRole }),
        ...(opts.artifactBucket ? { LambdaCodeBucket: opts.artifactBucket } : {}),
      },
      allowReplace: opts.allowReplace,
    });
    process.stderr.write(renderTable(result));
    for (const line of verdictLines(result)) process.stderr.write(`${line}\n`);
    if (!result.passes) failAndExit(`the gate failed: stack ${stackName} was not deployed (see above; add --allow-replace LOGICAL_ID for an intended replacement)`, 1);
  } catch (error) {
    if (error instanceof StackNotDeployedError) {
      process.stderr.write(`gate: ${error.message.replace(/; deploy it first.*$/, '')}: nothing deployed to replace, remove or widen; deploying creates it\n`);
      return;
    }
    if (error instanceof GateInputError || error instanceof TemplateLoadError) failAndExit(error.message, 2);
    internalError(error);
  }
}

const progress = progressReporter(opts.progress, 'deploy');
try {
  const result = await deployStack({
    target,
    environment: opts.environment,
    bucketName: opts.bucketName,
    sourceBucket: opts.sourceBucket,
    sourcePrefix: opts.sourcePrefix,
    ...(opts.stackName ? { stackName: opts.stackName } : {}),
    ...(opts.artifactBucket ? { artifactBucket: opts.artifactBucket } : {}),
    ...(opts.alarmEmail ? { alarmEmail: opts.alarmEmail } : {}),
    ...(opts.breakGlassRole === undefined ? {} : { breakGlassRoleName: opts.breakGlassRole }),
    ...(templatePath ? { templatePath } : {}),
    onProgress: progress.update,
  });
  progress.stop();
  process.stderr.write(`${result.stackName}: ${result.status}${result.changed ? '' : ' (no changes)'}\n`);
  process.stdout.write(`${JSON.stringify(result.outputs, null, 2)}\n`);
} catch (error) {
  progress.stop();
  if (error instanceof DeployInputError) failAndExit(error.message, 2);
  if (error instanceof DeployError) {
    for (const f of error.failures) process.stderr.write(`  ${f.logicalId} (${f.type}) ${f.status}: ${f.reason}\n`);
    failAndExit(error.message, 1);
  }
  internalError(error);
}
