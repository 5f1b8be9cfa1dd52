// Shared helpers for the Lambda core specs: running the core with a captured log, reading backups and manifests
// back. Buckets, the KMS key and the config (read through the real environment parser) come from the
// backupSandbox fixture in specs/fixtures.ts, which removes them after each test.
import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { expect } from '@playwright/test';
import { generateDocuments, type GeneratedDocument } from '../../fixtures/documents/generate.ts';
import type { BackupConfig } from '../../lambda/src/config.ts';
import { runBackup, type BackupDeps, type BackupLogger, type BackupResult } from '../../lambda/src/backup.ts';
import type { BackupRequest } from '../../lambda/src/events.ts';
import type { Manifest, ManifestEntry } from '../../lambda/src/manifest.ts';
import { ManifestReader } from '../../lambda/src/manifest-reader.ts';

export const MiB = 1024 * 1024;
export const RUN_DATE = '2026-11-27';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  [key: string]: unknown;
}

/** Records log lines so specs can assert on them (one line per failed document, one summary line). */
export function captureLogger(): BackupLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (message: string, ...extra: Record<string, unknown>[]) => {
    lines.push(Object.assign({ level, message }, ...extra));
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function request(overrides: Partial<BackupRequest> = {}): BackupRequest {
  return { trigger: 'manual', runDate: RUN_DATE, prefix: '', dryRun: false, ...overrides };
}

export async function runCore(
  deps: { s3: S3Client; cloudwatch: CloudWatchClient } & Partial<BackupDeps>,
  config: BackupConfig,
  req: BackupRequest = request(),
): Promise<BackupResult & { logs: LogLine[] }> {
  const logger = captureLogger();
  const result = await runBackup({ logger, ...deps }, config, req);
  return { ...result, logs: logger.lines };
}

export async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

export async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

/** The manifest with its entries, inline or read back from the JSON Lines object (ManifestReader, as restore and load read it). */
export function readManifest(s3: S3Client, bucket: string, key: string): Promise<{ manifest: Manifest; entries: ManifestEntry[] }> {
  return new ManifestReader(s3, bucket).readWithEntries(key);
}

/** A backup object's tags as a plain record (the bookkeeping lives there, see BACKUP_TAGS). */
export async function tagsOf(s3: S3Client, bucket: string, key: string): Promise<Record<string, string>> {
  const out = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key!, t.Value!]));
}

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('base64');

/** S3's COMPOSITE SHA-256 of a multipart object: SHA-256 over the parts' raw digests, then "-<parts>". */
export function compositeSha256(body: Buffer, partSize: number): string {
  const digests: Buffer[] = [];
  for (let i = 0; i < body.length; i += partSize) digests.push(createHash('sha256').update(body.subarray(i, i + partSize)).digest());
  return `${createHash('sha256').update(Buffer.concat(digests)).digest('base64')}-${digests.length}`;
}

/** A CloudWatch client that cannot reach anything: a real failure for the metrics-failure path. */
export const unreachableCloudWatch = () =>
  new CloudWatchClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

/** A document's backup key on RUN_DATE. */
export const backupKeyOf = (key: string) => `backups/${RUN_DATE}/${key}`;
export const docsOf = (options: Parameters<typeof generateDocuments>[0]) => [...generateDocuments(options)];

/** Every document backed up byte-identical, and the manifest lists exactly these with their SHA-256. */
export async function expectBackedUp(s3: S3Client, backupBucket: string, manifestKey: string, docs: GeneratedDocument[], status: 'copied' | 'unchanged') {
  const { manifest, entries } = await readManifest(s3, backupBucket, manifestKey);
  expect(entries.map((e) => e.key).sort()).toEqual(docs.map((d) => d.key).sort());
  const byKey = new Map(entries.map((e) => [e.key, e]));
  for (const doc of docs) {
    const entry = byKey.get(doc.key)!;
    expect(entry, doc.key).toMatchObject({ key: doc.key, targetKey: backupKeyOf(doc.key), size: doc.body.length, status });
    expect(entry.checksum, doc.key).toEqual({ algorithm: 'SHA256', type: 'FULL_OBJECT', value: doc.sha256 });
    expect(entry.error).toBeUndefined();
  }
  return manifest;
}

export async function expectSameBytes(s3: S3Client, backupBucket: string, docs: GeneratedDocument[]) {
  for (const doc of docs) {
    const copy = await getBytes(s3, backupBucket, backupKeyOf(doc.key));
    expect(sha256(copy), doc.key).toBe(doc.sha256);
  }
  expect(await listKeys(s3, backupBucket, `backups/${RUN_DATE}/`)).toEqual(docs.map((d) => backupKeyOf(d.key)).sort());
}
