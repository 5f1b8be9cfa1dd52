// Which function of a document-backup template does what, told apart by what each is told (its environment),
// not by logical id: the rules and the matrix both ask, and this is the one answer.
import type { ResolvedResource } from './intrinsics.ts';

/** The environment variables through which a function learns the backup bucket, the source bucket and the key. */
export const BACKUP_BUCKET_VARS = ['BACKUP_BUCKET', 'BACKUP_BUCKET_NAME', 'TARGET_BUCKET'];
export const SOURCE_BUCKET_VARS = ['SOURCE_BUCKET', 'SOURCE_BUCKET_NAME'];
export const KEY_VARS = ['KMS_KEY_ARN', 'KMS_KEY_ID', 'BACKUP_KMS_KEY_ARN', 'KMS_KEY'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function envVars(fn: ResolvedResource): Record<string, unknown> {
  const env = fn.resolved['Environment'];
  const vars = isObject(env) ? env['Variables'] : undefined;
  return isObject(vars) ? vars : {};
}

const told = (fn: ResolvedResource, names: readonly string[]) => names.some((v) => envVars(fn)[v] !== undefined);

/** Told a backup bucket. */
export const knowsBackupBucket = (fn: ResolvedResource) => told(fn, BACKUP_BUCKET_VARS);

/**
 * The backup function: told a backup bucket and a source bucket (it copies from one into the other); else the
 * only function told a backup bucket; else, of several, BackupFunction or the first; else the function with
 * logical id BackupFunction; else the only function.
 */
export function findBackupFunction(functions: readonly ResolvedResource[]): ResolvedResource | undefined {
  const copying = functions.find((f) => knowsBackupBucket(f) && told(f, SOURCE_BUCKET_VARS));
  if (copying) return copying;
  const toldBucket = functions.filter(knowsBackupBucket);
  return (
    toldBucket.find((f) => f.logicalId === 'BackupFunction') ??
    toldBucket[0] ??
    functions.find((f) => f.logicalId === 'BackupFunction') ??
    (functions.length === 1 ? functions[0] : undefined)
  );
}

/** Told the backup bucket but no source: it reads backups without copying any (the restore verifier). */
const isVerifierShaped = (fn: ResolvedResource) => knowsBackupBucket(fn) && !told(fn, SOURCE_BUCKET_VARS);

/** The restore verifier: a function other than the backup function that is told the backup bucket and no source. */
export function findVerifierFunction(functions: readonly ResolvedResource[]): ResolvedResource | undefined {
  const backup = findBackupFunction(functions);
  return functions.find((f) => f !== backup && isVerifierShaped(f));
}
