// Named errors so callers (and Lambda's error reporting, which shows errorType) can tell failures apart
// without parsing messages. Every class keeps the underlying error as `cause`.

export class BackupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An environment variable is missing or malformed; raised once, at module load. */
export class ConfigError extends BackupError {
  constructor(
    message: string,
    readonly variable: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The invocation event is neither a scheduled event nor a valid manual request; raised before any work. */
export class InvalidEventError extends BackupError {}

/** An existing backup could not be read consistently (its HEAD and tags kept describing different versions). */
export class BackupReadError extends BackupError {}

/** The summary manifest (or its JSON Lines entries object) could not be written. */
export class ManifestWriteError extends BackupError {}

/**
 * The run finished but not every document is backed up (some failed, or the run stopped for time).
 * Thrown by the handler after the manifest and metrics are written, so the invocation is a function
 * error that alarms, async retries and the DLQ all see; `result` carries the full run summary.
 */
export class BackupIncompleteError extends BackupError {
  constructor(
    message: string,
    readonly result: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One-line description of any thrown value, for logs and manifest entries. */
export function describeError(err: unknown): { code: string; message: string; httpStatus?: number } {
  if (err instanceof Error) {
    // SDK service exceptions carry the HTTP status in $metadata; plain errors do not.
    const meta = (err as { $metadata?: { httpStatusCode?: number } }).$metadata;
    const code = (err as { Code?: string }).Code ?? err.name;
    const message = (err.message || code).replace(/\s+/g, ' ').trim();
    return meta?.httpStatusCode ? { code, message, httpStatus: meta.httpStatusCode } : { code, message };
  }
  return { code: 'Unknown', message: String(err) };
}

/**
 * The restore verification found a backup that does not match its manifest, or nothing it could verify.
 * Thrown after the evidence and the metrics are written, so the invocation is a function error too.
 */
export class VerificationFailedError extends BackupError {
  constructor(
    message: string,
    readonly result: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
