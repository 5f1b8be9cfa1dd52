// Config parsing on its own: no LocalStack, just the environment the template sets.
import { test, expect } from '../fixtures.ts';
import { CONFIG_VARIABLES, loadConfig } from '../../lambda/src/config.ts';
import { ConfigError } from '../../lambda/src/errors.ts';

const VALID = {
  BACKUP_BUCKET: 'doc-backups-123',
  SOURCE_BUCKET: 'doc-source-123',
  SOURCE_PREFIX: 'docs/',
  KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/0b1e4c55-5a43-4e0b-9a8a-2f0b3c9a7d11',
  ENVIRONMENT: 'prod',
};

function failure(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected loadConfig to throw');
}

test.describe('config from environment', () => {
  test('applies the documented defaults', () => {
    expect(loadConfig(VALID)).toEqual({
      backupBucket: 'doc-backups-123',
      sourceBucket: 'doc-source-123',
      sourcePrefix: 'docs/',
      kmsKeyArn: VALID.KMS_KEY_ARN,
      environment: 'prod',
      metricsNamespace: 'DocumentBackup',
      copyConcurrency: 16,
      multipartThresholdBytes: 256 * 1024 * 1024,
      multipartPartSizeBytes: 64 * 1024 * 1024,
      multipartPartConcurrency: 8,
      manifestInlineLimit: 1000,
      timeSafetyMarginMs: 30_000,
      logLevel: 'INFO',
    });
  });

  test('parses every optional variable', () => {
    const config = loadConfig({
      ...VALID,
      SOURCE_PREFIX: '',
      METRICS_NAMESPACE: 'Custom/Backup',
      COPY_CONCURRENCY: '64',
      MULTIPART_THRESHOLD_BYTES: String(5 * 1024 ** 3),
      MULTIPART_PART_SIZE_BYTES: String(5 * 1024 ** 2),
      MULTIPART_PART_CONCURRENCY: '3',
      MANIFEST_INLINE_LIMIT: '0',
      TIME_SAFETY_MARGIN_MS: '0',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      sourcePrefix: '',
      metricsNamespace: 'Custom/Backup',
      copyConcurrency: 64,
      multipartThresholdBytes: 5 * 1024 ** 3,
      multipartPartSizeBytes: 5 * 1024 ** 2,
      multipartPartConcurrency: 3,
      manifestInlineLimit: 0,
      timeSafetyMarginMs: 0,
      logLevel: 'DEBUG',
    });
  });

  test('empty optional variables (CloudFormation passes "") fall back to defaults', () => {
    expect(loadConfig({ ...VALID, COPY_CONCURRENCY: '', LOG_LEVEL: '' })).toMatchObject({ copyConcurrency: 16, logLevel: 'INFO' });
  });

  for (const name of ['BACKUP_BUCKET', 'SOURCE_BUCKET', 'KMS_KEY_ARN', 'ENVIRONMENT'] as const) {
    test(`missing ${name} fails with one line naming it`, () => {
      const err = failure({ ...VALID, [name]: undefined });
      expect(err.message).toBe(`Environment variable ${name} is required`);
      expect(err.variable).toBe(name);
      const blank = failure({ ...VALID, [name]: '  ' });
      expect(blank.message).toBe(`Environment variable ${name} is required`);
    });
  }

  const BAD: [string, string, RegExp][] = [
    ['BACKUP_BUCKET', 'Not_A_Bucket', /^Environment variable BACKUP_BUCKET must be an S3 bucket name .*\(got "Not_A_Bucket"\)$/],
    ['SOURCE_PREFIX', '/docs/', /^Environment variable SOURCE_PREFIX must not start with "\/"/],
    ['KMS_KEY_ARN', 'alias/backup', /^Environment variable KMS_KEY_ARN must be a KMS key ARN/],
    ['ENVIRONMENT', 'qa', /^Environment variable ENVIRONMENT must be one of dev, staging, prod \(got "qa"\)$/],
    ['METRICS_NAMESPACE', 'AWS/S3', /^Environment variable METRICS_NAMESPACE must not start with "AWS\/"/],
    ['COPY_CONCURRENCY', 'sixteen', /^Environment variable COPY_CONCURRENCY must be a whole number \(got "sixteen"\)$/],
    ['COPY_CONCURRENCY', '0', /^Environment variable COPY_CONCURRENCY must be at least 1 \(got "0"\)$/],
    ['MULTIPART_THRESHOLD_BYTES', String(6 * 1024 ** 3), /^Environment variable MULTIPART_THRESHOLD_BYTES must be at most 5368709120/],
    ['MULTIPART_PART_SIZE_BYTES', String(4 * 1024 ** 2), /^Environment variable MULTIPART_PART_SIZE_BYTES must be at least 5242880/],
    ['MANIFEST_INLINE_LIMIT', '-1', /^Environment variable MANIFEST_INLINE_LIMIT must be a whole number/],
    ['TIME_SAFETY_MARGIN_MS', '1.5', /^Environment variable TIME_SAFETY_MARGIN_MS must be a whole number/],
    ['LOG_LEVEL', 'verbose', /^Environment variable LOG_LEVEL must be one of DEBUG, INFO/],
  ];
  for (const [name, value, message] of BAD) {
    test(`${name}=${JSON.stringify(value)} is rejected with one line`, () => {
      const err = failure({ ...VALID, [name]: value });
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('\n');
      expect(err.variable).toBe(name);
    });
  }

  test('a part size above the multipart threshold is rejected', () => {
    const err = failure({ ...VALID, MULTIPART_THRESHOLD_BYTES: String(8 * 1024 ** 2), MULTIPART_PART_SIZE_BYTES: String(16 * 1024 ** 2) });
    expect(err.message).toMatch(/^Environment variable MULTIPART_PART_SIZE_BYTES must not exceed MULTIPART_THRESHOLD_BYTES/);
  });

  test('the first problem in the documented order is the one reported', () => {
    expect(failure({}).message).toBe(`Environment variable ${CONFIG_VARIABLES[0]} is required`);
  });
});
