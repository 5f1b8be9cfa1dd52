// The other half of manifest.ts: reads what ManifestWriter writes, the summary and, for large runs, the
// streamed JSON Lines entries, and validates both with the writer's own schema. Restore, load and the
// specs read manifests through it; the Lambda itself never does (the bundle leaves it out).
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ManifestEntrySchema, ManifestSchema, manifestPrefix, type Manifest, type ManifestEntry } from './manifest.ts';

/** A summary manifest from its JSON text; throws when it is not JSON or not a manifest of this schema. */
export const parseManifest = (text: string): Manifest => ManifestSchema.parse(JSON.parse(text));

/** One JSON Lines entry; blank lines are not entries. */
const parseEntryLine = (line: string): ManifestEntry | undefined => (line.trim() ? ManifestEntrySchema.parse(JSON.parse(line)) : undefined);

/** The entries of a JSON Lines text, in file order (completion order). */
export const parseEntriesText = (text: string): ManifestEntry[] => text.split('\n').flatMap((line) => parseEntryLine(line) ?? []);

export class ManifestReader {
  constructor(
    private readonly s3: S3Client,
    /** The backup bucket the manifests are in. */
    private readonly bucket: string,
  ) {}

  /** Keys of the run date's summary manifests (not their JSON Lines entries), in key order: run ids start with the run's time. */
  async keysOf(runDate: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: manifestPrefix(runDate), ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key?.endsWith('.json')) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  /** The summary manifest at `key`, validated. */
  async read(key: string): Promise<Manifest> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return parseManifest(await out.Body!.transformToString());
  }

  /** Every entry, inline or streamed from the JSON Lines object line by line (never the whole object in one string). */
  async *entries(manifest: Manifest): AsyncGenerator<ManifestEntry> {
    if (manifest.entries) {
      yield* manifest.entries;
      return;
    }
    if (!manifest.entriesObject) return;
    const out = await this.s3.send(new GetObjectCommand({ Bucket: manifest.entriesObject.bucket, Key: manifest.entriesObject.key }));
    const decoder = new TextDecoder();
    let rest = '';
    for await (const chunk of out.Body as AsyncIterable<Uint8Array>) {
      rest += decoder.decode(chunk, { stream: true });
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const entry = parseEntryLine(line);
        if (entry) yield entry;
      }
    }
    const last = parseEntryLine(rest + decoder.decode());
    if (last) yield last;
  }

  /** Every entry, as an array. */
  async readEntries(manifest: Manifest): Promise<ManifestEntry[]> {
    const entries: ManifestEntry[] = [];
    for await (const entry of this.entries(manifest)) entries.push(entry);
    return entries;
  }

  /** The manifest at `key` with all its entries. */
  async readWithEntries(key: string): Promise<{ manifest: Manifest; entries: ManifestEntry[] }> {
    const manifest = await this.read(key);
    return { manifest, entries: await this.readEntries(manifest) };
  }
}
