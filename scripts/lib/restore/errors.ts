// What the restore refuses before doing anything (CLI exit 2), and the one input check every entry point makes.

/** Bad input: nothing was restored or verified (CLI exit 2). */
export class RestoreInputError extends Error {
  override readonly name: string = 'RestoreInputError';
}

/** The date has no manifest at all in the backup bucket. */
export class NoManifestError extends RestoreInputError {
  override readonly name = 'NoManifestError';
}

export function assertRunDate(date: string): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || !new Date(`${date}T00:00:00Z`).toISOString().startsWith(date)) {
    throw new RestoreInputError(`--date must be a calendar date as YYYY-MM-DD (got "${date}")`);
  }
}

export const errorName = (err: unknown): string => (err as { name?: string })?.name ?? '';
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
