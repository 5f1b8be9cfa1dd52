import { S3Client } from '@aws-sdk/client-s3';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Logger } from '@aws-lambda-powertools/logger';
import { withDirectCopy } from './direct-copy.ts';
import { runBackup, type BackupDeps, type BackupLogger, type BackupResult } from './backup.ts';
import type { BackupConfig, VerifyConfig } from './config.ts';
import { parseBackupEvent, parseVerifyEvent } from './events.ts';
import { BackupIncompleteError, ConfigError, InvalidEventError, VerificationFailedError } from './errors.ts';
import { runVerification, verificationMessage, type VerifyResult } from './verify.ts';

// The wiring behind handler.ts, kept importable without side effects so specs (and other entry points)
// can build a handler from an explicit config and clients.

export const SERVICE_NAME = 'document-backup';
export const VERIFY_SERVICE_NAME = 'document-backup-verifier';

export function createLogger(config: Pick<BackupConfig, 'logLevel' | 'environment'>, serviceName = SERVICE_NAME): Logger {
  return new Logger({ serviceName, logLevel: config.logLevel, persistentKeys: { environment: config.environment } });
}

/**
 * Where the clients talk and as whom, for callers that do not go through the environment (specs pointing the
 * Lambda's clients at LocalStack or a fault proxy). The handler passes none: the SDK then reads endpoint, region
 * and credentials from process.env at a client's first request, as in the deployed function.
 */
export interface ClientBase {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Path-style S3 addressing (LocalStack); ignored by CloudWatch. */
  forcePathStyle?: boolean;
}

/**
 * SDK clients for the Lambda. "adaptive" retry = standard retry (exponential backoff with full jitter
 * on throttling, 5xx and transient network errors) plus a client-side rate limiter that slows the whole
 * client down once S3 starts throttling. The documents' copies bypass it (direct-copy.ts: standard retries
 * only, each throttled copy backing off on its own within the copy window); listing, HEADs, multipart and
 * manifests keep it. `base` goes under the function's own retry and socket settings, never over them.
 */
export function createClients(
  config: Pick<BackupConfig, 'copyConcurrency' | 'multipartPartConcurrency'>,
  env: Record<string, string | undefined>,
  base: ClientBase = {},
) {
  const { forcePathStyle, ...common } = base;
  // The SDK reads AWS_ENDPOINT_URL(_S3) itself; LocalStack additionally needs path-style addressing.
  const customEndpoint = Boolean(env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3);
  // Enough sockets for every document in the window to run a multipart copy's parts at once; the SDK
  // default of 50 would queue requests behind each other silently.
  const maxSockets = Math.max(50, config.copyConcurrency * Math.min(config.multipartPartConcurrency, 4));
  // cacheMiddleware (issue #18): without it every send() builds the command's middleware stack anew, a tenth of
  // the handler's CPU per document (bench A/B: 1.54 -> 1.40 ms per document, every round lower). The handler is
  // resolved once per command class; the catch is that middleware added to a client after its first send of that
  // class is not seen, and nothing in lambda/src adds any.
  const cacheMiddleware = true;
  const maxAttempts = 8;
  const sdk = new S3Client({
    ...common,
    cacheMiddleware,
    retryMode: 'adaptive',
    maxAttempts,
    forcePathStyle: customEndpoint || (forcePathStyle ?? false),
    requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets, keepAlive: true }, httpsAgent: { maxSockets, keepAlive: true } }),
  });
  // Each document's CopyObject without the SDK's middleware (issue #18; see direct-copy.ts), to the same endpoint.
  const endpoint = common.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const s3 = withDirectCopy(sdk, { ...(endpoint ? { endpoint } : {}), connections: maxSockets, maxAttempts });
  const cloudwatch = new CloudWatchClient({ ...common, cacheMiddleware, retryMode: 'adaptive', maxAttempts: 5 });
  return { s3, cloudwatch };
}

/** The subset of the Lambda context the handler uses (a full `Context` fits). */
export interface InvocationContext {
  getRemainingTimeInMillis?: () => number;
  awsRequestId?: string;
}

export interface HandlerDeps {
  config: BackupConfig;
  s3: S3Client;
  cloudwatch: CloudWatchClient;
  logger: BackupLogger;
  clock?: () => Date;
}

/** One line for the invocation error, naming what is missing and where the manifest is. */
export function incompleteMessage(result: BackupResult): string {
  const parts: string[] = [];
  const total = result.counts.listed;
  if (result.counts.failed > 0) parts.push(`${result.counts.failed} of ${total} documents failed`);
  if (result.stoppedForTime) parts.push(`stopped for time after ${total} documents; invoke again for ${result.runDate} to resume`);
  if (result.error) parts.push(`${result.error.code}: ${result.error.message}`);
  parts.push(result.manifestUri ? `manifest ${result.manifestUri}` : 'no manifest written');
  return parts.join('; ');
}

/** Parses the event; a bad one is logged as one structured line (Lambda shows only the errorType) and rethrown. */
function parseLogged<T>(logger: BackupLogger, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InvalidEventError) logger.error(err.message, { errorType: err.name });
    throw err;
  }
}

export function createHandler(deps: HandlerDeps) {
  const { config, logger } = deps;
  return async (event: unknown, context?: InvocationContext): Promise<BackupResult> => {
    const clock = deps.clock ?? (() => new Date());
    const request = parseLogged(logger, () => parseBackupEvent(event, { sourcePrefix: config.sourcePrefix, now: clock() }));
    const backupDeps: BackupDeps = { s3: deps.s3, cloudwatch: deps.cloudwatch, logger, clock };
    const remaining = context?.getRemainingTimeInMillis?.bind(context);
    if (remaining) backupDeps.remainingTimeMs = remaining;
    const result = await runBackup(backupDeps, config, request);
    // A partial run is an error too: Lambda's async retry then re-invokes with the same event (same run
    // date), which resumes through idempotency instead of leaving the rest of the day un-backed-up.
    if (result.status !== 'complete') throw new BackupIncompleteError(incompleteMessage(result), result);
    return result;
  };
}

export interface VerifyHandlerDeps extends Omit<HandlerDeps, 'config'> {
  config: VerifyConfig;
}

/** The verifier's handler: a failed verification is a function error, after its evidence and metrics are written. */
export function createVerifyHandler(deps: VerifyHandlerDeps) {
  const { config, logger } = deps;
  return async (event: unknown, context?: InvocationContext): Promise<VerifyResult> => {
    const request = parseLogged(logger, () => parseVerifyEvent(event));
    const remaining = context?.getRemainingTimeInMillis?.bind(context);
    const result = await runVerification(
      { s3: deps.s3, cloudwatch: deps.cloudwatch, logger, ...(deps.clock ? { clock: deps.clock } : {}), ...(remaining ? { remainingTimeMs: remaining } : {}) },
      config,
      request,
    );
    if (result.result !== 'passed') {
      const error = new VerificationFailedError(verificationMessage(result), result);
      logger.error(error.message, { errorType: error.name, evidenceKey: result.evidenceKey, failures: result.failures.slice(0, 20) });
      throw error;
    }
    logger.info('restore verified', { evidenceKey: result.evidenceKey, manifestKey: result.manifestKey, checked: result.checked });
    return result;
  };
}

/**
 * Builds an entry's handler once per execution environment (cold start), not per invocation. A bad
 * environment fails the init with one line naming the variable; the logger is not configured yet, so the
 * line is written structured like the rest of the logs.
 */
export function initEntry<T>(build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof ConfigError) console.error(JSON.stringify({ level: 'ERROR', message: err.message, errorType: err.name, variable: err.variable }));
    throw err;
  }
}
