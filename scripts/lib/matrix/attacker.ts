// Principals outside the stack choose part of their request: headers (aws:Referer, aws:UserAgent, the s3
// encryption headers), the address they call from, TLS, tags, an encryption context; and a service acting for
// another account (the confused deputy) arrives with that account in aws:SourceAccount and its resources in
// aws:SourceArn. A resource policy that grants only under such a condition grants to whoever sets it, so every
// row an outsider must be denied is evaluated again with the values each Allow statement of the governing
// resource policy asks for, as an attacker would send them. And "any AWS service" is not only the contract's
// stand-in: every service principal the stack's resource policies name without a job in the contract gets the
// stand-in's rows.
import type { Json, JsonObject } from '../cfn/template.ts';
import type { PrincipalKey } from './evaluate.ts';
import type { BackupStack, ResourcePolicy } from './stack.ts';

/** Keys an IAM caller sets on its own request (or by being its own principal, e.g. MFA). */
const CALLER_KEYS = [
  /^aws:(Referer|UserAgent|SourceIp|SecureTransport|CurrentTime|EpochTime|TagKeys|MultiFactorAuthPresent|MultiFactorAuthAge)$/i,
  /^aws:RequestTag\//i,
  // S3 request headers and parameters, not what the bucket or object already is.
  /^s3:(?!ExistingObjectTag\/|ResourceAccount$|DataAccessPoint|AccessPointNetworkOrigin$)/i,
  /^kms:(EncryptionContext:|EncryptionContextKeys$|EncryptionAlgorithm$|ViaService$|GrantOperations$)/i,
  /^(sqs|sns|lambda):/i,
];
/** What a service brings from the account that configured it: set to the attacker's (or, for a service with no job, the stack's). */
const SOURCE_KEYS = /^aws:Source(Account|Arn|OrgID|OrgPaths)$/i;

export type ExternalKind = 'iam' | 'service';

/** Whose request the attacker shapes: another account and anonymous as `iam`, any service principal as `service`. */
export function externalKind(key: PrincipalKey): ExternalKind | undefined {
  if (key === 'other-account' || key === 'anonymous') return 'iam';
  return key.startsWith('service:') ? 'service' : undefined;
}

const list = (v: Json | undefined): Json[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value that satisfies `operator` against the policy's `value`: wildcards filled, CIDRs' first address. */
function satisfying(operator: string, value: string): string | undefined {
  const op = operator.replace(/^For(Any|All)Values:/i, '').replace(/IfExists$/i, '');
  if (/Not|^Null$/i.test(op)) return undefined;
  if (/^IpAddress$/i.test(op)) return value.replace(/\/\d+$/, '');
  if (/^NumericLessThan$/i.test(op)) return String(Number(value) - 1);
  if (/^NumericGreaterThan$/i.test(op)) return String(Number(value) + 1);
  return value.replace(/\*/g, 'attacker').replace(/\?/g, 'x');
}

/** The account in an ARN-shaped value becomes the attacker's: a service acts only for whoever configured it. */
function attackersArn(value: string, otherAccount: string): string {
  const parts = value.split(':');
  if (parts[0] !== 'arn' || parts.length < 6 || parts[4] === '') return value;
  parts[4] = otherAccount;
  return parts.join(':');
}

export interface AttackerContext {
  context: Record<string, string | string[]>;
  label: string;
}

/**
 * The contexts an attacker would send for a request governed by `policy`: one per Allow statement whose
 * conditions test keys the attacker sets, each key given a value the statement accepts (ARNs and aws:SourceAccount
 * of a service's request are `account`'s: the attacker's own by default; the stack's account for a service that
 * has no job in the stack, which must not get in even when acting for this account). Empty when no statement
 * tests such a key.
 */
export function attackerContexts(stack: BackupStack, kind: ExternalKind, policy: ResourcePolicy | undefined, account = stack.sample.otherAccount): AttackerContext[] {
  if (!policy) return [];
  const whose = account === stack.sample.account ? 'this account' : 'another account';
  const out = new Map<string, AttackerContext>();
  for (const [index, st] of list(policy.document['Statement']).entries()) {
    if (!isObject(st) || st['Effect'] !== 'Allow' || !isObject(st['Condition'])) continue;
    const context: Record<string, string | string[]> = {};
    const mustExist: string[] = [];
    for (const [operator, block] of Object.entries(st['Condition'])) {
      if (!isObject(block)) continue;
      for (const [key, raw] of Object.entries(block)) {
        if (!(CALLER_KEYS.some((re) => re.test(key)) || (kind === 'service' && SOURCE_KEYS.test(key)))) continue;
        if (/^aws:SourceAccount$/i.test(key)) {
          context[key] = account;
          continue;
        }
        const first = list(raw).find((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean');
        // `Null: {key: false}` asks only that the key be there.
        if (/^Null$/i.test(operator) && String(first) === 'false') mustExist.push(key);
        const value = first === undefined ? undefined : satisfying(operator, String(first));
        if (value === undefined) continue;
        const chosen = kind === 'service' ? attackersArn(value, account) : value;
        // A multi-valued key (aws:TagKeys, kms:EncryptionContextKeys) is a list in the request.
        context[key] = /^For(Any|All)Values:/i.test(operator) ? [chosen] : chosen;
      }
    }
    for (const key of mustExist) context[key] ??= 'attacker';
    if (kind === 'service' && Object.keys(context).some((k) => SOURCE_KEYS.test(k))) context['aws:SourceAccount'] = account;
    if (Object.keys(context).length === 0) continue;
    // Keys, not values: a value can embed a scenario's names, and the label must read the same in every scenario.
    const sid = typeof st['Sid'] === 'string' ? st['Sid'] : `[${index}]`;
    const keys = Object.keys(context).map((k) => (/^aws:SourceAccount$/i.test(k) ? `${k}=${whose}` : k));
    const label = `attacker-chosen to satisfy ${policy.id}#${sid}: ${keys.join(', ')}`;
    out.set(label, { context, label });
  }
  return [...out.values()];
}

/**
 * Service principals the resource policies name that none of `known` (the contract's services) is, as principal
 * keys: they get the rows of the contract's stand-in for "an unrelated service".
 */
export function otherNamedServices(stack: BackupStack, known: readonly PrincipalKey[]): PrincipalKey[] {
  const s = stack.sample;
  const spelled = new Set(known.filter((k) => k.startsWith('service:')).map((k) => s.service(k.slice('service:'.length))));
  const regional = `.${s.region}.${s.urlSuffix}`;
  const out = new Set<PrincipalKey>();
  for (const p of stack.resourcePolicies) {
    for (const st of list(p.document['Statement'])) {
      if (!isObject(st) || st['Effect'] !== 'Allow' || !isObject(st['Principal'])) continue;
      for (const service of list(st['Principal']['Service'])) {
        if (typeof service !== 'string' || spelled.has(service)) continue;
        const key: PrincipalKey = service.endsWith(regional)
          ? `service:${service.slice(0, -regional.length)}.{region}`
          : `service:${service.replace(/\.amazonaws\.com(\.cn)?$/, '')}`;
        // Only a spelling the sample deployment gives back is the same principal.
        if (s.service(key.slice('service:'.length)) === service) out.add(key);
      }
    }
  }
  return [...out];
}
