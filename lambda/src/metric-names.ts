// The metric names alone, free of the SDK: the compliance rules import them to check the template's
// alarms, and loading the CloudWatch client just for three strings would slow every `npm run check`.
// The one place metric names live: the handler publishes them, the template's alarms and dashboards
// reference them, and the specs query them. Change a name here and everything follows.
export const METRICS_NAMESPACE = 'DocumentBackup';
export const ENVIRONMENT_DIMENSION = 'Environment';

export const METRIC = {
  DocumentsCopied: 'DocumentsCopied',
  DocumentsUnchanged: 'DocumentsUnchanged',
  DocumentsFailed: 'DocumentsFailed',
  BytesCopied: 'BytesCopied',
  RunDuration: 'RunDuration',
  /** 1 when the run is complete with no failed document, else 0; alarm on < 1 (or missing data). */
  BackupSucceeded: 'BackupSucceeded',
} as const;

