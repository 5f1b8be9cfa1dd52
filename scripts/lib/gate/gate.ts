// The change-set safety gate (issue #17): what an update of a deployed stack to a new template would do, judged
// before anyone executes it. It creates a change set (the template body, the given parameters, the stack's
// current values for the others, deploy's capabilities), waits for it, reads it, and deletes it: it never
// executes one. It fails when the update would replace or remove a stateful resource not allowed by name, or
// would widen what the policies allow (the permission matrix of the deployed template against the new one).
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { S3Client } from '@aws-sdk/client-s3';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  GetTemplateCommand,
  type Change,
  type DescribeChangeSetCommandOutput,
  type Parameter,
} from '@aws-sdk/client-cloudformation';
import { clientConfig, type AwsTarget } from '../aws/clients.ts';
import { describeStack, IN_PROGRESS } from '../aws/resources.ts';
import { parseTemplate, TemplateLoadError, type Template } from '../cfn/template.ts';
import { describeConnectionError } from '../deploy/input.ts';
import { DEPLOY_CAPABILITIES, defaultArtifactBucket } from '../deploy/types.ts';
import { templateSource } from '../deploy/artifacts.ts';
import type { MatrixRow } from '../matrix/matrix.ts';
import { parameterValueProblem, parameterValuesProblem } from '../parameters.ts';
import { computeChanges, GateInputError, type ComputedChange } from './replacement.ts';
import { compareMatrices, wideningLine } from './widening.ts';

export { GateInputError };

/** The stack is not there (or has never been deployed): `deploy --gate` creates it; the gate alone exits 2. */
export class StackNotDeployedError extends GateInputError {}

/** What holds data or a name others depend on: replacing or removing one loses backups, keys or history. */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set(['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::KMS::Alias', 'AWS::Logs::LogGroup', 'AWS::SQS::Queue']);

export interface GateOptions {
  target: AwsTarget;
  stackName: string;
  /** The new template, as read (its body goes to CloudFormation unchanged) and parsed. */
  templateBody: string;
  template: Template;
  /** Values given by the user; every other parameter keeps the stack's current value (or takes its Default). */
  parameters: Record<string, string>;
  /** Logical ids whose replacement or removal is intended. */
  allowReplace: readonly string[];
  /** How long to wait for the change set (default 5 minutes). */
  timeoutMs?: number;
}

export interface GateRow {
  action: string;
  logicalId: string;
  type: string;
  /** 'True', 'Conditional', 'False', or '-' for an addition or removal. */
  replacement: string;
  causes: string[];
  /** Where the change set and the computed diff disagree (the stricter is shown). */
  note?: string;
}

export interface GateResult {
  stackName: string;
  changeSetName: string;
  /** CloudFormation found nothing to change. */
  empty: boolean;
  rows: GateRow[];
  /** Stateful resources replaced or removed, not allowed: each fails the gate. */
  blocked: GateRow[];
  /** Stateful resources replaced or removed that --allow-replace names. */
  allowed: GateRow[];
  widened: MatrixRow[];
  /** What the new template's matrix could not evaluate: fails closed. */
  incomplete: string[];
  matrixRows: number;
  passes: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const NO_CHANGES = /didn't contain changes|No updates are to be performed|no changes/i;
/** Stacks with no deployed template to compare with (a first create that failed, a change set never executed). */
const NOT_DEPLOYED = new Set(['ROLLBACK_COMPLETE', 'REVIEW_IN_PROGRESS', 'DELETE_COMPLETE']);
/** Stacks that still hold resources but cannot be updated: refused, never taken for "nothing deployed". */
const STUCK = new Set(['ROLLBACK_FAILED', 'DELETE_FAILED', 'UPDATE_ROLLBACK_FAILED']);
/** CloudFormation's refusals of a request (bad template or parameters, missing permission): unusable input, exit 2. */
const REFUSED = /^(ValidationError|AccessDenied|AccessDeniedException|InsufficientCapabilitiesException|AlreadyExistsException|LimitExceededException)$/;

/** The values each side resolves with, and the Parameters the change set is given. */
function parameterPlan(template: Template, given: Record<string, string>, previous: Record<string, string>): { values: Record<string, string>; parameters: Parameter[] } {
  const problem = parameterValuesProblem(template, given);
  if (problem) throw new GateInputError(problem);
  const values: Record<string, string> = {};
  const parameters: Parameter[] = [];
  for (const [name, definition] of Object.entries(template.parameters)) {
    if (name in given) {
      values[name] = given[name]!;
      parameters.push({ ParameterKey: name, ParameterValue: given[name]! });
    } else if (name in previous) {
      // The new template may constrain the parameter more tightly than the deployed one did.
      const refused = parameterValueProblem(name, definition, previous[name]!);
      if (refused) throw new GateInputError(`the stack's current value does not fit the new template: ${refused}; give one with --parameters`);
      values[name] = previous[name]!;
      parameters.push({ ParameterKey: name, UsePreviousValue: true });
    } else if (definition['Default'] !== undefined) {
      values[name] = String(definition['Default']);
    } else {
      throw new GateInputError(`parameter ${name} is new in the template and has no Default: give it with --parameters ${name}=VALUE`);
    }
  }
  return { values, parameters };
}

async function waitForChangeSet(cfn: CloudFormationClient, stackName: string, name: string, timeoutMs: number): Promise<{ empty: boolean; changes: Change[] }> {
  const deadline = Date.now() + timeoutMs;
  let first: DescribeChangeSetCommandOutput;
  for (;;) {
    first = await cfn.send(new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: name }));
    if (first.Status === 'CREATE_COMPLETE') break;
    if (first.Status === 'FAILED') {
      const reason = first.StatusReason ?? 'no reason given';
      if (NO_CHANGES.test(reason)) return { empty: true, changes: [] };
      throw new GateInputError(`CloudFormation refused the change set for stack ${stackName}: ${reason}`);
    }
    if (Date.now() > deadline) throw new Error(`change set ${name} was not ready within ${timeoutMs} ms (last: ${first.Status})`);
    await sleep(500);
  }
  const changes = [...(first.Changes ?? [])];
  for (let token = first.NextToken; token; ) {
    const page = await cfn.send(new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: name, NextToken: token }));
    changes.push(...(page.Changes ?? []));
    token = page.NextToken;
  }
  return { empty: changes.length === 0, changes };
}

const STRICTNESS = ['-', 'False', 'Conditional', 'True'];
const stricter = (a: string, b: string) => (STRICTNESS.indexOf(a) >= STRICTNESS.indexOf(b) ? a : b);

/** One row per resource: the change set's view and the computed one, the stricter replacement winning. */
export function mergeChanges(changes: readonly Change[], computed: readonly ComputedChange[]): GateRow[] {
  const rows = new Map<string, GateRow>();
  for (const change of changes) {
    const rc = change.ResourceChange;
    if (!rc?.LogicalResourceId) continue;
    const causes = (rc.Details ?? [])
      .filter((d) => d.Target?.RequiresRecreation && d.Target.RequiresRecreation !== 'Never' && d.Target.Name)
      .map((d) => d.Target!.Name!);
    const action = rc.Action ?? 'Modify';
    rows.set(rc.LogicalResourceId, {
      action,
      logicalId: rc.LogicalResourceId,
      type: rc.ResourceType ?? '',
      replacement: action === 'Modify' ? (rc.Replacement ?? 'False') : '-',
      causes: [...new Set(causes)],
    });
  }
  for (const c of computed) {
    const row = rows.get(c.logicalId);
    const replacement = c.replaced ? 'True' : '-';
    if (!row) {
      rows.set(c.logicalId, { action: c.action, logicalId: c.logicalId, type: c.type, replacement, causes: c.causes, note: 'computed; not in the change set' });
      continue;
    }
    if (row.action !== 'Modify') continue;
    if (c.replaced && row.replacement !== 'True') row.note = `computed from the schemas' create-only properties; the change set said ${row.replacement}`;
    row.replacement = stricter(row.replacement, replacement);
    row.causes = [...new Set([...row.causes, ...c.causes])];
  }
  return [...rows.values()];
}

/** Replaced (or possibly replaced) or removed: the physical resource and what it holds go away. */
const destroys = (row: GateRow) => row.action === 'Remove' || row.replacement === 'True' || row.replacement === 'Conditional';

/** The stateful resources the rows replace (possibly) or remove: blocked, or allowed by name. */
export function judgeStateful(rows: readonly GateRow[], allowReplace: readonly string[]): { blocked: GateRow[]; allowed: GateRow[] } {
  const risky = rows.filter((r) => STATEFUL_TYPES.has(r.type) && destroys(r));
  return { blocked: risky.filter((r) => !allowReplace.includes(r.logicalId)), allowed: risky.filter((r) => allowReplace.includes(r.logicalId)) };
}

export async function runGate(options: GateOptions): Promise<GateResult> {
  const { target } = options;
  // Fail fast on an endpoint that is not there, instead of waiting on the OS connect timeout.
  const cfn = new CloudFormationClient({
    ...clientConfig(target),
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30_000 }),
    maxAttempts: 2,
  });
  const changeSet = { name: `gate-${Date.now()}`, created: false };
  let result: GateResult | undefined;
  let failure: unknown;
  try {
    result = await inspect(cfn, options, changeSet);
  } catch (error) {
    failure = error;
  }
  // Never executed, and not left behind either (a FAILED change set stays in AWS until it is deleted).
  if (changeSet.created) {
    try {
      await cfn.send(new DeleteChangeSetCommand({ StackName: options.stackName, ChangeSetName: changeSet.name }));
    } catch (error) {
      // Not there (the create was refused before it made one): nothing to say. Anything else is said, whatever failed first.
      const missing = /NotFound/.test((error as Error).name) || /does not exist|not found/i.test((error as Error).message);
      if (!missing) {
        process.stderr.write(`gate: could not delete change set ${changeSet.name} of stack ${options.stackName}: ${(error as Error).message}; delete it by hand\n`);
        failure ??= new Error(`could not delete change set ${changeSet.name} of stack ${options.stackName}`);
      }
    }
  }
  cfn.destroy();
  if (failure === undefined) return result!;
  if (failure instanceof GateInputError) throw failure;
  if (failure instanceof Error && REFUSED.test(failure.name)) throw new GateInputError(`CloudFormation refused it: ${failure.message.split('\n')[0]}`, { cause: failure });
  const line = describeConnectionError(failure, target);
  if (line) throw new GateInputError(line, { cause: failure });
  throw failure;
}

/** The artifact bucket the stack was deployed from (its code is there) takes a template too large to go inline. */
async function gateTemplateSource(target: AwsTarget, stackId: string | undefined, previous: Record<string, string>, body: string) {
  const account = /^arn:[^:]+:cloudformation:[^:]*:(\d{12}):/.exec(stackId ?? '')?.[1] ?? '000000000000';
  const s3 = new S3Client(clientConfig(target));
  try {
    return await templateSource(s3, previous['LambdaCodeBucket'] || defaultArtifactBucket(account, target.region), target.region, body);
  } finally {
    s3.destroy();
  }
}

async function inspect(cfn: CloudFormationClient, options: GateOptions, changeSet: { name: string; created: boolean }): Promise<GateResult> {
  const { target, stackName } = options;
  const changeSetName = changeSet.name;
  const stack = await describeStack(cfn, stackName);
  const where = target.endpoint ? ` at ${target.endpoint}` : ` in ${target.region}`;
  if (!stack) throw new StackNotDeployedError(`stack ${stackName} does not exist${where}; deploy it first (the gate compares with a deployed stack)`);
  const status = stack.StackStatus ?? '';
  if (NOT_DEPLOYED.has(status)) throw new StackNotDeployedError(`stack ${stackName} is ${status}: it has no deployed template to compare with`);
  if (STUCK.has(status)) throw new GateInputError(`stack ${stackName} is ${status}: it cannot be updated until that is resolved`);
  if (IN_PROGRESS.test(status)) throw new GateInputError(`stack ${stackName} is busy (${status}); run the gate when it has finished`);

  const previous: Record<string, string> = {};
  for (const p of stack.Parameters ?? []) if (p.ParameterKey) previous[p.ParameterKey] = p.ParameterValue ?? '';
  const body = (await cfn.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }))).TemplateBody ?? '';
  const plan = parameterPlan(options.template, options.parameters, previous);
  let deployed: Template;
  let template: Template;
  try {
    // Each side read with the values it deploys with: a Fn::ForEach over a parameter loops over those.
    deployed = parseTemplate(body, `the deployed template of ${stackName}`, undefined, previous);
    template = parseTemplate(options.templateBody, options.template.source, options.template.format, plan.values);
  } catch (error) {
    if (error instanceof TemplateLoadError) throw new GateInputError(error.message, { cause: error });
    throw error;
  }
  const unknown = options.allowReplace.filter((id) => !(id in deployed.resources) && !(id in template.resources));
  if (unknown.length > 0) {
    throw new GateInputError(`--allow-replace ${unknown.join(', ')}: no such resource in the deployed or the new template (logical ids: ${Object.keys(deployed.resources).join(', ')})`);
  }

  // Marked before the send: when the response is lost after CloudFormation made it, it is still deleted.
  changeSet.created = true;
  await cfn.send(
    new CreateChangeSetCommand({
      StackName: stackName,
      ChangeSetName: changeSetName,
      ChangeSetType: 'UPDATE',
      ...(await gateTemplateSource(target, stack.StackId, previous, options.templateBody)),
      Parameters: plan.parameters,
      Capabilities: [...DEPLOY_CAPABILITIES],
      Description: 'document-backup gate: inspected and deleted, never executed',
    }),
  );
  const { empty, changes } = await waitForChangeSet(cfn, stackName, changeSetName, options.timeoutMs ?? 300_000);

  const before = { template: deployed, parameters: previous };
  const after = { template, parameters: plan.values };
  const rows = mergeChanges(changes, computeChanges(before, after));
  const widening = await compareMatrices(before, after, stackName);
  const { blocked, allowed } = judgeStateful(rows, options.allowReplace);
  return {
    stackName,
    changeSetName,
    empty: empty && rows.length === 0,
    rows,
    blocked,
    allowed,
    widened: widening.widened,
    incomplete: widening.incomplete,
    matrixRows: widening.rows,
    passes: blocked.length === 0 && widening.widened.length === 0 && widening.incomplete.length === 0,
  };
}

/** The change set as a table (stdout): action, logical id, type, replacement, the properties that cause it. */
export function renderTable(result: GateResult): string {
  if (result.rows.length === 0) return `No changes: stack ${result.stackName} already matches the template and parameters.\n`;
  const header = ['action', 'logical id', 'type', 'replacement', 'caused by'];
  const body = result.rows.map((r) => [r.action, r.logicalId, r.type, r.replacement, [r.causes.join(', ') || '-', r.note ? `[${r.note}]` : ''].filter(Boolean).join(' ')]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [`Change set ${result.changeSetName} for stack ${result.stackName} (deleted, not executed): ${result.rows.length} change(s)`, line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n';
}

/** The verdict (stderr): each blocked, allowed and widened finding on a line, then one summary line. */
export function verdictLines(result: GateResult): string[] {
  const lines: string[] = [];
  const what = (r: GateRow) => `${r.logicalId} (${r.type}) would be ${r.action === 'Remove' ? 'removed' : r.replacement === 'True' ? 'replaced' : 'possibly replaced'}${r.causes.length > 0 ? ` (${r.causes.join(', ')})` : ''}`;
  for (const r of result.blocked) lines.push(`gate: stateful: ${what(r)}; its data and name go with it (pass --allow-replace ${r.logicalId} if that is intended)`);
  for (const r of result.allowed) lines.push(`gate: allowed by --allow-replace: ${what(r)}`);
  for (const r of result.widened) lines.push(`gate: widened: ${wideningLine(r)}`);
  for (const i of result.incomplete) lines.push(`gate: fails closed: ${i}`);
  const changes = result.rows.length === 0 ? 'no changes' : `${result.rows.length} change(s)`;
  if (result.passes) {
    lines.push(`gate: passes: ${changes}; no stateful resource replaced or removed${result.allowed.length > 0 ? ' except those allowed' : ''}; none of ${result.matrixRows} matrix rows became allowed; change set ${result.changeSetName} deleted, not executed`);
  } else {
    const why = [
      result.blocked.length > 0 ? `${result.blocked.length} stateful resource(s) replaced or removed` : '',
      result.widened.length > 0 ? `${result.widened.length} matrix row(s) became allowed` : '',
      result.incomplete.length > 0 ? 'the matrix could not evaluate the new template fully' : '',
    ].filter(Boolean);
    lines.push(`gate: FAILS: ${why.join('; ')} (${changes}); change set ${result.changeSetName} deleted, not executed`);
  }
  return lines;
}
