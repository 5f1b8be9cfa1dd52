import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { z } from 'zod';
import { S3_LIMITS } from './config.ts';
import { describeError, ManifestWriteError } from './errors.ts';

export const MANIFEST_SCHEMA_VERSION = 1;

// The schema doubles as documentation for readers: ManifestReader (manifest-reader.ts; restore, load and
// the specs read through it) parses every manifest with it, so every field below is guaranteed.
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

/** Where a run date's manifests live: the summaries (`<run id>.json`) and their JSON Lines entries. */
export const manifestPrefix = (runDate: string) => `manifests/${runDate}/`;
export const manifestKey = (runDate: string, runId: string) => `${manifestPrefix(runDate)}${runId}.json`;
export const entriesKey = (runDate: string, runId: string) => `${manifestPrefix(runDate)}${runId}.entries.jsonl`;

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

type SpillParams = { Bucket: string; Key: string; ContentType: string; ServerSideEncryption: 'aws:kms'; SSEKMSKeyId: string; BucketKeyEnabled: boolean };

/**
 * The JSON Lines object, written part by part from ONE reused part buffer: the memory it needs is 5 MiB
 * whatever the document count. Performance (issue #7): lib-storage's Upload was used before. Its stream
 * chunker joins each part with Buffer.concat and keeps the remainder as a view of that buffer, so the
 * previous part stayed referenced while the next one filled (three parts alive at each join); measured,
 * that was the whole growth of the handler's memory between 10k and 100k documents.
 * Lines are placed in the order of the write() calls; a writer waits only while a full part is being
 * uploaded (once per ~17,000 entries), which holds the copy window back for that moment.
 */
class EntriesSpill {
  /** The first upload error; from then on writes are dropped and finish() fails. */
  private failure: unknown;
  private readonly part = Buffer.allocUnsafeSlow(ENTRIES_PART_BYTES);
  private filled = 0;
  /** Lines not yet in the part buffer, in call order; bounded by the copy window (each writer waits). */
  private readonly queue: { bytes: Buffer; offset: number; placed: () => void }[] = [];
  /** Set by pump() itself: a pump that finds nothing to upload finishes before write() could record it. */
  private pumpRunning = false;
  private pumping: Promise<void> | undefined;
  private uploadId: string | undefined;
  private readonly parts: CompletedPart[] = [];

  constructor(
    private readonly s3: S3Client,
    private readonly params: SpillParams,
  ) {}

  /** Resolves once the line is in the part buffer. Never rejects (see `failure`). */
  write(line: string): Promise<void> {
    if (this.failure) return Promise.resolve();
    return new Promise<void>((placed) => {
      this.queue.push({ bytes: Buffer.from(line), offset: 0, placed });
      if (!this.pumpRunning) this.pumping = this.pump();
    });
  }

  /** Uploads what is left and completes the object; on failure the upload is aborted (no parts left) and this throws. */
  async finish(): Promise<void> {
    await this.pumping;
    try {
      if (this.failure) throw this.failure;
      if (this.uploadId === undefined) {
        // Never filled a part: one plain PUT, as for any small object.
        await this.s3.send(new PutObjectCommand({ ...this.params, Body: this.part.subarray(0, this.filled) }));
        return;
      }
      if (this.filled > 0) await this.uploadPart();
      await this.s3.send(new CompleteMultipartUploadCommand({ Bucket: this.params.Bucket, Key: this.params.Key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }));
    } catch (err) {
      this.failure ??= err;
      await this.abort();
      throw err;
    }
  }

  /** Stops the upload: waiting writers are released and a started multipart upload is aborted. */
  async abort(): Promise<void> {
    this.failure ??= new Error('manifest aborted');
    await this.pumping;
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    if (uploadId !== undefined) {
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.params.Bucket, Key: this.params.Key, UploadId: uploadId })).catch(() => undefined);
    }
  }

  /** Moves queued lines into the part buffer, uploading it whenever it is full. One pump at a time. */
  private async pump(): Promise<void> {
    this.pumpRunning = true;
    try {
      while (this.queue.length > 0) {
        const next = this.queue[0]!;
        if (!this.failure) {
          const copied = next.bytes.copy(this.part, this.filled, next.offset);
          this.filled += copied;
          next.offset += copied;
          if (this.filled === this.part.length) {
            try {
              await this.uploadPart();
            } catch (err) {
              this.failure ??= err;
            }
          }
          if (next.offset < next.bytes.length && !this.failure) continue;
        }
        this.queue.shift();
        next.placed();
      }
    } finally {
      this.pumpRunning = false;
    }
  }

  private async uploadPart(): Promise<void> {
    // CRC32 per part, as lib-storage asks for by default, so S3 checks each part and the whole object.
    this.uploadId ??= (await this.s3.send(new CreateMultipartUploadCommand({ ...this.params, ChecksumAlgorithm: 'CRC32' }))).UploadId;
    const PartNumber = this.parts.length + 1;
    // The buffer is reused only after this resolves, retries included.
    const out = await this.s3.send(new UploadPartCommand({ Bucket: this.params.Bucket, Key: this.params.Key, UploadId: this.uploadId, PartNumber, ChecksumAlgorithm: 'CRC32', Body: this.part.subarray(0, this.filled) }));
    this.parts.push({ PartNumber, ETag: out.ETag, ...(out.ChecksumCRC32 ? { ChecksumCRC32: out.ChecksumCRC32 } : {}) });
    this.filled = 0;
  }
}

/**
 * Collects entries with memory bounded by `inlineLimit`: up to the limit they stay in memory and go
 * inline into the summary; past it, every entry (the held ones first) is streamed as JSON Lines into an
 * object written part by part, so a 100,000-document run holds one 5 MiB part buffer.
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
