import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { z } from 'zod';
import { describeError, ManifestWriteError } from './errors.ts';

export const MANIFEST_SCHEMA_VERSION = 1;

// The schema doubles as documentation for readers (restore tooling, the specs): parse a manifest with
// ManifestSchema and every field below is guaranteed.
export const ChecksumSchema = z.object({
  algorithm: z.literal('SHA256'),
  /** FULL_OBJECT: SHA-256 of the bytes. COMPOSITE: SHA-256 over the parts' SHA-256s, suffixed "-<parts>". */
  type: z.enum(['FULL_OBJECT', 'COMPOSITE']),
  /** Base64, exactly as S3 reports it (x-amz-checksum-sha256). */
  value: z.string(),
});

export const EntryErrorSchema = z.object({ code: z.string(), message: z.string(), httpStatus: z.number().optional() });

export const ManifestEntrySchema = z.object({
  key: z.string(),
  targetKey: z.string(),
  size: z.number(),
  sourceEtag: z.string(),
  sourceVersionId: z.string().optional(),
  /** VersionId of the backup object this run wrote or found unchanged: restores read exactly this version (point in time). */
  targetVersionId: z.string().optional(),
  status: z.enum(['copied', 'unchanged', 'failed']),
  /** How the bytes were copied: one CopyObject, or multipart UploadPartCopy. Absent unless copied. */
  method: z.enum(['copy', 'multipart']).optional(),
  checksum: ChecksumSchema.optional(),
  error: EntryErrorSchema.optional(),
});

export const RunCountsSchema = z.object({
  listed: z.number(),
  copied: z.number(),
  unchanged: z.number(),
  failed: z.number(),
});

export const ManifestSchema = z.object({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  runId: z.string(),
  runDate: z.string(),
  environment: z.string(),
  trigger: z.enum(['scheduled', 'manual']),
  source: z.object({ bucket: z.string(), prefix: z.string() }),
  target: z.object({ bucket: z.string(), prefix: z.string() }),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  /** complete: every listed document is backed up. partial: stopped for time. failed: some documents (or the listing) failed. */
  status: z.enum(['complete', 'partial', 'failed']),
  stoppedForTime: z.boolean(),
  counts: RunCountsSchema,
  bytesCopied: z.number(),
  bytesListed: z.number(),
  /** A run-level failure (the listing itself failed); per-document errors live on the entries. */
  error: EntryErrorSchema.optional(),
  /** Inline entries (sorted by key), present when the run has at most MANIFEST_INLINE_LIMIT documents. */
  entries: z.array(ManifestEntrySchema).optional(),
  /** Otherwise every entry, one JSON object per line, in completion order. */
  entriesObject: z
    .object({ bucket: z.string(), key: z.string(), format: z.literal('jsonl'), count: z.number() })
    .optional(),
});

export type ManifestChecksum = z.infer<typeof ChecksumSchema>;
export type ManifestEntry = z.infer<typeof ManifestEntrySchema>;
export type DocumentStatus = ManifestEntry['status'];
export type RunCounts = z.infer<typeof RunCountsSchema>;
export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestSummary = Omit<Manifest, 'entries' | 'entriesObject'>;

export const manifestKey = (runDate: string, runId: string) => `manifests/${runDate}/${runId}.json`;
export const entriesKey = (runDate: string, runId: string) => `manifests/${runDate}/${runId}.entries.jsonl`;

export interface ManifestWriterOptions {
  bucket: string;
  runDate: string;
  runId: string;
  kmsKeyArn: string;
  inlineLimit: number;
}

interface Spill {
  stream: PassThrough;
  done: Promise<unknown>;
  failure?: unknown;
  failed: Promise<never>;
}

/**
 * Collects entries with memory bounded by `inlineLimit`: up to the limit they stay in memory and go
 * inline into the summary; past it, every entry (the held ones first) is streamed as JSON Lines through a
 * multipart Upload, so a 100,000-document run holds only the upload's part buffers.
 */
export class ManifestWriter {
  private inline: ManifestEntry[] = [];
  private spill: Spill | undefined;
  private count = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly opts: ManifestWriterOptions,
  ) {}

  get key(): string {
    return manifestKey(this.opts.runDate, this.opts.runId);
  }

  get entriesKey(): string | undefined {
    return this.spill ? entriesKey(this.opts.runDate, this.opts.runId) : undefined;
  }

  async add(entry: ManifestEntry): Promise<void> {
    this.count++;
    if (!this.spill && this.inline.length < this.opts.inlineLimit) {
      this.inline.push(entry);
      return;
    }
    if (!this.spill) {
      this.spill = this.startSpill();
      const held = this.inline;
      this.inline = [];
      for (const e of held) await this.write(e);
    }
    await this.write(entry);
  }

  /** Writes the summary last, conditionally, so a reader sees either no manifest or the finished one. */
  async finish(summary: ManifestSummary): Promise<Manifest> {
    let manifest: Manifest;
    if (this.spill) {
      const spill = this.spill;
      spill.stream.end();
      try {
        await Promise.race([spill.done, spill.failed]);
      } catch (err) {
        throw new ManifestWriteError(`writing manifest entries s3://${this.opts.bucket}/${this.entriesKey} failed: ${describeError(err).message}`, { cause: err });
      }
      manifest = { ...summary, entriesObject: { bucket: this.opts.bucket, key: this.entriesKey!, format: 'jsonl', count: this.count } };
    } else {
      manifest = { ...summary, entries: [...this.inline].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) };
    }
    const body = JSON.stringify(manifest, null, 2);
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.opts.bucket,
          Key: this.key,
          Body: body,
          ContentType: 'application/json',
          // A run id is unique per run, so an existing object means something else wrote here: never
          // replace a finished manifest.
          IfNoneMatch: '*',
          ...this.encryption(),
        }),
      );
    } catch (err) {
      // Reliability (issue #6): when the connection drops after S3 stored the manifest, the SDK retries and
      // the retry's If-None-Match fails with 412 against this very manifest. Only a byte-identical object
      // counts as written; anything else stays a failure.
      if (!(describeError(err).httpStatus === 412 && (await this.holds(body)))) {
        throw new ManifestWriteError(`writing manifest s3://${this.opts.bucket}/${this.key} failed: ${describeError(err).message}`, { cause: err });
      }
    }
    return manifest;
  }

  /** Does the manifest key already hold exactly `body`? Any error answers no (the safe side). */
  private async holds(body: string): Promise<boolean> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.key }));
      return (await out.Body?.transformToString()) === body;
    } catch {
      return false;
    }
  }

  /** Stops a spill upload without writing a summary (the run is being abandoned). */
  async abort(): Promise<void> {
    this.spill?.stream.destroy(new Error('manifest aborted'));
    await this.spill?.done.catch(() => undefined);
  }

  private encryption() {
    return { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: this.opts.kmsKeyArn, BucketKeyEnabled: true };
  }

  private startSpill(): Spill {
    const stream = new PassThrough();
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.opts.bucket, Key: entriesKey(this.opts.runDate, this.opts.runId), Body: stream, ContentType: 'application/x-ndjson', ...this.encryption() },
      // Memory held by the spill is about queueSize x partSize.
      queueSize: 2,
      partSize: 8 * 1024 * 1024,
      leavePartsOnError: false,
    });
    const done = upload.done();
    const spill: Spill = { stream, done, failed: undefined as unknown as Promise<never> };
    // If the upload dies, nobody drains the stream any more; writers waiting for 'drain' must be released.
    spill.failed = done.then(
      () => new Promise<never>(() => undefined),
      (err: unknown) => {
        spill.failure = err;
        throw err;
      },
    );
    spill.failed.catch(() => undefined);
    return spill;
  }

  private async write(entry: ManifestEntry): Promise<void> {
    const spill = this.spill!;
    if (spill.failure) return;
    if (!spill.stream.write(`${JSON.stringify(entry)}\n`)) {
      await Promise.race([once(spill.stream, 'drain'), spill.failed]).catch(() => undefined);
    }
  }
}
