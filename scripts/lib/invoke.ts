// Invokes the deployed backup Lambda through the Lambda Invoke API (the one path used in every mode),
// and reads back what the run published.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { StandardUnit } from '@aws-sdk/client-cloudwatch';
import { METRIC_UNITS, METRICS_NAMESPACE, ENVIRONMENT_DIMENSION, VERIFY_METRIC_UNITS, type MetricName } from '../../lambda/src/metrics.ts';
import { clientConfig, type AwsTarget } from './aws/clients.ts';

export interface InvokeOutcome {
  /** Parsed JSON payload: the run summary, or `{ errorType, errorMessage }` for a function error. */
  payload: Record<string, unknown>;
  functionError?: string;
  statusCode: number;
  /** Lambda's request id, to find the invocation's REPORT line in its log group. */
  requestId?: string;
  /** Wall-clock time of the Invoke call as seen by the caller. */
  elapsedMs: number;
}

export function scheduledEvent(time: Date): Record<string, unknown> {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [],
    detail: {},
  };
}

/** Invokes a function of the stack (the backup or the verifier) and waits for its result. */
export async function invokeBackup(target: AwsTarget, functionName: string, event: unknown): Promise<InvokeOutcome> {
  // A backup may run for the function's whole timeout; the SDK's default socket timeout must not cut it short.
  const lambda = new LambdaClient({
    ...clientConfig(target),
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ requestTimeout: 16 * 60 * 1000, connectionTimeout: 10_000 }),
  });
  const started = performance.now();
  try {
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(event)) }),
    );
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    let payload: Record<string, unknown>;
    try {
      payload = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      payload = { raw: text };
    }
    return {
      payload,
      statusCode: out.StatusCode ?? 0,
      elapsedMs: performance.now() - started,
      ...(out.$metadata.requestId ? { requestId: out.$metadata.requestId } : {}),
      ...(out.FunctionError ? { functionError: out.FunctionError } : {}),
    };
  } finally {
    lambda.destroy();
  }
}

type Units<N extends string> = Record<N, StandardUnit>;

/**
 * The sum of each named metric over [start, end] in one namespace and Environment; undefined for a metric
 * without data points. With `units`, only data points published in the declared unit count.
 */
async function sumMetrics<N extends string>(
  cloudwatch: CloudWatchClient,
  query: { namespace: string; environment: string; start: Date; end: Date; units?: boolean },
  declared: Units<N>,
): Promise<Record<N, number | undefined>> {
  const names = Object.keys(declared) as N[];
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: query.start,
      EndTime: query.end,
      MetricDataQueries: names.map((name, i) => ({
        Id: `m${i}`,
        Label: name,
        MetricStat: {
          Metric: { Namespace: query.namespace, MetricName: name, Dimensions: [{ Name: ENVIRONMENT_DIMENSION, Value: query.environment }] },
          Period: 60,
          Stat: 'Sum',
          ...(query.units ? { Unit: declared[name] } : {}),
        },
        ReturnData: true,
      })),
    }),
  );
  const values = {} as Record<N, number | undefined>;
  names.forEach((name, i) => {
    const result = out.MetricDataResults?.find((r) => r.Id === `m${i}`);
    values[name] = result?.Values?.length ? result.Values.reduce((a, b) => a + b, 0) : undefined;
  });
  return values;
}

/** The backup's metrics summed over a window (see sumMetrics). */
export const sumBackupMetrics = (cloudwatch: CloudWatchClient, query: Parameters<typeof sumMetrics>[1]): Promise<Record<MetricName, number | undefined>> =>
  sumMetrics(cloudwatch, query, METRIC_UNITS);

async function readMetrics<N extends string>(target: AwsTarget, environment: string, start: Date, end: Date, declared: Units<N>): Promise<Record<N, number | undefined>> {
  const cloudwatch = new CloudWatchClient(clientConfig(target));
  try {
    return await sumMetrics(cloudwatch, { namespace: METRICS_NAMESPACE, environment, start, end }, declared);
  } finally {
    cloudwatch.destroy();
  }
}

/** Sums of each backup metric for one environment over a window, through GetMetricData. */
export const readBackupMetrics = (target: AwsTarget, environment: string, start: Date, end: Date) => readMetrics(target, environment, start, end, METRIC_UNITS);

/** Sums of the restore verifier's metrics for one environment over a window. */
export const readVerifyMetrics = (target: AwsTarget, environment: string, start: Date, end: Date) => readMetrics(target, environment, start, end, VERIFY_METRIC_UNITS);

export async function readJsonObject<T>(target: AwsTarget, bucket: string, key: string): Promise<T> {
  const s3 = new S3Client(clientConfig(target));
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await out.Body!.transformToString()) as T;
  } finally {
    s3.destroy();
  }
}
