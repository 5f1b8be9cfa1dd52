// Lambda runtime lifecycle, dated. Copied from cfn-lint's
// src/cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json (cfn-lint 1.55.x, the file W2531/E2531/E2533 read),
// which follows https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html. Refresh it from a newer
// cfn-lint when AWS announces dates; the rules compare against today's date, so nothing else changes.

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

export const RUNTIMES: Record<string, RuntimeLifecycle> = {
  'dotnet10': { deprecated: '2028-11-14', createBlocked: '2028-12-14', updateBlocked: '2029-01-15', successor: null },
  'dotnet6': { deprecated: '2024-12-20', createBlocked: '2027-02-01', updateBlocked: '2027-03-03', successor: 'dotnet10' },
  'dotnet8': { deprecated: '2026-11-10', createBlocked: '2027-02-01', updateBlocked: '2027-03-03', successor: 'dotnet10' },
  'dotnet9': { deprecated: '2026-11-10', createBlocked: null, updateBlocked: null, successor: 'dotnet10' },
  'dotnetcore1.0': { deprecated: '2019-06-27', createBlocked: '2019-06-30', updateBlocked: '2019-07-30', successor: 'dotnet10' },
  'dotnetcore2.0': { deprecated: '2019-05-30', createBlocked: '2019-04-30', updateBlocked: '2019-05-30', successor: 'dotnet10' },
  'dotnetcore2.1': { deprecated: '2022-01-05', createBlocked: '2022-01-05', updateBlocked: '2022-04-13', successor: 'dotnet10' },
  'dotnetcore3.1': { deprecated: '2023-04-03', createBlocked: '2023-04-03', updateBlocked: '2023-05-03', successor: 'dotnet10' },
  'go1.x': { deprecated: '2024-01-08', createBlocked: '2024-02-08', updateBlocked: '2027-03-03', successor: 'provided.al2023' },
  'java11': { deprecated: '2027-06-30', createBlocked: '2027-07-31', updateBlocked: '2027-08-31', successor: 'java25' },
  'java17': { deprecated: '2027-06-30', createBlocked: '2027-07-31', updateBlocked: '2027-08-31', successor: 'java25' },
  'java21': { deprecated: '2029-06-30', createBlocked: '2029-07-31', updateBlocked: '2029-08-31', successor: 'java25' },
  'java25': { deprecated: '2029-06-30', createBlocked: '2029-07-31', updateBlocked: '2029-08-31', successor: null },
  'java8': { deprecated: '2024-01-08', createBlocked: '2024-02-08', updateBlocked: '2027-03-03', successor: 'java25' },
  'java8.al2': { deprecated: '2027-06-30', createBlocked: '2027-07-31', updateBlocked: '2027-08-31', successor: 'java25' },
  'nodejs': { deprecated: '2016-08-30', createBlocked: '2016-09-30', updateBlocked: '2016-10-31', successor: 'nodejs24.x' },
  'nodejs10.x': { deprecated: '2021-07-30', createBlocked: '2021-07-30', updateBlocked: '2022-02-14', successor: 'nodejs24.x' },
  'nodejs12.x': { deprecated: '2023-03-31', createBlocked: '2023-03-31', updateBlocked: '2023-04-30', successor: 'nodejs24.x' },
  'nodejs14.x': { deprecated: '2023-12-04', createBlocked: '2024-01-09', updateBlocked: '2027-03-03', successor: 'nodejs24.x' },
  'nodejs16.x': { deprecated: '2024-06-12', createBlocked: '2027-02-01', updateBlocked: '2027-03-03', successor: 'nodejs24.x' },
  'nodejs18.x': { deprecated: '2025-09-01', createBlocked: '2027-02-01', updateBlocked: '2027-03-03', successor: 'nodejs24.x' },
  'nodejs20.x': { deprecated: '2026-04-30', createBlocked: '2027-02-01', updateBlocked: '2027-03-03', successor: 'nodejs24.x' },
  'nodejs22.x': { deprecated: '2027-04-30', createBlocked: '2027-06-01', updateBlocked: '2027-07-01', successor: 'nodejs24.x' },
  'nodejs24.x': { deprecated: '2028-04-30', createBlocked: '2028-06-01', updateBlocked: '2028-07-01', successor: null },
  'nodejs4.3': { deprecated: '2020-03-05', createBlocked: '2020-02-03', updateBlocked: '2020-03-05', successor: 'nodejs24.x' },
  'nodejs4.3-edge': { deprecated: '2020-03-05', createBlocked: '2019-03-31', updateBlocked: '2019-04-30', successor: 'nodejs24.x' },
  'nodejs6.10': { deprecated: '2019-08-12', createBlocked: '2019-07-12', updateBlocked: '2019-08-12', successor: 'nodejs24.x' },
  'nodejs8.10': { deprecated: '2020-03-06', createBlocked: '2020-02-04', updateBlocked: '2020-03-06', successor: 'nodejs24.x' },
  'provided': { deprecated: '2024-01-08', createBlocked: '2024-02-08', updateBlocked: '2027-03-03', successor: 'provided.al2023' },
  'provided.al2': { deprecated: '2026-07-31', createBlocked: '2027-02-01', updateBlocked: '2027-03-03', successor: 'provided.al2023' },
  'provided.al2023': { deprecated: '2029-06-30', createBlocked: '2029-07-31', updateBlocked: '2029-08-31', successor: null },
  'python2.7': { deprecated: '2021-07-15', createBlocked: '2021-07-15', updateBlocked: '2022-05-30', successor: 'python3.14' },
  'python3.10': { deprecated: '2026-10-31', createBlocked: '2027-02-01', updateBlocked: '2027-03-03', successor: 'python3.14' },
  'python3.11': { deprecated: '2027-06-30', createBlocked: '2027-07-31', updateBlocked: '2027-08-31', successor: 'python3.14' },
  'python3.12': { deprecated: '2028-10-31', createBlocked: '2028-11-30', updateBlocked: '2029-01-10', successor: 'python3.14' },
  'python3.13': { deprecated: '2029-06-30', createBlocked: '2029-07-31', updateBlocked: '2029-08-31', successor: 'python3.14' },
  'python3.14': { deprecated: '2029-06-30', createBlocked: '2029-07-31', updateBlocked: '2029-08-31', successor: null },
  'python3.6': { deprecated: '2022-07-18', createBlocked: '2022-07-18', updateBlocked: '2022-08-29', successor: 'python3.14' },
  'python3.7': { deprecated: '2023-12-04', createBlocked: '2024-01-09', updateBlocked: '2027-03-03', successor: 'python3.14' },
  'python3.8': { deprecated: '2024-10-14', createBlocked: '2027-02-01', updateBlocked: '2027-03-03', successor: 'python3.14' },
  'python3.9': { deprecated: '2025-12-15', createBlocked: '2027-02-01', updateBlocked: '2027-03-03', successor: 'python3.14' },
  'ruby2.5': { deprecated: '2021-07-30', createBlocked: '2021-07-30', updateBlocked: '2022-03-31', successor: 'ruby4.0' },
  'ruby2.7': { deprecated: '2023-12-07', createBlocked: '2024-01-09', updateBlocked: '2027-03-03', successor: 'ruby4.0' },
  'ruby3.2': { deprecated: '2026-03-31', createBlocked: '2027-02-01', updateBlocked: '2027-03-03', successor: 'ruby4.0' },
  'ruby3.3': { deprecated: '2027-03-31', createBlocked: '2027-04-30', updateBlocked: '2027-05-31', successor: 'ruby4.0' },
  'ruby3.4': { deprecated: '2028-03-31', createBlocked: '2028-04-30', updateBlocked: '2028-05-31', successor: 'ruby4.0' },
  'ruby4.0': { deprecated: '2029-03-31', createBlocked: '2029-04-30', updateBlocked: '2029-05-31', successor: null },
};

/** Days before deprecation from which a runtime is reported as expiring. */
export const EXPIRY_WARNING_DAYS = 180;

/**
 * The rules' clock. Tests pin it with `clock.today = () => new Date('2027-01-01')` and restore it with
 * `resetClock()`; everything else uses the real date.
 */
export const clock: { today: () => Date } = { today: () => new Date() };

export function resetClock(): void {
  clock.today = () => new Date();
}

const DAY_MS = 86_400_000;

/** Whole days from `from` to the ISO date `iso` (negative once it has passed). */
export function daysUntil(iso: string, from: Date = clock.today()): number {
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  return Math.round((Date.parse(`${iso}T00:00:00Z`) - start) / DAY_MS);
}

export type RuntimeStatus =
  | { kind: 'unknown' }
  | { kind: 'supported'; daysLeft: number | undefined }
  | { kind: 'expiring'; daysLeft: number; deprecated: string }
  | { kind: 'deprecated'; deprecated: string; createBlocked: string | null; updateBlocked: string | null; blocked: 'create' | 'update' | null };

export function runtimeStatus(runtime: string, today: Date = clock.today()): RuntimeStatus {
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
