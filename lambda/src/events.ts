import { z } from 'zod';
import { S3_LIMITS } from './config.ts';
import { InvalidEventError } from './errors.ts';

/** What the core is asked to do, whichever event asked for it. */
export interface BackupRequest {
  trigger: 'scheduled' | 'manual';
  /** UTC calendar date, YYYY-MM-DD: names the backup folder and the manifest folder. */
  runDate: string;
  /** Full key prefix to list; always starts with SOURCE_PREFIX. */
  prefix: string;
  dryRun: boolean;
  /**
   * Manual events only: documents in flight for this run instead of COPY_CONCURRENCY (load runs and
   * benchmarks sweep it without redeploying; the stack's configured value stays the default).
   */
  concurrency?: number;
}

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((d) => {
    // The regex check above does not stop refinements from running, so guard the invalid-Date case too.
    const t = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().startsWith(d);
  }, 'is not a calendar date');

// EventBridge adds fields over time (version, id, account, region, resources...): only the ones the
// run depends on are checked, the rest pass through.
export const ScheduledEventSchema = z.looseObject({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  time: z.iso.datetime({ offset: true }),
});

// Strict: a misspelt field (say "dryrun") must be rejected, not silently ignored into a real run.
export const ManualEventSchema = z.strictObject({
  date: isoDate.optional(),
  prefix: z
    .string()
    .refine((p) => !p.startsWith('/'), 'must not start with "/"')
    .refine((p) => Buffer.byteLength(p) <= S3_LIMITS.maxKeyBytes, 'must be at most 1024 bytes')
    .optional(),
  dryRun: z.boolean().optional(),
  // Same bounds as COPY_CONCURRENCY (config.ts).
  concurrency: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000').optional(),
});

export type ScheduledEvent = z.infer<typeof ScheduledEventSchema>;
export type ManualEvent = z.infer<typeof ManualEventSchema>;

/** The UTC calendar date of a moment, YYYY-MM-DD. */
export const utcDate = (d: Date) => d.toISOString().slice(0, 10);

function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/**
 * Turns an invocation event into a BackupRequest, or throws InvalidEventError before any work.
 * `prefix` in a manual event is a full key prefix and must lie within SOURCE_PREFIX, so a manual run
 * can narrow the backup but never reach outside what the stack was set up to copy.
 */
export function parseBackupEvent(event: unknown, opts: { sourcePrefix: string; now: Date }): BackupRequest {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new InvalidEventError(`Invalid event: expected a JSON object, got ${event === null ? 'null' : Array.isArray(event) ? 'an array' : typeof event}`);
  }
  if ('source' in event || 'detail-type' in event) {
    const parsed = ScheduledEventSchema.safeParse(event);
    if (!parsed.success) throw new InvalidEventError(`Invalid scheduled event: ${summarize(parsed.error)}`, { cause: parsed.error });
    return { trigger: 'scheduled', runDate: utcDate(new Date(parsed.data.time)), prefix: opts.sourcePrefix, dryRun: false };
  }
  const parsed = ManualEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidEventError(
      `Invalid manual event (expected {"date"?: "YYYY-MM-DD", "prefix"?: string, "dryRun"?: boolean, "concurrency"?: 1-1000}): ${summarize(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  const prefix = parsed.data.prefix ?? opts.sourcePrefix;
  if (!prefix.startsWith(opts.sourcePrefix)) {
    throw new InvalidEventError(`Invalid manual event: prefix ${JSON.stringify(prefix)} is outside SOURCE_PREFIX ${JSON.stringify(opts.sourcePrefix)}`);
  }
  const request: BackupRequest = { trigger: 'manual', runDate: parsed.data.date ?? utcDate(opts.now), prefix, dryRun: parsed.data.dryRun ?? false };
  if (parsed.data.concurrency !== undefined) request.concurrency = parsed.data.concurrency;
  return request;
}

/** What the restore verifier is asked to check. */
export interface VerifyRequest {
  trigger: 'scheduled' | 'manual';
  /**
   * Scheduled only: the UTC date of the event. The day's proof is that day's scheduled backup, so the newest
   * scheduled run of this date is verified, and none is a failure (a manual or narrower run never stands in).
   */
  runDate?: string;
  /** A summary manifest's key; absent = the newest manifest of the backup bucket (scheduled: of `runDate`). */
  manifestKey?: string;
  /** Entries to check, overriding VERIFY_SAMPLE_SIZE (0 = every entry). */
  sample?: number;
}

export const ManualVerifyEventSchema = z.strictObject({
  manifest: z
    .string()
    .regex(/^manifests\/\d{4}-\d{2}-\d{2}\/[^/]+\.json$/, 'must be a summary manifest key (manifests/YYYY-MM-DD/<run id>.json)')
    .optional(),
  sample: z.number().int('must be a whole number').min(0, 'must be at least 0').max(1_000_000, 'must be at most 1000000').optional(),
});

/** A scheduled event verifies the newest manifest; a manual one may name the manifest and the sample. */
export function parseVerifyEvent(event: unknown): VerifyRequest {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new InvalidEventError(`Invalid event: expected a JSON object, got ${event === null ? 'null' : Array.isArray(event) ? 'an array' : typeof event}`);
  }
  if ('source' in event || 'detail-type' in event) {
    const parsed = ScheduledEventSchema.safeParse(event);
    if (!parsed.success) throw new InvalidEventError(`Invalid scheduled event: ${summarize(parsed.error)}`, { cause: parsed.error });
    return { trigger: 'scheduled', runDate: utcDate(new Date(parsed.data.time)) };
  }
  const parsed = ManualVerifyEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidEventError(`Invalid manual event (expected {"manifest"?: "manifests/YYYY-MM-DD/<run id>.json", "sample"?: 0-1000000}): ${summarize(parsed.error)}`, { cause: parsed.error });
  }
  return {
    trigger: 'manual',
    ...(parsed.data.manifest !== undefined ? { manifestKey: parsed.data.manifest } : {}),
    ...(parsed.data.sample !== undefined ? { sample: parsed.data.sample } : {}),
  };
}
