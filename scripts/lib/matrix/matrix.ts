// The permission matrix: every row of a contract (principal, action, resource, context -> allowed or
// denied), evaluated against a template's policies for one sample deployment, and compared with the
// contract. A row that became allowed or stopped being allowed is a difference the CLI exits 1 for.
import type { Template } from '../cfn/template.ts';
import { concretise, type ConcretiseOptions, type Partition } from './concretise.ts';
import { attackerContexts, externalKind, otherNamedServices } from './attacker.ts';
import { evaluate, governingPolicy, principalFor, principalLabel, type Decision, type Evaluation, type PrincipalKey } from './evaluate.ts';
import { discoverStack, type BackupStack, type Sample, type UnreadablePolicy } from './stack.ts';

export interface ContractRow {
  /** Stable id, e.g. `role.s3.delete-backup`; the widening specs name rows by it. */
  id: string;
  principal: PrincipalKey;
  action: string;
  resource: (s: Sample) => string;
  /** Extra request context; `null` removes a key the evaluator would add (e.g. aws:SecureTransport). */
  context?: (s: Sample) => Record<string, string | string[] | null>;
  /** Short human description of the context, e.g. `via S3`, `TLS off`; defaults to the keys set. */
  contextLabel?: string;
  resourceAccount?: (s: Sample) => string;
  expect: Decision;
  /** Why the contract says so: what the backup needs, or what it must never do. */
  why: string;
  /**
   * Only rows whose guard holds apply (e.g. outside-the-prefix rows need a prefix, verifier rows a verifier).
   * A row whose guard does not hold is not evaluated, and the result lists it as not applicable (never silently).
   */
  when?: (s: Sample) => boolean;
  /** Why the row does not apply when `when` does not hold, e.g. `the template has no restore verifier`. */
  whenNot?: string | ((s: Sample) => string);
  /**
   * The row's service stands for any service the contract gives no job: the row also runs for every other
   * service principal the stack's resource policies name (id `<row>@<service>`).
   */
  anyOtherService?: boolean;
}

export interface MatrixRow {
  id: string;
  principal: string;
  principalKey: PrincipalKey;
  action: string;
  resource: string;
  context: string;
  contextKeys: Record<string, string | string[]>;
  expected: Decision;
  actual: Decision;
  detail: string;
  deciding: string[];
  why: string;
  matches: boolean;
  /**
   * Only in a result over several scenarios, when the row (this resource, context and decision) holds in some
   * of them only: `only when Environment=prod`, or the scenarios listed.
   */
  onlyWhen?: string;
}

/** A contract row whose `when` did not hold for the sample deployment: not evaluated, and said so. */
export interface NotApplicableRow {
  id: string;
  principal: string;
  action: string;
  reason: string;
}

export interface MatrixResult {
  template: string;
  partition: Partition;
  region: string;
  account: string;
  parameters: Record<string, string>;
  rows: MatrixRow[];
  /** Rows the contract denies that the template allows. */
  becameAllowed: MatrixRow[];
  /** Rows the contract allows that the template denies. */
  stoppedBeingAllowed: MatrixRow[];
  /** Policies the evaluator could not see; the matrix is silent about what they grant. */
  unevaluated: string[];
  /** Attached identity policies without a document (a managed policy ARN the template does not define): the CLI fails closed. */
  unreadable: UnreadablePolicy[];
  /** AWS-managed policies evaluated from the shipped documents (stack.ts `awsManaged`). */
  awsManaged: string[];
  /**
   * Contract rows whose `when` did not hold (in every scenario, for a result over several): not evaluated. The
   * Markdown, the JSON and the CLI's stderr list them; a row that applies in some scenarios only is in `rows`,
   * marked `only when …`.
   */
  notApplicable: NotApplicableRow[];
  /** Only in a result over several scenarios (see scenarios.ts): the scenarios evaluated. */
  scenarios?: Array<{ label: string; parameters: Record<string, string> }>;
  /** Only in a result over several scenarios: what was not evaluated (a scenario budget, a scenario that failed). */
  notEvaluated?: string[];
}

export type MatrixOptions = ConcretiseOptions;

function describeContext(ctx: Record<string, string | string[] | null>): string {
  const parts = Object.entries(ctx).map(([k, v]) => (v === null ? `no ${k}` : `${k}=${Array.isArray(v) ? v.join('|') : v}`));
  return parts.length === 0 ? '-' : parts.join(', ');
}

export async function runMatrix(template: Template, contract: readonly ContractRow[], options: MatrixOptions = {}): Promise<MatrixResult> {
  const concrete = concretise(template, options);
  const stack: BackupStack = discoverStack(concrete);
  const s = stack.sample;
  const rows: MatrixRow[] = [];
  const notApplicable: NotApplicableRow[] = [];
  const seen = new Set<string>();
  const ask = (row: ContractRow, principal: PrincipalKey, resource: string, context: Record<string, string | string[] | null>) =>
    evaluate(stack, { principal, action: row.action, resource, context, ...(row.resourceAccount ? { resourceAccount: row.resourceAccount(s) } : {}) });
  const add = (row: ContractRow, id: string, principal: PrincipalKey, resource: string, label: string, result: Evaluation) =>
    rows.push({
      id, principal: principalFor(stack, principal).label, principalKey: principal, action: row.action, resource, context: label,
      contextKeys: result.context, expected: row.expect, actual: result.decision, detail: result.detail, deciding: result.deciding,
      why: row.why, matches: row.expect === result.decision,
    });
  const otherServices = otherNamedServices(stack, [...new Set(contract.map((r) => r.principal))]);
  for (const row of contract) {
    if (seen.has(row.id)) throw new Error(`contract row id ${row.id} is used twice`);
    seen.add(row.id);
    if (row.when && !row.when(s)) {
      notApplicable.push({ id: row.id, principal: principalLabel(s, row.principal), action: row.action, reason: (typeof row.whenNot === 'function' ? row.whenNot(s) : row.whenNot) ?? 'its condition does not hold for this template' });
      continue;
    }
    const context = row.context?.(s) ?? {};
    const resource = row.resource(s);
    const principals = row.anyOtherService ? [row.principal, ...otherServices] : [row.principal];
    for (const principal of principals) {
      const id = principal === row.principal ? row.id : `${row.id}@${principal.slice('service:'.length)}`;
      const label = row.contextLabel ?? describeContext(context);
      add(row, id, principal, resource, label, await ask(row, principal, resource, context));
      // An outsider that must be denied is asked again with what it would send to satisfy each Allow (attacker.ts):
      // one `+attacker` row, the first variant that is allowed, else the first one.
      const kind = row.expect === 'denied' ? externalKind(principal) : undefined;
      if (!kind) continue;
      let shown: { label: string; result: Evaluation } | undefined;
      const policy = governingPolicy(stack, resource, row.action);
      const variants = [
        ...attackerContexts(stack, kind, policy),
        // A service with no job here must not get in for this account's resources either.
        ...(row.anyOtherService ? attackerContexts(stack, kind, policy, s.account) : []),
      ];
      for (const v of variants) {
        const result = await ask(row, principal, resource, { ...context, ...v.context });
        shown ??= { label: v.label, result };
        if (result.decision === 'allowed') {
          shown = { label: v.label, result };
          break;
        }
      }
      if (shown) add(row, `${id}+attacker`, principal, resource, label === '-' ? shown.label : `${label}; ${shown.label}`, shown.result);
    }
  }
  return {
    template: template.source,
    partition: concrete.partition,
    region: concrete.region,
    account: concrete.accountId,
    parameters: concrete.parameters,
    rows,
    becameAllowed: rows.filter((r) => r.expected === 'denied' && r.actual === 'allowed'),
    stoppedBeingAllowed: rows.filter((r) => r.expected === 'allowed' && r.actual === 'denied'),
    unevaluated: stack.unevaluated,
    unreadable: stack.unreadable,
    awsManaged: stack.awsManaged,
    notApplicable,
  };
}

/** The not-applicable rows grouped by reason: `<reason>: N contract row(s) not evaluated (id, id, ...)`. */
export function notApplicableLines(result: MatrixResult): string[] {
  const byReason = new Map<string, string[]>();
  for (const r of result.notApplicable) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r.id]);
  return [...byReason].map(([reason, ids]) => `${reason}: ${ids.length} contract row(s) not evaluated (${ids.join(', ')})`);
}

export function differs(result: MatrixResult): boolean {
  return result.becameAllowed.length > 0 || result.stoppedBeingAllowed.length > 0;
}

/** What keeps the result from passing although no row may differ: unreadable policies, unevaluated scenarios. */
export function incompleteLines(result: MatrixResult): string[] {
  return [
    ...result.unreadable.map((u) => `cannot evaluate attached policy ${u.arn}: ${u.reason}`),
    ...(result.notEvaluated ?? []).map((n) => `not evaluated: ${n}`),
  ];
}

/** The gate: every row matches in every scenario, every attached policy was read, every scenario was evaluated. */
export function passes(result: MatrixResult): boolean {
  return !differs(result) && incompleteLines(result).length === 0;
}

/** One line per difference, naming the action, the resource, who and by which statement. */
export function differenceLines(result: MatrixResult): string[] {
  const line = (verb: string, r: MatrixRow) =>
    `${verb}: ${r.action} on ${r.resource} by ${r.principal}${r.context === '-' ? '' : ` (${r.context})`} [${r.id}] - ${r.deciding.join('; ')}${r.onlyWhen ? ` (${r.onlyWhen})` : ''}`;
  return [...result.becameAllowed.map((r) => line('became allowed', r)), ...result.stoppedBeingAllowed.map((r) => line('stopped being allowed', r))];
}

export interface Counts {
  rows: number;
  allowed: number;
  denied: number;
  byPrincipal: Record<string, { allowed: number; denied: number }>;
}

export function counts(result: MatrixResult): Counts {
  const byPrincipal: Counts['byPrincipal'] = {};
  for (const r of result.rows) {
    const c = (byPrincipal[r.principal] ??= { allowed: 0, denied: 0 });
    c[r.actual] += 1;
  }
  return {
    rows: result.rows.length,
    allowed: result.rows.filter((r) => r.actual === 'allowed').length,
    denied: result.rows.filter((r) => r.actual === 'denied').length,
    byPrincipal,
  };
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(result: MatrixResult): string {
  const c = counts(result);
  const out: string[] = [];
  out.push(`# Permission matrix: ${result.template}`);
  out.push('');
  out.push(`Sample deployment: partition \`${result.partition}\`, region \`${result.region}\`, account \`${result.account}\`; ` +
    `parameters ${Object.entries(result.parameters).map(([k, v]) => `${k}=\`${v === '' ? "''" : v}\``).join(', ')}.`);
  if (result.scenarios && result.scenarios.length > 0) {
    out.push('');
    out.push(`Evaluated in ${result.scenarios.length} scenario(s): ${result.scenarios.map((x) => `\`${x.label || 'the sample deployment'}\``).join('; ')}; ` +
      'the parameters above are the first one\'s. A row that holds in some scenarios only says so in its context.');
  }
  out.push('');
  out.push(`${c.rows} rows: ${c.allowed} allowed, ${c.denied} denied. ` +
    Object.entries(c.byPrincipal).map(([p, n]) => `${p}: ${n.allowed} allowed / ${n.denied} denied`).join('; ') + '.');
  const diff = result.becameAllowed.length + result.stoppedBeingAllowed.length;
  out.push('');
  out.push(diff === 0
    ? 'Every row matches the contract.'
    : `**${diff} row(s) differ from the contract** (${result.becameAllowed.length} became allowed, ${result.stoppedBeingAllowed.length} stopped being allowed).`);
  for (const line of notApplicableLines(result)) out.push(`\n> **Not applicable**: ${line}.`);
  for (const m of result.awsManaged) out.push(`\n> AWS-managed policy evaluated: ${m}.`);
  for (const u of result.unevaluated) out.push(`\n> Not evaluated: ${u}.`);
  for (const line of incompleteLines(result)) out.push(`\n> **Fails closed**: ${line}.`);
  out.push('');
  out.push('| # | principal | action | resource | context | decision | contract | deciding statement |');
  out.push('|---|---|---|---|---|---|---|---|');
  result.rows.forEach((r, i) => {
    const decision = r.matches ? r.actual : `**${r.actual.toUpperCase()}** (differs)`;
    out.push(`| ${i + 1} | ${cell(r.principal)} | \`${r.action}\` | \`${cell(r.resource)}\` | ${cell(r.onlyWhen ? `${r.context} (${r.onlyWhen})` : r.context)} | ${decision} | ${r.expected} | ${cell(r.deciding.join('; '))} |`);
  });
  return out.join('\n') + '\n';
}

export function renderJson(result: MatrixResult): string {
  return JSON.stringify(
    {
      template: result.template,
      partition: result.partition,
      region: result.region,
      account: result.account,
      parameters: result.parameters,
      counts: counts(result),
      matches: !differs(result),
      passes: passes(result),
      differences: differenceLines(result),
      unevaluated: result.unevaluated,
      cannotEvaluate: result.unreadable,
      awsManagedPolicies: result.awsManaged,
      notApplicable: result.notApplicable,
      ...(result.scenarios ? { scenarios: result.scenarios, notEvaluated: result.notEvaluated ?? [] } : {}),
      rows: result.rows.map((r) => ({
        id: r.id, principal: r.principal, action: r.action, resource: r.resource, context: r.contextKeys,
        decision: r.actual, expected: r.expected, matches: r.matches, evaluator: r.detail, deciding: r.deciding, why: r.why,
        ...(r.onlyWhen ? { onlyWhen: r.onlyWhen } : {}),
      })),
    },
    null,
    2,
  ) + '\n';
}
