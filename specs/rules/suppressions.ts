// Suppression governance. A resource suppresses a rule in its Metadata:
//   compliance: { suppress: [{ id: RULE-ID, reason: '…', expires: 'YYYY-MM-DD' }] }   (expires optional)
// A suppression counts only when it has a reason, its expiry date (if any) is not past, and the rule is not
// mandatory. A suppression of a mandatory rule, or one whose `expires` is not a date, is itself an error finding
// (never a silent pass, and never an exit 2: one bad entry must not stop a scan of a hundred templates).
import type { Json, Template } from '../../scripts/lib/cfn/template.ts';
import type { Finding } from './types.ts';

export const SUPPRESSION_OF_MANDATORY_ID = 'SUPPRESSION-OF-MANDATORY';
export const SUPPRESSION_EXPIRES_ID = 'SUPPRESSION-EXPIRES';

/** Rule ids no suppression may silence: mandatory rules (defineRule registers them) and the engine's own ids. */
const MANDATORY = new Set<string>([SUPPRESSION_OF_MANDATORY_ID, SUPPRESSION_EXPIRES_ID]);

export function registerMandatory(...ids: string[]): void {
  for (const id of ids) MANDATORY.add(id);
}

export function isMandatory(id: string): boolean {
  return MANDATORY.has(id);
}

/** Whether a suppression counts, and if not why; `mandatory` wins over the others, then a bad date, then no reason. */
export type SuppressionStatus = 'active' | 'expired' | 'mandatory' | 'invalid-expires' | 'no-reason';

export interface Suppression {
  logicalId: string;
  /** Position in the resource's `suppress` list, for the property path. */
  index: number;
  ruleId: string;
  /** Trimmed; '' when missing. */
  reason: string;
  /** As written, when given. */
  expires?: string;
  status: SuppressionStatus;
}

/** The UTC calendar day of `date` as YYYY-MM-DD: the day `expires` is compared with. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Whether `value` is a real calendar date written YYYY-MM-DD (2030-02-30 is not). */
export function isIsoDate(value: Json | undefined): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && isoDay(parsed) === value;
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every suppression the resources of `template` declare, with its status on `today`, in template order. */
export function declaredSuppressions(template: Template, today: Date): Suppression[] {
  const day = isoDay(today);
  const out: Suppression[] = [];
  for (const [logicalId, resource] of Object.entries(template.resources)) {
    const compliance = resource.metadata['compliance'];
    const list = isObject(compliance) ? compliance['suppress'] : undefined;
    if (!Array.isArray(list)) continue;
    list.forEach((entry, index) => {
      if (!isObject(entry) || typeof entry['id'] !== 'string') return;
      const ruleId = entry['id'];
      const reason = typeof entry['reason'] === 'string' ? entry['reason'].trim() : '';
      const written = entry['expires'];
      // A YAML date that the loader kept as a number or anything else still shows as written.
      const expires = written === undefined ? undefined : typeof written === 'string' ? written : JSON.stringify(written);
      const status: SuppressionStatus = isMandatory(ruleId)
        ? 'mandatory'
        : written !== undefined && !isIsoDate(written)
          ? 'invalid-expires'
          : reason === ''
            ? 'no-reason'
            : expires !== undefined && day > expires
              ? 'expired'
              : 'active';
      out.push({ logicalId, index, ruleId, reason, ...(expires === undefined ? {} : { expires }), status });
    });
  }
  return out;
}

/** The findings the suppressions themselves raise: one per suppression of a mandatory rule or with a bad date. */
export function governanceFindings(suppressions: readonly Suppression[]): Finding[] {
  const out: Finding[] = [];
  for (const s of suppressions) {
    const path = `Metadata.compliance.suppress[${s.index}]`;
    if (s.status === 'mandatory') {
      out.push({
        ruleId: SUPPRESSION_OF_MANDATORY_ID,
        severity: 'error',
        logicalId: s.logicalId,
        path,
        message: `suppresses ${s.ruleId}, a mandatory rule that cannot be suppressed: the suppression does not count`,
      });
    } else if (s.status === 'invalid-expires') {
      out.push({
        ruleId: SUPPRESSION_EXPIRES_ID,
        severity: 'error',
        logicalId: s.logicalId,
        path: `${path}.expires`,
        message: `expires ${s.expires} is not a date written YYYY-MM-DD: the suppression of ${s.ruleId} does not count`,
      });
    }
  }
  return out;
}

/**
 * Applies the resource's suppression of the finding's rule, if one counts: the finding gets `suppressed`. When
 * the only one has expired, the finding stays active and its message says since when.
 */
export function applySuppression(finding: Finding, suppressions: readonly Suppression[]): void {
  const mine = suppressions.filter((s) => s.logicalId === finding.logicalId && s.ruleId === finding.ruleId);
  const counting = mine.find((s) => s.status === 'active');
  if (counting) {
    finding.suppressed = { reason: counting.reason, ...(counting.expires === undefined ? {} : { expires: counting.expires }) };
    return;
  }
  const expired = mine.find((s) => s.status === 'expired');
  if (expired) {
    finding.suppressionExpired = { reason: expired.reason, expires: expired.expires! };
    finding.message += `; suppression expired on ${expired.expires}`;
  }
}

/** How many findings a suppression silences (for the --show-suppressed listing). */
export function suppressedCount(s: Suppression, findings: readonly Finding[]): number {
  return s.status === 'active' ? findings.filter((f) => f.suppressed && f.logicalId === s.logicalId && f.ruleId === s.ruleId).length : 0;
}
