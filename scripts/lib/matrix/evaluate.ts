// Asks a real IAM policy evaluator (@cloud-copilot/iam-simulate: identity and resource policies,
// every condition operator, same- and cross-account trust, KMS key-policy trust) whether one principal
// may perform one action on one resource in one request context, and which statements decided it.
import { anonymousPrincipal, runSimulation, type Simulation, type SimulationResourceResult } from '@cloud-copilot/iam-simulate';
import type { Json, JsonObject } from '../cfn/template.ts';
import { s3Bucket, type BackupStack, type PolicyDocument, type ResourcePolicy, type Sample } from './stack.ts';

/**
 * Who asks. `backup-role` is the function's execution role (a session of it) with its identity policies;
 * `account-admin` and `other-account` are roles whose identity policies allow everything, so only the
 * stack's resource policies stand between them and the resource; `break-glass` is such a role too, the one the
 * backup bucket policy excepts from its Object Lock denials (rows about it apply only when the template names
 * one); `service:<name>` is a service principal.
 */
export type PrincipalKey = 'backup-role' | 'verifier-role' | 'account-admin' | 'break-glass' | 'other-account' | 'anonymous' | `service:${string}`;

export interface Principal {
  key: PrincipalKey;
  /** Short label for the matrix, e.g. `backup role`, `events.amazonaws.com`. */
  label: string;
  /** The request principal: an ARN, a service principal, or anonymous. */
  principal: string | typeof anonymousPrincipal;
  /** Account of an IAM principal (undefined for services and anonymous). */
  account?: string;
  /** ARN of the role behind a session, for aws:PrincipalArn. */
  principalArn?: string;
  identityPolicies: PolicyDocument[];
  permissionsBoundary?: PolicyDocument;
}

export interface Request {
  principal: PrincipalKey;
  action: string;
  resource: string;
  /** The account that owns the resource; defaults to the ARN's account, or the stack's account for S3. */
  resourceAccount?: string;
  /** Context keys to set; `null` removes one the evaluator would otherwise add (e.g. aws:SecureTransport). */
  context: Record<string, string | string[] | null>;
}

export type Decision = 'allowed' | 'denied';

export interface Evaluation {
  decision: Decision;
  /** The evaluator's own word: Allowed, ExplicitlyDenied or ImplicitlyDenied. */
  detail: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
  /** Statements that decided it, as `<policy>#<Sid or [index]>`; for an implicit deny, why no Allow applied. */
  deciding: string[];
  /** The context keys the evaluator used (after dropping those the action does not support). */
  context: Record<string, string | string[]>;
}

/** The evaluator refused the request or a policy (exit code 2 from the CLI). */
export class EvaluationError extends Error {
  override readonly name = 'EvaluationError';
}

const ALLOW_EVERYTHING: JsonObject = { Version: '2012-10-17', Statement: [{ Sid: 'AllowEverything', Effect: 'Allow', Action: '*', Resource: '*' }] };

const LABELS: Record<Exclude<PrincipalKey, `service:${string}`>, string> = {
  'backup-role': 'backup role',
  'verifier-role': 'verifier role',
  'account-admin': 'account admin',
  'break-glass': 'break-glass role',
  'other-account': 'other account',
  anonymous: 'anonymous',
};

/** How the matrix names a principal: `backup role`, `verifier role`, a service principal as AWS spells it. */
export function principalLabel(s: Sample, key: PrincipalKey): string {
  return key.startsWith('service:') ? s.service(key.slice('service:'.length)) : LABELS[key as keyof typeof LABELS];
}

export function principalFor(stack: BackupStack, key: PrincipalKey): Principal {
  const s = stack.sample;
  switch (key) {
    case 'backup-role':
      return {
        key,
        label: 'backup role',
        principal: `arn:${s.partition}:sts::${s.account}:assumed-role/${s.role.name}/${s.fn.name}`,
        account: s.account,
        principalArn: s.role.arn,
        identityPolicies: stack.identityPolicies,
        ...(stack.permissionsBoundary ? { permissionsBoundary: stack.permissionsBoundary } : {}),
      };
    case 'verifier-role': {
      // A session of the verifier's execution role, as Lambda creates it, with the role's identity policies.
      const v = s.verifier;
      if (v === undefined || stack.verifier === undefined) throw new EvaluationError('no restore verifier: the template has no function told the backup bucket and no source');
      return {
        key,
        label: principalLabel(s, key),
        principal: `arn:${s.partition}:sts::${s.account}:assumed-role/${v.role.name}/${v.fn.name}`,
        account: s.account,
        principalArn: v.role.arn,
        identityPolicies: stack.verifier.identityPolicies,
        ...(stack.verifier.permissionsBoundary ? { permissionsBoundary: stack.verifier.permissionsBoundary } : {}),
      };
    }
    case 'account-admin': {
      const arn = `arn:${s.partition}:iam::${s.account}:role/AccountAdmin`;
      return { key, label: 'account admin', principal: arn, account: s.account, principalArn: arn, identityPolicies: [{ id: 'AdminIdentityPolicy', logicalId: '-', document: ALLOW_EVERYTHING }] };
    }
    case 'break-glass': {
      const arn = s.objectLock?.breakGlassRoleArn;
      if (arn === undefined) throw new EvaluationError('no break-glass role: the backup bucket policy excepts no aws:PrincipalArn from its Object Lock denials');
      return { key, label: 'break-glass role', principal: arn, account: s.account, principalArn: arn, identityPolicies: [{ id: 'BreakGlassIdentityPolicy', logicalId: '-', document: ALLOW_EVERYTHING }] };
    }
    case 'other-account': {
      const arn = `arn:${s.partition}:iam::${s.otherAccount}:role/OtherAccountAdmin`;
      return { key, label: 'other account', principal: arn, account: s.otherAccount, principalArn: arn, identityPolicies: [{ id: 'OtherAccountIdentityPolicy', logicalId: '-', document: ALLOW_EVERYTHING }] };
    }
    case 'anonymous':
      return { key, label: 'anonymous', principal: anonymousPrincipal, identityPolicies: [] };
    default: {
      const service = s.service(key.slice('service:'.length));
      return { key, label: service, principal: service, identityPolicies: [] };
    }
  }
}

// The evaluator accepts variable condition keys only in the `prefix/name` form (aws:PrincipalTag/x), so
// it drops a request's `kms:EncryptionContext:aws:logs:arn` as unknown. Both the policies and the request
// spell such a key under a slash-form alias instead; the rename is one-to-one, so matching is unchanged.
const COLON_VARIABLE_KEY = /^kms:EncryptionContext:(.+)$/i;
const ALIAS_PREFIX = 'aws:RequestTag/kms-encryption-context:';

function statementList(document: JsonObject): Json[] {
  const st = document['Statement'];
  return st === undefined ? [] : Array.isArray(st) ? st : [st];
}

function aliasKey(key: string): string {
  const m = COLON_VARIABLE_KEY.exec(key);
  return m ? `${ALIAS_PREFIX}${m[1]}` : key;
}

function unaliasKey(key: string): string {
  return key.toLowerCase().startsWith(ALIAS_PREFIX.toLowerCase()) ? `kms:EncryptionContext:${key.slice(ALIAS_PREFIX.length)}` : key;
}

// The evaluator treats a principal as a service only when it ends in `amazonaws.com`, so the aws-cn
// spelling `events.amazonaws.com.cn` would be taken for something else. Such principals get a one-to-one
// alias that ends the expected way, in the policies and in the request alike.
const CN_SERVICE = /\.amazonaws\.com\.cn$/;
const CN_ALIAS = '.cn-partition.amazonaws.com';

function aliasService(principal: string): string {
  return CN_SERVICE.test(principal) ? `${principal}${CN_ALIAS}` : principal;
}

function aliasPrincipalBlock(principal: Json | undefined): Json | undefined {
  if (typeof principal !== 'object' || principal === null || Array.isArray(principal)) return principal;
  const service = principal['Service'];
  if (service === undefined) return principal;
  return {
    ...principal,
    Service: Array.isArray(service) ? service.map((x) => (typeof x === 'string' ? aliasService(x) : x)) : typeof service === 'string' ? aliasService(service) : service,
  };
}

function aliasPolicy(document: JsonObject): JsonObject {
  const statements = statementList(document);
  const rewritten = statements.map((original) => {
    if (typeof original !== 'object' || original === null || Array.isArray(original)) return original;
    const st: JsonObject = { ...original };
    for (const field of ['Principal', 'NotPrincipal']) {
      if (st[field] !== undefined) st[field] = aliasPrincipalBlock(st[field])!;
    }
    const condition = st['Condition'];
    if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) return st;
    const renamed = Object.fromEntries(
      Object.entries(condition).map(([op, block]) => [
        op,
        typeof block === 'object' && block !== null && !Array.isArray(block) ? Object.fromEntries(Object.entries(block).map(([k, v]) => [aliasKey(k), v])) : block,
      ]),
    );
    return { ...st, Condition: renamed };
  });
  return { ...document, Statement: rewritten };
}

// For a request on '*' (an action without resource types, such as cloudwatch:PutMetricData) the evaluator
// lets any Resource pattern match. IAM matches the patterns against the literal '*', so a statement whose
// Resource cannot match '*' is switched off here (NotAction '*' matches nothing; its index is kept).
function globMatches(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(text);
}

function onlyStarResources(document: JsonObject): JsonObject {
  const statements = statementList(document);
  const rewritten = statements.map((st) => {
    if (typeof st !== 'object' || st === null || Array.isArray(st)) return st;
    const patterns = (v: Json | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
    const applies = st['Resource'] !== undefined
      ? patterns(st['Resource']).some((p) => globMatches(p, '*'))
      : st['NotResource'] !== undefined
        ? !patterns(st['NotResource']).some((p) => globMatches(p, '*'))
        : true;
    if (applies) return st;
    const { Action: _a, NotAction: _n, ...rest } = st;
    return { ...rest, NotAction: '*' };
  });
  return { ...document, Statement: rewritten };
}

function arnAccount(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && /^\d{12}$/.test(parts[4] ?? '') ? parts[4] : undefined;
}

interface AnalysedStatement {
  policyId: string;
  statement: { sid(): string | undefined; index(): number };
}

function label(policyId: string | undefined, fallback: string, s: AnalysedStatement): string {
  const sid = s.statement.sid();
  return `${policyId ?? fallback}#${sid ?? `[${s.statement.index() - 1}]`}`;
}

/** The resource policy that governs `action` on `resource`, if the stack has one. */
export function governingPolicy(stack: BackupStack, resource: string, action: string): ResourcePolicy | undefined {
  return stack.resourcePolicies.find((p) => p.covers(resource, action));
}

/** Evaluates one request. Fills the context keys AWS would add (TLS, caller account) unless the request sets them. */
export async function evaluate(stack: BackupStack, request: Request): Promise<Evaluation> {
  const principal = principalFor(stack, request.principal);
  const resourcePolicy = governingPolicy(stack, request.resource, request.action);
  const bucket = s3Bucket(request.resource);
  const service = request.action.split(':')[0]!.toLowerCase();
  const context: Record<string, string | string[]> = { 'aws:SecureTransport': 'true' };
  if (service === 's3') context['s3:TlsVersion'] = '1.3';
  if (principal.account) {
    context['aws:PrincipalAccount'] = principal.account;
    if (principal.principalArn) context['aws:PrincipalArn'] = principal.principalArn;
    if (service === 'kms') context['kms:CallerAccount'] = principal.account;
  }
  for (const [k, v] of Object.entries(request.context)) {
    if (v === null) delete context[k];
    else context[k] = v;
  }

  const prepare = (document: JsonObject) => (request.resource === '*' ? onlyStarResources(aliasPolicy(document)) : aliasPolicy(document));
  const resourceAccount = request.resourceAccount ?? arnAccount(request.resource) ?? stack.sample.account;
  const simulation: Simulation = {
    request: {
      principal: typeof principal.principal === 'string' ? aliasService(principal.principal) : principal.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: resourceAccount },
      contextVariables: Object.fromEntries(Object.entries(context).map(([k, v]) => [aliasKey(k), v])),
    },
    identityPolicies: principal.identityPolicies.map((p) => ({ name: p.id, policy: prepare(p.document) })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy ? { resourcePolicy: prepare(resourcePolicy.document) } : {}),
    ...(bucket !== undefined && stack.restrictPublicBuckets.has(bucket) ? { additionalSettings: { s3: { blockPublicAccess: true } } } : {}),
    ...(principal.permissionsBoundary ? { permissionBoundaryPolicies: [{ name: principal.permissionsBoundary.id, policy: prepare(principal.permissionsBoundary.document) }] } : {}),
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') {
    throw new EvaluationError(`${request.action} on ${request.resource}: the evaluator refused the request: ${response.errors.message}${
      response.errors.resourcePolicyErrors?.length ? ` (${resourcePolicy?.id}: ${response.errors.resourcePolicyErrors.map((e) => e.message).join('; ')})` : ''
    }${response.errors.identityPolicyErrors ? ` (${Object.entries(response.errors.identityPolicyErrors).map(([k, errs]) => `${k}: ${errs.map((e) => e.message).join('; ')}`).join(', ')})` : ''}`);
  }
  let results: SimulationResourceResult[] = response.resultType === 'single' ? [response.result] : response.results;
  let detail = response.overallResult;
  if (response.resultType === 'wildcard' && request.resource === '*') {
    // An action without a resource (cloudwatch:PutMetricData) is authorised against '*' itself: only
    // statements whose Resource is '*' apply, not every pattern the evaluator could match the '*' to.
    const star = response.results.filter((r) => r.resourcePattern === '*');
    results = star;
    const outcomes = star.map((r) => r.analysis.result);
    detail = outcomes.includes('ExplicitlyDenied') ? 'ExplicitlyDenied' : outcomes.includes('Allowed') ? 'Allowed' : 'ImplicitlyDenied';
  }
  const deciding = new Set<string>();
  const usedContext = { ...context };
  for (const result of results) {
    for (const ignored of result.ignoredContextKeys ?? []) delete usedContext[unaliasKey(ignored)];
    const a = result.analysis;
    const resourceId = resourcePolicy?.id ?? 'resource policy';
    if (detail === 'ExplicitlyDenied') {
      for (const s of a.identityAnalysis?.denyStatements ?? []) deciding.add(label(s.policyId, 'identity', s));
      for (const s of a.permissionBoundaryAnalysis?.denyStatements ?? []) deciding.add(label(s.policyId, 'boundary', s));
      for (const s of a.resourceAnalysis?.denyStatements ?? []) deciding.add(label(undefined, resourceId, s));
    } else if (detail === 'ImplicitlyDenied' && a.blockedBy?.includes('s3-bpa')) {
      deciding.add(`S3 Block Public Access (RestrictPublicBuckets) ignores the public grant in ${resourceId}`);
    } else if (detail === 'Allowed') {
      for (const s of a.identityAnalysis?.allowStatements ?? []) deciding.add(label(s.policyId, 'identity', s));
      for (const s of a.resourceAnalysis?.allowStatements ?? []) deciding.add(label(undefined, resourceId, s));
    } else {
      const identityAllows = a.identityAnalysis?.result === 'Allowed';
      // The boundary first: where it refuses, no resource policy could have made up for it.
      if (a.permissionBoundaryAnalysis && a.permissionBoundaryAnalysis.result !== 'Allowed' && identityAllows) {
        deciding.add(`no Allow in the permissions boundary ${principal.permissionsBoundary?.id ?? ''}`.trim());
      } else if (identityAllows && resourcePolicy) {
        const via = (a.identityAnalysis?.allowStatements ?? []).map((s) => label(s.policyId, 'identity', s)).join(', ');
        deciding.add(`no Allow in ${resourcePolicy.id} (${via} alone is not enough)`);
      } else {
        const where = [...principal.identityPolicies.map((p) => p.id), ...(resourcePolicy ? [resourcePolicy.id] : [])];
        deciding.add(where.length > 0 ? `no matching Allow in ${where.join(', ')}` : 'no policy grants it');
      }
    }
  }
  if (deciding.size === 0) {
    // A wildcard-resource action (e.g. cloudwatch:PutMetricData on '*') that no statement mentions.
    const where = [...principal.identityPolicies.map((p) => p.id), ...(resourcePolicy ? [resourcePolicy.id] : [])];
    deciding.add(detail === 'Allowed' ? 'allowed' : where.length > 0 ? `no matching Allow in ${where.join(', ')}` : 'no policy grants it');
  }
  return { decision: detail === 'Allowed' ? 'allowed' : 'denied', detail, deciding: [...deciding], context: usedContext };
}
