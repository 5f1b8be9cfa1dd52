// `npm run gate -- --stack NAME --template FILE [--parameters K=V ...] [--parameters-file F] [--endpoint URL]
//  [--region R] [--allow-replace LOGICAL_ID ...]`
// The change-set safety gate (scripts/lib/gate): creates a change set for the deployed stack, prints it as a
// table (stdout), deletes it and never executes it. Exit codes:
//   0  nothing stateful is replaced or removed (or only what --allow-replace names) and no permission widens
//   1  a stateful resource (S3 bucket, KMS key or alias, log group, SQS queue) would be replaced or removed, or
//      a row of the permission matrix became allowed, or the matrix could not evaluate the new template fully
//   2  unusable input, nothing changed: a bad flag, a template or parameters file that is not one, a parameter
//      the template does not declare or refuses, a stack that does not exist, an unreachable endpoint, an
//      --allow-replace id that is no resource of either template, a change set CloudFormation refuses
import { readFile } from 'node:fs/promises';
import { DEFAULT_REGION } from './lib/aws/clients.ts';
import { InputError, parameterWord, readParametersFile } from './lib/check-inputs.ts';
import { loadTemplate, TemplateLoadError } from './lib/cfn/template.ts';
import { cliProgram, endpointUrlArg, failAndExit, internalError, userPath } from './lib/cli.ts';
import { GateInputError, renderTable, runGate, verdictLines } from './lib/gate/gate.ts';

interface Options {
  stack: string;
  template?: string;
  parameters: Record<string, string>;
  parametersFile?: string;
  endpoint?: string;
  region: string;
  allowReplace: string[];
}

async function main(): Promise<number> {
  const program = cliProgram('npm run gate --', 'Show what updating a deployed stack to a template would do (a change set, deleted, never executed) and fail on lost state or wider permissions.')
    .requiredOption('--stack <name>', 'the deployed stack to compare with')
    .option('--template <file>', 'the new template (default: the template-file-path of a --parameters-file deployment file); relative to where you ran npm')
    .option('--parameters <Key=Value...>', 'parameter values (or ParameterKey=K,ParameterValue=V); the others keep the stack\'s current values', parameterWord, {})
    .option('--parameters-file <file>', 'parameter values from a CloudFormation CLI JSON file or a cfn-lint deployment file; --parameters override it')
    .option('--endpoint <url>', 'LocalStack (or other) endpoint; default: LOCALSTACK_ENDPOINT, else real AWS with the default credential chain', endpointUrlArg)
    .option('--region <region>', 'AWS region', process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULT_REGION)
    .option('--allow-replace <logicalId...>', 'stateful resources whose replacement or removal is intended', (id: string, previous: string[]) => [...previous, id], []);
  program.parse();
  const opts = program.opts<Options>();

  let templateBody: string;
  let template;
  let parameters: Record<string, string>;
  try {
    const fromFile = opts.parametersFile === undefined ? undefined : await readParametersFile(userPath(opts.parametersFile), opts.parametersFile);
    parameters = { ...fromFile?.values, ...opts.parameters };
    // As check does: a cfn-lint deployment file names its template; --template, when given, is the one judged.
    const given = opts.template ?? fromFile?.template;
    if (given === undefined) failAndExit('no template given: pass --template FILE (or a --parameters-file deployment file that names one)', 2);
    const path = userPath(given);
    template = await loadTemplate(path);
    templateBody = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof TemplateLoadError || error instanceof InputError) failAndExit(error.message, 2);
    throw error;
  }

  try {
    const result = await runGate({
      target: { endpoint: opts.endpoint ?? process.env.LOCALSTACK_ENDPOINT, region: opts.region },
      stackName: opts.stack,
      templateBody,
      template,
      parameters,
      allowReplace: opts.allowReplace,
    });
    process.stdout.write(renderTable(result));
    for (const line of verdictLines(result)) process.stderr.write(`${line}\n`);
    return result.passes ? 0 : 1;
  } catch (error) {
    if (error instanceof GateInputError) failAndExit(error.message, 2);
    throw error;
  }
}

// exitCode, not process.exit(): a piped stdout is written asynchronously and exit() would cut it short.
main().then((code) => {
  process.exitCode = code;
}, internalError);
