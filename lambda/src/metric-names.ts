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


/** The restore verifier's metrics, in the same namespace and dimension as the backup's. */
export const VERIFY_METRIC = {
  /** 1 when every checked entry matched its backup object, else 0; alarm on < 1 (or missing data) over 26 h. */
  RestoreVerified: 'RestoreVerified',
  /** Entries whose backup object is missing, another version, or another checksum or size (plus a run-level failure). */
  VerificationFailures: 'VerificationFailures',
  /** Checked entries that matched their backup object. */
  DocumentsVerified: 'DocumentsVerified',
} as const;
