// Small helpers for the localstack-ext specs: deploy a fixture template through the CloudFormation API,
// build a Lambda zip in memory, poll for eventually consistent results (logs).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { PROJECT_ROOT } from '../../../scripts/lib/localstack/launcher.ts';
import { failedResources, stackOutputs, waitForStack } from '../../../scripts/lib/aws/resources.ts';

export const TEMPLATES = path.join(PROJECT_ROOT, 'fixtures', 'templates', 'localstack');

type Parameters = Record<string, string>;

function toParameters(parameters: Parameters) {
  return Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}

/** The stack's outputs once it settles in `goal`; any other end names the failed resources and why. */
async function settledIn(cfn: CloudFormationClient, stackName: string, goal: string, since: Date): Promise<Record<string, string>> {
  const stack = await waitForStack(cfn, stackName, { since, pollMs: 250, timeoutMs: 120_000 });
  const status = stack?.StackStatus ?? 'gone';
  if (stack && status === goal) return stackOutputs(stack);
  const reasons = (await failedResources(cfn, stackName, since).catch(() => [])).map((f) => `${f.logicalId}: ${f.reason}`);
  const why = stack?.StackStatusReason ? `: ${stack.StackStatusReason}` : '';
  throw new Error(`stack ${stackName} is ${status}, expected ${goal}${why}\n${reasons.join('\n')}`);
}

/** Creates the stack from a fixture template and returns its outputs once CREATE_COMPLETE. */
export async function createStack(
  cfn: CloudFormationClient,
  stackName: string,
  templateFile: string,
  parameters: Parameters = {},
): Promise<Record<string, string>> {
  const since = new Date(Date.now() - 1000);
  await cfn.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: readFileSync(path.join(TEMPLATES, templateFile), 'utf8'),
      Parameters: toParameters(parameters),
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    }),
  );
  return settledIn(cfn, stackName, 'CREATE_COMPLETE', since);
}

/** Updates the stack with the same template and new parameter values. */
export async function updateStack(
  cfn: CloudFormationClient,
  stackName: string,
  templateFile: string,
  parameters: Parameters,
): Promise<Record<string, string>> {
  const since = new Date(Date.now() - 1000);
  await cfn.send(
    new UpdateStackCommand({
      StackName: stackName,
      TemplateBody: readFileSync(path.join(TEMPLATES, templateFile), 'utf8'),
      Parameters: toParameters(parameters),
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    }),
  );
  return settledIn(cfn, stackName, 'UPDATE_COMPLETE', since);
}

export async function deleteStack(cfn: CloudFormationClient, stackName: string): Promise<void> {
  await cfn.send(new DeleteStackCommand({ StackName: stackName }));
}

/** A zip archive (stored, no compression) of the given files: enough for Lambda code, no dependency. */
export function zipFiles(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const fileName = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by Unix, so the external attributes below are file modes
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** Polls until check returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
