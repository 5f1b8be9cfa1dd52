// Small helpers shared by rules. Rules stay pure: they read the context and return findings.
import type { Json, JsonObject } from '../../scripts/lib/cfn/template.ts';
import { Resolver, type ResolvedResource, type TemplateView } from '../../scripts/lib/cfn/intrinsics.ts';
import type { RuleContext, RuleFinding } from './types.ts';

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: Json | undefined): Json[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function asStrings(value: Json | undefined): string[] {
  return asArray(value).filter((v): v is string => typeof v === 'string');
}

/** Reads `a.b[0].c` style paths from a resolved value. */
export function at(value: Json | undefined, path: string): Json | undefined {
  let current: Json | undefined = value;
  for (const part of path.split('.').flatMap((p) => p.split(/\[(\d+)\]/).filter(Boolean))) {
    if (current === undefined || current === null) return undefined;
    if (Array.isArray(current)) current = /^\d+$/.test(part) ? current[Number(part)] : undefined;
    else if (isObject(current)) current = current[part];
    else return undefined;
  }
  return current;
}

/** Every resource of the given types in every view, with the view it was resolved in. */
export function* resourcesOf(ctx: RuleContext, ...types: string[]): Generator<{ resource: ResolvedResource; view: TemplateView }> {
  for (const view of ctx.views) {
    for (const resource of view.resources) {
      if (types.length === 0 || types.includes(resource.type)) yield { resource, view };
    }
  }
}

/** A finding message that names the scenario when the template has more than one. */
export function inScenario(ctx: RuleContext, view: TemplateView, message: string): string {
  return ctx.views.length > 1 && view.scenario.label ? `${message} (${view.scenario.label})` : message;
}

export function finding(logicalId: string, path: string, message: string): RuleFinding {
  return { logicalId, path, message };
}

export interface PolicyStatement {
  statement: JsonObject;
  /** Path of the statement inside the resource, e.g. `Properties.PolicyDocument.Statement[1]`. */
  path: string;
}

/** Statements of a policy document, whether Statement is one object or a list. */
export function statementsOf(document: Json | undefined, basePath: string): PolicyStatement[] {
  if (!isObject(document)) return [];
  const raw = document['Statement'];
  if (Array.isArray(raw)) {
    return raw.flatMap((s, i) => (isObject(s) ? [{ statement: s, path: `${basePath}.Statement[${i}]` }] : []));
  }
  return isObject(raw) ? [{ statement: raw, path: `${basePath}.Statement` }] : [];
}

// ---------------------------------------------------------------- reference and scenario helpers
// (appended for the s3, logging, lambda, resilience, tagging and contract areas)

/** True when `value` is exactly what `!Ref logicalId` resolves to in this view. */
export function isRefTo(view: TemplateView, value: Json | undefined, logicalId: string): boolean {
  return value !== undefined && value !== null && value === view.resolve({ Ref: logicalId });
}

/** True when `value` is exactly what `!GetAtt logicalId.attr` resolves to in this view (ARNs canonicalised). */
export function isGetAttOf(view: TemplateView, value: Json | undefined, logicalId: string, attr = 'Arn'): boolean {
  return value !== undefined && value !== null && value === view.resolve({ 'Fn::GetAtt': [logicalId, attr] });
}

/** The resource of one of `types` that `value` is exactly a Ref or GetAtt `attr` of, in this view. */
export function targetOf(
  view: TemplateView,
  value: Json | undefined,
  types: string[],
  attrs: Array<'Ref' | string> = ['Ref', 'Arn'],
): ResolvedResource | undefined {
  if (value === undefined || value === null) return undefined;
  return view.resources.find(
    (r) => types.includes(r.type) && attrs.some((a) => (a === 'Ref' ? isRefTo(view, value, r.logicalId) : isGetAttOf(view, value, r.logicalId, a))),
  );
}

/** A resolved number (CloudFormation accepts numbers written as strings); undefined when not numeric. */
export function num(value: Json | undefined): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** A resolved boolean (CloudFormation accepts 'true'/'false' strings). */
export function bool(value: Json | undefined): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return undefined;
}

/** The value of `Environment` (or another parameter) in a view, when the scenario fixes it. */
export function scenarioValue(view: TemplateView, parameter = 'Environment'): string | undefined {
  return view.scenario.parameters[parameter];
}

/**
 * Collects findings over all scenarios and merges those on the same logical id and path into one, so a
 * template yields one finding per problem place; the message names the scenarios unless all have it.
 */
export class ScenarioFindings {
  private readonly byPlace = new Map<string, { logicalId: string; path: string; messages: string[]; labels: string[] }>();

  private readonly ctx: RuleContext;

  // Plain fields, not parameter properties: `npm run check` runs on Node's own type stripping.
  constructor(ctx: RuleContext) {
    this.ctx = ctx;
  }

  add(view: TemplateView | undefined, logicalId: string, path: string, message: string): void {
    const key = `${logicalId}|${path}`;
    let entry = this.byPlace.get(key);
    if (!entry) {
      entry = { logicalId, path, messages: [], labels: [] };
      this.byPlace.set(key, entry);
    }
    if (!entry.messages.includes(message)) entry.messages.push(message);
    const label = view?.scenario.label;
    if (label !== undefined && !entry.labels.includes(label)) entry.labels.push(label);
  }

  list(): RuleFinding[] {
    const total = this.ctx.views.length;
    return [...this.byPlace.values()].map((e) => {
      const text = e.messages.join('; ');
      const scoped = total > 1 && e.labels.length > 0 && e.labels.length < total && e.labels.some((l) => l !== '');
      return finding(e.logicalId, e.path, scoped ? `${text} (in ${e.labels.join(' | ')})` : text);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Appended for the iam / portability / encryption rules.

/**
 * The suffix that says in which scenarios a finding occurs, or '' when it occurs in all of them.
 * Parameters that keep one value across the matching views are named (`Environment=prod`); otherwise
 * the scenario labels are listed.
 */
export function scenarioSuffix(ctx: RuleContext, matching: readonly TemplateView[]): string {
  if (matching.length === 0 || matching.length >= ctx.views.length) return '';
  const first = matching[0]!.scenario.parameters;
  const constant = Object.entries(first).filter(([k, v]) => matching.every((m) => m.scenario.parameters[k] === v));
  const covered = ctx.views.filter((w) => constant.every(([k, v]) => w.scenario.parameters[k] === v));
  const label =
    constant.length > 0 && covered.length === matching.length
      ? constant.map(([k, v]) => `${k}=${v === '' ? "''" : v}`).join(', ')
      : matching.map((m) => m.scenario.label).join('; ');
  return ` (only when ${label})`;
}

/**
 * Runs a per-view check over every scenario and merges the results: a finding that occurs in every
 * scenario is reported once as is; one that occurs only in some says in which.
 */
export function acrossViews(ctx: RuleContext, check: (view: TemplateView) => RuleFinding[]): RuleFinding[] {
  const merged = new Map<string, { finding: RuleFinding; views: TemplateView[] }>();
  for (const view of ctx.views) {
    for (const f of check(view)) {
      const key = `${f.logicalId}|${f.path}|${f.message}`;
      const entry = merged.get(key);
      if (!entry) merged.set(key, { finding: f, views: [view] });
      else if (!entry.views.includes(view)) entry.views.push(view);
    }
  }
  return [...merged.values()].map(({ finding: f, views }) => ({ ...f, message: f.message + scenarioSuffix(ctx, views) }));
}

/** IAM action glob match (`s3:Get*` matches `s3:GetObject`), case-insensitive as IAM is. */
const actionPatterns = new Map<string, RegExp>();
export function actionMatches(pattern: string, action: string): boolean {
  let re = actionPatterns.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
    actionPatterns.set(pattern, re);
  }
  return re.test(action);
}

/** `*` or `service:*`. */
export function isWildcardAction(action: string): boolean {
  return action.trim() === '*' || /^[a-z0-9-]+:\*$/i.test(action.trim());
}

/** The statement's Action values (strings only). */
export function actionsOf(statement: JsonObject): string[] {
  return asStrings(statement['Action']);
}

export function isAllow(statement: JsonObject): boolean {
  return statement['Effect'] === 'Allow';
}

export interface PolicyDocumentRef {
  logicalId: string;
  resourceType: string;
  /** Path of the document inside the resource, e.g. `Properties.Policies[0].PolicyDocument`. */
  path: string;
  document: Json;
}

function parsedDocument(value: Json | undefined): Json | undefined {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as Json;
  } catch {
    return undefined;
  }
}

const INLINE_POLICY_OWNERS = ['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'];
const POLICY_RESOURCES = ['AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy', 'AWS::IAM::RolePolicy', 'AWS::IAM::UserPolicy', 'AWS::IAM::GroupPolicy'];
export const IDENTITY_POLICY_TYPES = [...INLINE_POLICY_OWNERS, ...POLICY_RESOURCES];

/** Identity policies of a view: inline `Policies` of roles/users/groups and the standalone policy types. */
/** Every Allow statement of every identity policy in the view, with the policy it belongs to. */
export function identityAllowStatements(view: TemplateView): Array<{ policy: PolicyDocumentRef; statement: JsonObject; path: string }> {
  return identityPolicies(view).flatMap((policy) =>
    statementsOf(policy.document, policy.path)
      .filter(({ statement }) => isAllow(statement))
      .map(({ statement, path }) => ({ policy, statement, path })),
  );
}

export function identityPolicies(view: TemplateView): PolicyDocumentRef[] {
  const out: PolicyDocumentRef[] = [];
  for (const resource of view.resources) {
    if (INLINE_POLICY_OWNERS.includes(resource.type)) {
      asArray(resource.resolved['Policies']).forEach((policy, i) => {
        if (!isObject(policy)) return;
        const document = parsedDocument(policy['PolicyDocument']);
        if (document !== undefined) out.push({ logicalId: resource.logicalId, resourceType: resource.type, path: `Properties.Policies[${i}].PolicyDocument`, document });
      });
    } else if (POLICY_RESOURCES.includes(resource.type)) {
      const document = parsedDocument(resource.resolved['PolicyDocument']);
      if (document !== undefined) out.push({ logicalId: resource.logicalId, resourceType: resource.type, path: 'Properties.PolicyDocument', document });
    }
  }
  return out;
}

/** Resource-based policy property of each type that has one. */
export const RESOURCE_POLICY_PROPERTY: Record<string, string> = {
  'AWS::S3::BucketPolicy': 'PolicyDocument',
  'AWS::SQS::QueuePolicy': 'PolicyDocument',
  'AWS::SQS::QueueInlinePolicy': 'PolicyDocument',
  'AWS::SNS::TopicPolicy': 'PolicyDocument',
  'AWS::SNS::TopicInlinePolicy': 'PolicyDocument',
  'AWS::KMS::Key': 'KeyPolicy',
  'AWS::SecretsManager::ResourcePolicy': 'ResourcePolicy',
};

/** Resource policies of a view: bucket, queue, topic, key and secret policies. */
export function resourcePolicies(view: TemplateView): PolicyDocumentRef[] {
  const out: PolicyDocumentRef[] = [];
  for (const resource of view.resources) {
    const prop = RESOURCE_POLICY_PROPERTY[resource.type];
    if (!prop) continue;
    const document = parsedDocument(resource.resolved[prop]);
    if (document !== undefined) out.push({ logicalId: resource.logicalId, resourceType: resource.type, path: `Properties.${prop}`, document });
  }
  return out;
}

/** Trust policies (AssumeRolePolicyDocument) of the roles of a view. */
export function trustPolicies(view: TemplateView): PolicyDocumentRef[] {
  const out: PolicyDocumentRef[] = [];
  for (const resource of view.resources) {
    if (resource.type !== 'AWS::IAM::Role') continue;
    const document = parsedDocument(resource.resolved['AssumeRolePolicyDocument']);
    if (document !== undefined) out.push({ logicalId: resource.logicalId, resourceType: resource.type, path: 'Properties.AssumeRolePolicyDocument', document });
  }
  return out;
}

/** Principal entries of a statement: `*` becomes `{ kind: 'AWS', value: '*' }`. */
export function principalsOf(statement: JsonObject, key = 'Principal'): Array<{ kind: string; value: string }> {
  const principal = statement[key];
  if (principal === undefined) return [];
  if (typeof principal === 'string') return [{ kind: 'AWS', value: principal }];
  if (!isObject(principal)) return [{ kind: 'AWS', value: JSON.stringify(principal) }];
  return Object.entries(principal).flatMap(([kind, v]) => asArray(v).map((value) => ({ kind, value: typeof value === 'string' ? value : String(value) })));
}

/** Condition keys of a statement, lower-cased, with their values, whatever the operator. */
export function conditionEntries(statement: JsonObject): Array<{ operator: string; key: string; values: Json[] }> {
  const condition = statement['Condition'];
  if (!isObject(condition)) return [];
  const out: Array<{ operator: string; key: string; values: Json[] }> = [];
  for (const [operator, block] of Object.entries(condition)) {
    if (!isObject(block)) continue;
    for (const [key, value] of Object.entries(block)) out.push({ operator, key: key.toLowerCase(), values: asArray(value) });
  }
  return out;
}

/** Logical ids of the KMS keys that exist in this view. */
export function stackKeyIds(view: TemplateView): string[] {
  return view.resources.filter((r) => r.type === 'AWS::KMS::Key').map((r) => r.logicalId);
}

/**
 * The stack KMS key a resolved value designates (by key id, key ARN, hand-built key ARN or an alias of
 * the stack declared in the stack), or undefined. `arnOnly` demands an ARN (log groups, Lambda).
 */
export function stackKeyOf(view: TemplateView, value: Json | undefined, arnOnly = false, viaAlias = true): string | undefined {
  if (typeof value !== 'string') return undefined;
  const keys = stackKeyIds(view);
  for (const id of keys) {
    if (value === `{{GetAtt:${id}.Arn}}`) return id;
    if (arnParts(value)?.service === 'kms' && arnParts(value)?.resource === `key/{{Ref:${id}}}`) return id;
    if (!arnOnly && (value === `{{Ref:${id}}}` || value === `{{GetAtt:${id}.KeyId}}`)) return id;
  }
  if (arnOnly || !viaAlias) return undefined;
  for (const alias of view.resources.filter((r) => r.type === 'AWS::KMS::Alias')) {
    const target = alias.resolved['TargetKeyId'];
    const key = stackKeyOf(view, target, false, false);
    if (!key) continue;
    const name = alias.resolved['AliasName'];
    if (value === `{{Ref:${alias.logicalId}}}` || (typeof name === 'string' && value === name)) return key;
  }
  return undefined;
}

/** The function(s) of the backup product: Lambda functions with a BACKUP_BUCKET variable, else all. */
export function backupFunctions(view: TemplateView): ResolvedResource[] {
  const functions = view.resources.filter((r) => r.type === 'AWS::Lambda::Function');
  const marked = functions.filter((f) => at(f.resolved, 'Environment.Variables.BACKUP_BUCKET') !== undefined);
  return marked.length > 0 ? marked : functions;
}

/** Execution roles (logical ids of stack roles) of the given functions. */
export function executionRoleIds(view: TemplateView, functions: readonly ResolvedResource[]): string[] {
  const roles = new Set(view.resources.filter((r) => r.type === 'AWS::IAM::Role').map((r) => r.logicalId));
  const out = new Set<string>();
  for (const fn of functions) {
    const role = fn.resolved['Role'];
    if (typeof role !== 'string') continue;
    const m = /^\{\{GetAtt:([A-Za-z0-9]+)\.Arn\}\}$/.exec(role) ?? /:role\/(?:.*\/)?\{\{Ref:([A-Za-z0-9]+)\}\}$/.exec(role);
    if (m && roles.has(m[1]!)) out.add(m[1]!);
  }
  return [...out];
}

/** Every identity policy document that applies to one of the roles (inline, attached or pointing at it). */
export function policiesOfRoles(view: TemplateView, roleIds: readonly string[]): PolicyDocumentRef[] {
  if (roleIds.length === 0) return [];
  const attached = new Set<string>();
  for (const role of view.resources.filter((r) => roleIds.includes(r.logicalId))) {
    for (const arn of asStrings(role.resolved['ManagedPolicyArns'])) {
      const m = /^\{\{Ref:([A-Za-z0-9]+)\}\}$/.exec(arn);
      if (m) attached.add(m[1]!);
    }
  }
  return identityPolicies(view).filter((p) => {
    if (roleIds.includes(p.logicalId)) return true;
    if (attached.has(p.logicalId)) return true;
    const resource = view.resources.find((r) => r.logicalId === p.logicalId);
    if (!resource) return false;
    const targets = [...asArray(resource.resolved['Roles']), ...asArray(resource.resolved['RoleName'])];
    return targets.some((t) => typeof t === 'string' && roleIds.some((id) => t === `{{Ref:${id}}}`));
  });
}

/** One string (or number) found anywhere in a template, with where it was found. */
export interface ScannedString {
  logicalId: string;
  path: string;
  value: string;
  /** The views in which it has this value (every view for the non-resource sections). */
  views: TemplateView[];
}

function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

/** Calls `visit` for every string and number leaf of a value. */
export function walkLeaves(value: Json | undefined, path: string, visit: (leaf: string, path: string, isNumber: boolean) => void): void {
  if (typeof value === 'string') visit(value, path, false);
  else if (typeof value === 'number') visit(String(value), path, true);
  else if (Array.isArray(value)) value.forEach((v, i) => walkLeaves(v, joinPath(path, i), visit));
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) walkLeaves(v, joinPath(path, k), visit);
}

const scanned = new WeakMap<RuleContext, ScannedString[]>();

/**
 * Every string of the template after resolving intrinsics: resource properties and metadata (per
 * scenario), outputs, parameters, mappings, conditions, rules and top-level metadata. Cached per context.
 */
export function templateStrings(ctx: RuleContext): ScannedString[] {
  const cached = scanned.get(ctx);
  if (cached) return cached;
  const merged = new Map<string, ScannedString>();
  const add = (logicalId: string, path: string, value: string, view: TemplateView | undefined) => {
    const key = `${logicalId}|${path}|${value}`;
    const entry = merged.get(key);
    if (!entry) merged.set(key, { logicalId, path, value, views: view ? [view] : [...ctx.views] });
    else if (view && !entry.views.includes(view)) entry.views.push(view);
  };
  for (const view of ctx.views) {
    for (const resource of view.resources) {
      walkLeaves(resource.resolved, 'Properties', (v, p) => add(resource.logicalId, p, v, view));
      // Suppression reasons are prose about the rules, not configuration: not scanned.
      const { compliance: _reasons, ...metadata } = resource.metadata;
      if (Object.keys(metadata).length > 0) {
        walkLeaves(view.resolve(metadata), 'Metadata', (v, p) => add(resource.logicalId, p, v, view));
      }
    }
    for (const [name, output] of Object.entries(view.outputs)) {
      walkLeaves(output, '', (v, p) => add(`Outputs.${name}`, p, v, view));
    }
  }
  const first = ctx.views[0];
  const resolve = (v: Json) => (first ? first.resolve(v) : v);
  const raw = ctx.template.raw;
  for (const section of ['Parameters', 'Mappings', 'Conditions', 'Rules']) {
    const value = raw[section];
    if (!isObject(value)) continue;
    for (const [name, entry] of Object.entries(value)) walkLeaves(resolve(entry), '', (v, p) => add(`${section}.${name}`, p, v, undefined));
  }
  if (typeof raw['Description'] === 'string') add('Template', 'Description', raw['Description'], undefined);
  if (isObject(raw['Metadata'])) {
    for (const [k, v] of Object.entries(raw['Metadata'])) {
      if (k === 'ExpectedFindings') continue;
      walkLeaves(resolve(v), `Metadata.${k}`, (leaf, p) => add('Template', p, leaf, undefined));
    }
  }
  const out = [...merged.values()];
  scanned.set(ctx, out);
  return out;
}

/**
 * Findings for every scanned string that `match` flags: `match` returns the offending snippet (or
 * undefined) and `message` words the finding. Findings name the scenarios when not in all of them.
 */
export function scanStrings(
  ctx: RuleContext,
  match: (value: string) => string | undefined,
  message: (snippet: string, value: string) => string,
): RuleFinding[] {
  const out = new Map<string, { f: RuleFinding; views: TemplateView[] }>();
  for (const s of templateStrings(ctx)) {
    const snippet = match(s.value);
    if (snippet === undefined) continue;
    const text = message(snippet, s.value);
    const key = `${s.logicalId}|${s.path}|${text}`;
    const entry = out.get(key);
    if (!entry) out.set(key, { f: { logicalId: s.logicalId, path: s.path, message: text }, views: [...s.views] });
    else for (const v of s.views) if (!entry.views.includes(v)) entry.views.push(v);
  }
  return [...out.values()].map(({ f, views }) => ({ ...f, message: f.message + scenarioSuffix(ctx, views) }));
}

/** One ARN field in a resolved string: tokens such as `{{AWS::Region}}` contain colons, so `[^:]*` is not enough. */
export const ARN_FIELD = '(?:\\{\\{[^}]*\\}\\}|[^:{])*';

/** Splits a resolved ARN into its fields (partition, service, region, account, resource), or undefined. */
export function arnParts(value: string): { partition: string; service: string; region: string; account: string; resource: string } | undefined {
  const m = new RegExp(`^arn:(${ARN_FIELD}):(${ARN_FIELD}):(${ARN_FIELD}):(${ARN_FIELD}):(.+)$`, 's').exec(value.trim());
  if (!m) return undefined;
  return { partition: m[1]!, service: m[2]!, region: m[3]!, account: m[4]!, resource: m[5]! };
}

/**
 * Resolves `value` in the view's scenario without turning physical names back into `{{Ref:Id}}`, for rules
 * that compare the names themselves (e.g. `/aws/lambda/<function name>`, names that carry the environment).
 */
export function resolveLiteral(ctx: RuleContext, view: TemplateView, value: Json): Json {
  return new Resolver({ ...ctx.template, resources: {} }, view.scenario).resolve(value);
}
