// Lambda runtime lifecycle, dated. The table is data (runtimes.json), refreshed from cfn-lint's
// LmbdRuntimeLifecycle.json by `npx tsx scripts/rules-runtimes.ts`; the rules compare it against the date in
// their context (RuleContext.today), so nothing here reads a clock.
import table from './runtimes.json' with { type: 'json' };

export interface RuntimeLifecycle {
  /** Date AWS stops security patches (ISO yyyy-mm-dd). */
  deprecated: string | null;
  /** From this date no new functions can use it. */
  createBlocked: string | null;
  /** From this date existing functions can no longer be updated. */
  updateBlocked: string | null;
  /** The runtime to move to. */
  successor: string | null;
}

/** Where the table comes from (cfn-lint version and file). */
export const RUNTIMES_SOURCE: string = table.source;

export const RUNTIMES: Readonly<Record<string, RuntimeLifecycle>> = table.runtimes;

/** Days before deprecation from which a runtime is reported as expiring. */
export const EXPIRY_WARNING_DAYS = 180;

const DAY_MS = 86_400_000;

/** Whole days from the day of `from` (UTC) to the ISO date `iso` (negative once it has passed). */
export function daysUntil(iso: string, from: Date): number {
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  return Math.round((Date.parse(`${iso}T00:00:00Z`) - start) / DAY_MS);
}

export type RuntimeStatus =
  | { kind: 'unknown' }
  | { kind: 'supported'; daysLeft: number | undefined }
  | { kind: 'expiring'; daysLeft: number; deprecated: string }
  | { kind: 'deprecated'; deprecated: string; createBlocked: string | null; updateBlocked: string | null; blocked: 'create' | 'update' | null };

/** Where `runtime` stands on `today`. */
export function runtimeStatus(runtime: string, today: Date): RuntimeStatus {
  const entry = RUNTIMES[runtime];
  if (!entry) return { kind: 'unknown' };
  if (!entry.deprecated) return { kind: 'supported', daysLeft: undefined };
  const daysLeft = daysUntil(entry.deprecated, today);
  if (daysLeft <= 0) {
    const passed = (iso: string | null) => iso !== null && daysUntil(iso, today) <= 0;
    const blocked = passed(entry.updateBlocked) ? 'update' : passed(entry.createBlocked) ? 'create' : null;
    return { kind: 'deprecated', deprecated: entry.deprecated, createBlocked: entry.createBlocked, updateBlocked: entry.updateBlocked, blocked };
  }
  if (daysLeft <= EXPIRY_WARNING_DAYS) return { kind: 'expiring', daysLeft, deprecated: entry.deprecated };
  return { kind: 'supported', daysLeft };
}
