// How `npm run check` shows suppressions: a suppressed finding's justification (its reason and expiry) in every
// format, and with `--show-suppressed` the list of every suppression the template declares, whether it counts
// and why not (specs/rules/suppressions.ts decides; this module only renders).
import type { Finding } from '../../specs/rules/types.ts';
import { suppressedCount, type Suppression } from '../../specs/rules/suppressions.ts';
import { plural, shortId, xml } from './check-format.ts';

/** A suppressed finding's justification: the reason, and until when it holds. */
export function justification(suppressed: { reason: string; expires?: string }): string {
  return suppressed.expires === undefined ? suppressed.reason : `${suppressed.reason}; expires ${suppressed.expires}`;
}

/** One line on what a suppression does today. */
export function suppressionState(s: Suppression, findings: readonly Finding[]): string {
  switch (s.status) {
    case 'active':
      return `suppresses ${plural(suppressedCount(s, findings), 'finding')}${s.expires === undefined ? '' : ` until ${s.expires}`}`;
    case 'expired':
      return `expired on ${s.expires}: does not count`;
    case 'mandatory':
      return `does not count: ${s.ruleId} is mandatory`;
    case 'invalid-expires':
      return `does not count: expires ${s.expires} is not a date YYYY-MM-DD`;
    default:
      return 'does not count: no reason given';
  }
}

/** The text listing: `SUPPRESSION RULE  LogicalId  state  (reason)`, one line per declared suppression. */
export function suppressionLines(suppressions: readonly Suppression[], findings: readonly Finding[]): string[] {
  return suppressions.map((s) => `SUPPRESSION ${s.ruleId}  ${shortId(s.logicalId)}  ${suppressionState(s, findings)}  (${s.reason || 'no reason'})`);
}

/** The JSON (and SARIF `properties.suppressions`) listing. */
export function suppressionEntries(suppressions: readonly Suppression[], findings: readonly Finding[]) {
  return suppressions.map((s) => ({
    logicalId: s.logicalId,
    ruleId: s.ruleId,
    path: `Metadata.compliance.suppress[${s.index}]`,
    reason: s.reason,
    ...(s.expires === undefined ? {} : { expires: s.expires }),
    status: s.status,
    counts: s.status === 'active',
    suppresses: suppressedCount(s, findings),
    state: suppressionState(s, findings),
  }));
}

/** JUnit: each suppressed finding as a skipped testcase whose message is its justification. */
export function junitSkipped(findings: readonly Finding[]): string[] {
  return findings
    .filter((f) => f.suppressed)
    .map(
      (f) =>
        `    <testcase classname="compliance.suppressed" name="${xml(`${f.ruleId} ${f.logicalId} ${f.path}`.trim())}" time="0">\n` +
        `      <skipped message="${xml(`suppressed: ${justification(f.suppressed!)}`)}"/>\n    </testcase>`,
    );
}
