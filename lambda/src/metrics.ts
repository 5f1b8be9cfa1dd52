import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum, type StandardUnit } from '@aws-sdk/client-cloudwatch';
import { describeError } from './errors.ts';

export { METRICS_NAMESPACE, ENVIRONMENT_DIMENSION, METRIC } from './metric-names.ts';
import { ENVIRONMENT_DIMENSION, METRIC } from './metric-names.ts';

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

export const METRIC_UNITS: Record<MetricName, StandardUnit> = {
  DocumentsCopied: 'Count',
  DocumentsUnchanged: 'Count',
  DocumentsFailed: 'Count',
  BytesCopied: 'Bytes',
  RunDuration: 'Milliseconds',
  BackupSucceeded: 'Count',
};

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
  return (Object.keys(values) as MetricName[]).map((name) => ({
    MetricName: name,
    Dimensions: [{ Name: ENVIRONMENT_DIMENSION, Value: environment }],
    Unit: METRIC_UNITS[name],
    Value: values[name],
    Timestamp: timestamp,
  }));
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
