import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum, type StandardUnit } from '@aws-sdk/client-cloudwatch';
import { describeError } from './errors.ts';

export { METRICS_NAMESPACE, ENVIRONMENT_DIMENSION, METRIC, VERIFY_METRIC } from './metric-names.ts';
import { ENVIRONMENT_DIMENSION, METRIC, VERIFY_METRIC } from './metric-names.ts';

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
export type VerifyMetricName = (typeof VERIFY_METRIC)[keyof typeof VERIFY_METRIC];

export const METRIC_UNITS: Record<MetricName, StandardUnit> = {
  DocumentsCopied: 'Count',
  DocumentsUnchanged: 'Count',
  DocumentsFailed: 'Count',
  BytesCopied: 'Bytes',
  RunDuration: 'Milliseconds',
  BackupSucceeded: 'Count',
};

export const VERIFY_METRIC_UNITS: Record<VerifyMetricName, StandardUnit> = {
  RestoreVerified: 'Count',
  VerificationFailures: 'Count',
  DocumentsVerified: 'Count',
};

/** One datum per named value, each with the Environment dimension and its unit. */
function metricData<N extends string>(values: Record<N, number>, units: Record<N, StandardUnit>, environment: string, timestamp: Date): MetricDatum[] {
  return (Object.keys(values) as N[]).map((name) => ({
    MetricName: name,
    Dimensions: [{ Name: ENVIRONMENT_DIMENSION, Value: environment }],
    Unit: units[name],
    Value: values[name],
    Timestamp: timestamp,
  }));
}

export interface RunMetrics {
  copied: number;
  unchanged: number;
  failed: number;
  bytesCopied: number;
  durationMs: number;
  succeeded: boolean;
}

export function buildMetricData(run: RunMetrics, environment: string, timestamp: Date): MetricDatum[] {
  const values: Record<MetricName, number> = {
    DocumentsCopied: run.copied,
    DocumentsUnchanged: run.unchanged,
    DocumentsFailed: run.failed,
    BytesCopied: run.bytesCopied,
    RunDuration: run.durationMs,
    BackupSucceeded: run.succeeded ? 1 : 0,
  };
  return metricData(values, METRIC_UNITS, environment, timestamp);
}

export function buildVerifyMetricData(run: { verified: boolean; failures: number; matched: number }, environment: string, timestamp: Date): MetricDatum[] {
  const values: Record<VerifyMetricName, number> = {
    RestoreVerified: run.verified ? 1 : 0,
    VerificationFailures: run.failures,
    DocumentsVerified: run.matched,
  };
  return metricData(values, VERIFY_METRIC_UNITS, environment, timestamp);
}

export type MetricsOutcome = { metricsPublished: true } | { metricsPublished: false; metricsError: string };

/**
 * One batched PutMetricData call (six data points fit well within its 1000-datum limit). Never throws:
 * the documents are already backed up by the time metrics are sent, and losing a data point must not
 * turn a good backup into a failed invocation.
 */
export async function publishMetrics(cloudwatch: CloudWatchClient, namespace: string, data: MetricDatum[]): Promise<MetricsOutcome> {
  try {
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data }));
    return { metricsPublished: true };
  } catch (err) {
    const { code, message } = describeError(err);
    return { metricsPublished: false, metricsError: `${code}: ${message}` };
  }
}
