// Shared helpers for the reliability specs: versions of a bucket, metric sums, and the transient-fault rules.
// What a test needs of its own (a fault proxy, the Lambda's clients pointed at it, buckets, a stack whose
// function it reconfigures) comes from the fixtures in specs/fixtures.ts, which remove or restore it afterwards.
import { ListObjectVersionsCommand, PutBucketVersioningCommand, type ObjectVersion, type S3Client } from '@aws-sdk/client-s3';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { FaultRule } from '../../scripts/lib/fault-proxy.ts';
import { sumBackupMetrics } from '../../scripts/lib/invoke.ts';

export async function enableVersioning(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

/** Every object version (not delete markers) under a prefix. */
export async function listVersions(s3: S3Client, bucket: string, prefix: string): Promise<ObjectVersion[]> {
  const versions: ObjectVersion[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
    versions.push(...(page.Versions ?? []));
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return versions;
}

/** How many versions each key has. */
export function versionCounts(versions: ObjectVersion[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of versions) counts.set(v.Key!, (counts.get(v.Key!) ?? 0) + 1);
  return counts;
}

/** Sums of each backup metric in one namespace (unique per test), through GetMetricData. */
export const metricSums = (cloudwatch: CloudWatchClient, namespace: string, environment = 'dev') =>
  sumBackupMetrics(cloudwatch, { namespace, environment, start: new Date(Date.now() - 15 * 60_000), end: new Date(Date.now() + 5 * 60_000) });

/**
 * Rules for the 10 % transient-fault runs: server errors and dropped connections on S3, plus a few
 * SlowDowns. Rules are tried in order, so each rate is conditional on the earlier rules passing.
 */
export function transientS3Faults(total = 0.1, slowdowns = 5): FaultRule[] {
  const internal = total * 0.6;
  const reset = (total * 0.4) / (1 - internal);
  return [
    // SlowDown is capped: every one makes the adaptive client cut its send rate by 30 %, and early in a run
    // (before it has measured its rate) that can slow it to a crawl. 25 SlowDowns stretch this 500-document
    // run from ~12-15 s to ~40 s; the cap keeps the throttling path exercised without paying for that.
    { name: 'slowdown', match: { service: 's3' }, fault: { kind: 'slowdown' }, rate: total * 0.2, limit: slowdowns },
    { name: 'internal', match: { service: 's3' }, fault: { kind: 'internal' }, rate: internal },
    { name: 'reset', match: { service: 's3' }, fault: { kind: 'reset' }, rate: reset },
  ];
}
