import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { z } from 'zod';
import { S3_LIMITS } from './config.ts';
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

/**
 * Part size of the streamed entries object: S3's minimum. 10,000 parts of 5 MiB is 50 GiB of JSON Lines,
 * some 100 million entries, far more than one invocation can list.
 */
export const ENTRIES_PART_BYTES = S3_LIMITS.minPartBytes;

/** Lines are coalesced into chunks of this size before they reach the upload's stream (see EntriesSpill). */
const SPILL_CHUNK_BYTES = 256 * 1024;

/**
 * The JSON Lines object, streamed through lib-storage's Upload (5 MiB parts, one in flight while the
 * next fills, so about three parts of memory whatever the document count). Performance (issue #7): the
 * lines are coalesced into 256 KiB chunks first. Written to the stream one by one, each ~0.4 KiB line
 * stayed its own small Buffer until a part was full, each pinning a slab of Node's shared 8 KiB pool
 * (about 2.7 KiB per entry measured), some 50 MiB at the peak, reached only after ~20,000 entries, so
 * memory seemed to grow with the count.
 */
class EntriesSpill {
  /** The first upload error; from then on writes are dropped and finish() fails. */
  private failure: unknown;
  private readonly stream = new PassThrough();
  private readonly done: Promise<unknown>;
  /** Rejects when the upload fails: releases writers waiting for 'drain' that will never come. */
  private readonly failed: Promise<never>;
  private chunk = Buffer.allocUnsafeSlow(SPILL_CHUNK_BYTES);
  private filled = 0;
  private draining: Promise<void> | undefined;

  constructor(s3: S3Client, params: { Bucket: string; Key: string; ContentType: string; ServerSideEncryption: 'aws:kms'; SSEKMSKeyId: string; BucketKeyEnabled: boolean }) {
    this.done = new Upload({ client: s3, params: { ...params, Body: this.stream }, queueSize: 1, partSize: ENTRIES_PART_BYTES, leavePartsOnError: false }).done();
    this.failed = this.done.then(
      () => new Promise<never>(() => undefined),
      (err: unknown) => {
        this.failure ??= err;
        throw err;
      },
    );
    this.failed.catch(() => undefined);
  }

  /**
   * Places the line synchronously (so lines keep the order of the calls and never interleave), then
   * waits while the upload catches up. Never rejects (see `failure`).
   */
  async write(line: string): Promise<void> {
    if (this.failure) return;
    const bytes = Buffer.byteLength(line);
    let backpressure = this.filled + bytes > this.chunk.length && !this.flush();
    if (bytes > this.chunk.length) backpressure = !this.stream.write(line) || backpressure;
    else this.filled += this.chunk.write(line, this.filled);
    if (backpressure) await this.drained();
  }

  /** Uploads what is left and completes the object; on failure the upload is aborted (no parts left) and this throws. */
  async finish(): Promise<void> {
    if (!this.failure) {
      this.flush();
      this.stream.end();
    }
    await Promise.race([this.done, this.failed]);
  }

  /** Stops the upload (lib-storage aborts the multipart upload, if it started one). */
  async abort(): Promise<void> {
    this.failure ??= new Error('manifest aborted');
    this.stream.destroy(new Error('manifest aborted'));
    await this.done.catch(() => undefined);
  }

  /** Hands the filled chunk to the stream (which now owns it); false when the stream wants a 'drain'. */
  private flush(): boolean {
    if (this.filled === 0) return true;
    const full = this.chunk.subarray(0, this.filled);
    this.chunk = Buffer.allocUnsafeSlow(SPILL_CHUNK_BYTES);
    this.filled = 0;
    return this.stream.write(full);
  }

  /** One shared wait for 'drain' (the whole copy window may be waiting at once). */
  private drained(): Promise<void> {
    const clear = () => {
      this.draining = undefined;
    };
    this.draining ??= Promise.race([once(this.stream, 'drain'), this.failed]).then(clear, clear);
    return this.draining;
  }
}

/**
 * Collects entries with memory bounded by `inlineLimit`: up to the limit they stay in memory and go
 * inline into the summary; past it, every entry (the held ones first) is streamed as JSON Lines into an
 * object written part by part, so a 100,000-document run holds only a few 5 MiB part buffers.
 */
export class ManifestWriter {
  private inline: ManifestEntry[] = [];
  private spill: EntriesSpill | undefined;
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
      // Placed in one go (write() orders lines by call), so the held entries come first in the object.
      await Promise.all(held.map((e) => this.write(e)));
    }
    await this.write(entry);
  }

  /** Writes the summary last, conditionally, so a reader sees either no manifest or the finished one. */
  async finish(summary: ManifestSummary): Promise<Manifest> {
    let manifest: Manifest;
    if (this.spill) {
      try {
        await this.spill.finish();
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
    await this.spill?.abort();
  }

  private encryption() {
    return { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: this.opts.kmsKeyArn, BucketKeyEnabled: true };
  }

  private startSpill(): EntriesSpill {
    return new EntriesSpill(this.s3, {
      Bucket: this.opts.bucket,
      Key: entriesKey(this.opts.runDate, this.opts.runId),
      ContentType: 'application/x-ndjson',
      ...this.encryption(),
    });
  }

  private write(entry: ManifestEntry): Promise<void> {
    return this.spill!.write(`${JSON.stringify(entry)}\n`);
  }
}
