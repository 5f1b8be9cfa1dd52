import { z } from 'zod';
import { ConfigError } from './errors.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** S3 limits the copy code depends on; exported so the specs and the template share one source. */
export const S3_LIMITS = {
  /** CopyObject copies at most 5 GiB in one request; above that only multipart copy works. */
  maxSingleCopyBytes: 5 * GiB,
  minPartBytes: 5 * MiB,
  maxPartBytes: 5 * GiB,
  maxParts: 10_000,
  maxKeyBytes: 1024,
} as const;

export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;

export interface BackupConfig {
  backupBucket: string;
  sourceBucket: string;
  /** Empty string means the whole bucket. */
  sourcePrefix: string;
  kmsKeyArn: string;
  environment: (typeof ENVIRONMENTS)[number];
  metricsNamespace: string;
  copyConcurrency: number;
  multipartThresholdBytes: number;
  multipartPartSizeBytes: number;
  /** UploadPartCopy requests in flight per multipart document. */
  multipartPartConcurrency: number;
  manifestInlineLimit: number;
  timeSafetyMarginMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
}

type VariableSpec<C> = { key: keyof C; schema: z.ZodType; default?: string; allowEmpty?: boolean };
type VariableTable<C> = Record<string, VariableSpec<C>>;

/** Reads a table of variables in order; the first missing or malformed one is a one-line ConfigError. */
function parseVariables<C>(env: Record<string, string | undefined>, table: VariableTable<C>): C {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    let raw = env[name];
    // CloudFormation passes unset optional parameters as "", so empty means "use the default".
    if (raw === undefined || (raw.trim() === '' && !spec.allowEmpty)) {
      if (spec.default === undefined) throw new ConfigError(`Environment variable ${name} is required`, name);
      raw = spec.default;
    }
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      const reason = parsed.error.issues[0]?.message ?? 'is invalid';
      throw new ConfigError(`Environment variable ${name} ${reason} (got ${JSON.stringify(raw)})`, name, { cause: parsed.error });
    }
    out[spec.key as string] = parsed.data;
  }
  return out as C;
}

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const bucketName = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)');

// One entry per variable, in the order they are checked: a failure names exactly one variable, and a
// variable without a default is required. Keeping the table flat (rather than one z.object over env)
// is what makes the one-line `Environment variable X ...` message possible.
const BACKUP_VARIABLES = {
  BACKUP_BUCKET: { key: 'backupBucket', schema: bucketName },
  SOURCE_BUCKET: { key: 'sourceBucket', schema: bucketName },
  SOURCE_PREFIX: {
    key: 'sourcePrefix',
    default: '',
    allowEmpty: true,
    schema: z
      .string()
      .refine((p) => !p.startsWith('/'), 'must not start with "/" (S3 keys have no leading slash)')
      .refine((p) => Buffer.byteLength(p) <= S3_LIMITS.maxKeyBytes, 'must be at most 1024 bytes'),
  },
  KMS_KEY_ARN: {
    key: 'kmsKeyArn',
    schema: z
      .string()
      .trim()
      .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/, 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)'),
  },
  ENVIRONMENT: { key: 'environment', schema: z.enum(ENVIRONMENTS, { error: `must be one of ${ENVIRONMENTS.join(', ')}` }) },
  METRICS_NAMESPACE: {
    key: 'metricsNamespace',
    default: 'DocumentBackup',
    schema: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._\-/#:]{1,255}$/, 'must be a CloudWatch namespace (1-255 of letters, digits, . _ - / # :)')
      .refine((ns) => !ns.startsWith('AWS/'), 'must not start with "AWS/" (reserved)'),
  },
  COPY_CONCURRENCY: { key: 'copyConcurrency', default: '16', schema: int(1, 1000) },
  MULTIPART_THRESHOLD_BYTES: {
    key: 'multipartThresholdBytes',
    default: String(256 * MiB),
    // Single-request CopyObject cannot go above 5 GiB, so the threshold cannot either.
    schema: int(S3_LIMITS.minPartBytes, S3_LIMITS.maxSingleCopyBytes),
  },
  MULTIPART_PART_SIZE_BYTES: {
    key: 'multipartPartSizeBytes',
    default: String(64 * MiB),
    schema: int(S3_LIMITS.minPartBytes, S3_LIMITS.maxPartBytes),
  },
  MULTIPART_PART_CONCURRENCY: { key: 'multipartPartConcurrency', default: '8', schema: int(1, 100) },
  MANIFEST_INLINE_LIMIT: { key: 'manifestInlineLimit', default: '1000', schema: int(0, 100_000) },
  TIME_SAFETY_MARGIN_MS: { key: 'timeSafetyMarginMs', default: '30000', schema: int(0, 900_000) },
  LOG_LEVEL: {
    key: 'logLevel',
    default: 'INFO',
    schema: z
      .string()
      .trim()
      .transform((s) => s.toUpperCase())
      .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })),
  },
} satisfies VariableTable<BackupConfig>;

export type ConfigVariable = keyof typeof BACKUP_VARIABLES;
export const CONFIG_VARIABLES = Object.keys(BACKUP_VARIABLES) as ConfigVariable[];

/**
 * Validates the Lambda's environment. Throws ConfigError with a single line naming the first bad
 * variable, e.g. `Environment variable BACKUP_BUCKET is required`.
 */
export function loadConfig(env: Record<string, string | undefined>): BackupConfig {
  const config = parseVariables<BackupConfig>(env, BACKUP_VARIABLES);
  if (config.multipartPartSizeBytes > config.multipartThresholdBytes) {
    throw new ConfigError(
      `Environment variable MULTIPART_PART_SIZE_BYTES must not exceed MULTIPART_THRESHOLD_BYTES (${config.multipartPartSizeBytes} > ${config.multipartThresholdBytes})`,
      'MULTIPART_PART_SIZE_BYTES',
    );
  }
  return config;
}

/** The restore verifier's settings: what it shares with the backup, plus how much of a manifest it checks. */
export interface VerifyConfig extends Pick<BackupConfig, 'backupBucket' | 'kmsKeyArn' | 'environment' | 'metricsNamespace' | 'logLevel'> {
  /** Entries checked per run: 0 checks every entry of the manifest, N a uniform random sample of N. */
  sampleSize: number;
  /** HEAD requests in flight. */
  concurrency: number;
}

// The shared entries are the backup's own, so both functions read a variable the same way.
const VERIFY_VARIABLES = {
  BACKUP_BUCKET: BACKUP_VARIABLES.BACKUP_BUCKET,
  KMS_KEY_ARN: BACKUP_VARIABLES.KMS_KEY_ARN,
  ENVIRONMENT: BACKUP_VARIABLES.ENVIRONMENT,
  METRICS_NAMESPACE: BACKUP_VARIABLES.METRICS_NAMESPACE,
  VERIFY_SAMPLE_SIZE: { key: 'sampleSize', default: '0', schema: int(0, 1_000_000) },
  VERIFY_CONCURRENCY: { key: 'concurrency', default: '32', schema: int(1, 1000) },
  LOG_LEVEL: BACKUP_VARIABLES.LOG_LEVEL,
} satisfies VariableTable<VerifyConfig>;

export const VERIFY_CONFIG_VARIABLES = Object.keys(VERIFY_VARIABLES) as (keyof typeof VERIFY_VARIABLES)[];

/** Validates the verifier's environment, with the same one-line errors as loadConfig. */
export const loadVerifyConfig = (env: Record<string, string | undefined>): VerifyConfig => parseVariables<VerifyConfig>(env, VERIFY_VARIABLES);
