// Pure: what a run's manifest and backup bucket say about the documents the generator made, and when the
// backups landed. The I/O that gathers the inputs is verifyRun in run.ts.
import type { ManifestEntry } from '../../../lambda/src/manifest.ts';
import { targetPrefix } from '../../../lambda/src/backup.ts';
import type { ExpectedDocument } from './documents.ts';

const MiB = 1024 * 1024;
/** Problems listed in a verification (the counts cover every document). */
export const MAX_PROBLEMS = 20;

export interface Verification {
  expected: number;
  verified: number;
  /** Entries whose key, size or checksum disagree with the generated document, or that are missing. */
  mismatched: number;
  missingFromManifest: number;
  missingFromBucket: number;
  unexpectedInManifest: number;
  problems: string[];
}

export interface ListedBackup {
  key: string;
  size: number;
  lastModified: number;
}

/**
 * Every expected document against its manifest entry (copied or unchanged, at backups/<run date>/<key>, same
 * size, FULL_OBJECT SHA-256 equal to the generator's) and against the bucket listing (there, same size).
 */
export function verifyDocuments(input: {
  runDate: string;
  expected: ReadonlyMap<string, ExpectedDocument>;
  entries: readonly ManifestEntry[];
  /** Backup key -> size, from listing backups/<run date>/. */
  inBucket: ReadonlyMap<string, number>;
}): Verification {
  const { expected, entries, inBucket } = input;
  const prefix = targetPrefix(input.runDate);
  const problems: string[] = [];
  const note = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const byKey = new Map(entries.map((e) => [e.key, e]));
  let verified = 0;
  let mismatched = 0;
  let missingFromManifest = 0;
  let missingFromBucket = 0;
  for (const [key, doc] of expected) {
    const entry = byKey.get(key);
    if (!entry) {
      missingFromManifest++;
      note(`${key}: not in the manifest`);
      continue;
    }
    const targetKey = prefix + key;
    const ok =
      (entry.status === 'copied' || entry.status === 'unchanged') &&
      entry.targetKey === targetKey &&
      entry.size === doc.size &&
      entry.checksum?.type === 'FULL_OBJECT' &&
      entry.checksum.value === doc.sha256;
    if (!ok) {
      mismatched++;
      note(`${key}: manifest says ${JSON.stringify({ status: entry.status, size: entry.size, checksum: entry.checksum?.value, error: entry.error })}, expected size ${doc.size} sha256 ${doc.sha256}`);
      continue;
    }
    if (inBucket.get(targetKey) !== doc.size) {
      missingFromBucket++;
      note(`${targetKey}: ${inBucket.has(targetKey) ? `size ${inBucket.get(targetKey)} in the bucket` : 'not in the backup bucket'}`);
      continue;
    }
    verified++;
  }
  const unexpectedInManifest = entries.filter((e) => !expected.has(e.key)).length;
  if (unexpectedInManifest) note(`${unexpectedInManifest} manifest entries are not generated documents`);
  return { expected: expected.size, verified, mismatched, missingFromManifest, missingFromBucket, unexpectedInManifest, problems };
}

/** Documents and bytes that landed in each second of the run, from the backups' LastModified. */
export function throughputSeries(backups: readonly ListedBackup[], startedAtMs: number): { second: number; documents: number; mib: number }[] {
  const bins = new Map<number, { documents: number; bytes: number }>();
  for (const b of backups) {
    const s = Math.max(0, Math.floor((b.lastModified - startedAtMs) / 1000));
    const bin = bins.get(s) ?? { documents: 0, bytes: 0 };
    bin.documents++;
    bin.bytes += b.size;
    bins.set(s, bin);
  }
  const last = Math.max(-1, ...bins.keys());
  return Array.from({ length: last + 1 }, (_, s) => ({ second: s, documents: bins.get(s)?.documents ?? 0, mib: +((bins.get(s)?.bytes ?? 0) / MiB).toFixed(3) }));
}
