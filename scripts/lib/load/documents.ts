// The documents of a load run: seeded from the deterministic generator, and what each must be afterwards
// (size and SHA-256) remembered from the generator rather than read back from S3.
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { clientConfig, type AwsTarget } from '../aws/clients.ts';
import { generateDocuments, seedDocuments, type GeneratedDocument } from '../../../fixtures/documents/generate.ts';

export interface DocumentSetSpec {
  count: number;
  seed: number;
  minSize: number;
  maxSize: number;
  /** Key prefix, e.g. "load/"; the generator nests folders below it. */
  prefix: string;
}

export interface ExpectedDocument {
  size: number;
  sha256: string;
}

export interface SeededSet {
  spec: DocumentSetSpec;
  /** Source key -> size and base64 SHA-256, regenerated from the seed (never read back from S3). */
  expected: Map<string, ExpectedDocument>;
  bytes: number;
  seedMs: number;
}

/** Seeds the documents (PutObject with a SHA-256 checksum each) and remembers what each must be. */
export async function seedDocumentSet(
  target: AwsTarget,
  bucket: string,
  spec: DocumentSetSpec,
  onProgress?: (done: number, total: number) => void,
): Promise<SeededSet> {
  const expected = new Map<string, ExpectedDocument>();
  function* recorded(): Generator<GeneratedDocument> {
    for (const doc of generateDocuments(spec)) {
      expected.set(doc.key, { size: doc.body.length, sha256: doc.sha256 });
      yield doc;
    }
  }
  const s3 = new S3Client({ ...clientConfig(target), requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets: 64, keepAlive: true } }) });
  const started = performance.now();
  try {
    const seeded = await seedDocuments(s3, bucket, recorded(), {
      concurrency: 32,
      onProgress: (done) => onProgress?.(done, spec.count),
    });
    return { spec, expected, bytes: seeded.bytes, seedMs: performance.now() - started };
  } finally {
    s3.destroy();
  }
}
