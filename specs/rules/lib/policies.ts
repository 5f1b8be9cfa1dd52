// Reading IAM policy documents: statements, actions, principals, conditions, and where each policy lives
// (identity policies, resource policies, trust policies, the policies of given roles).
import type { Json, JsonObject } from '../../../scripts/lib/cfn/template.ts';
import type { ResolvedResource, TemplateView } from '../../../scripts/lib/cfn/intrinsics.ts';
import { asArray, asStrings, isObject } from './values.ts';
import { isRefTo } from './references.ts';

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

/** Shell-style match of an IAM pattern (`*`, `?`) against a concrete string, case-sensitive unless told. */
const globs = new Map<string, RegExp>();
export function globMatch(pattern: string, text: string, ignoreCase = false): boolean {
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = globs.get(cacheKey);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'is' : 's');
    globs.set(cacheKey, re);
  }
  return re.test(text);
}

/** IAM action glob match (`s3:Get*` matches `s3:GetObject`), case-insensitive as IAM is. */
export function actionMatches(pattern: string, action: string): boolean {
  return globMatch(pattern, action, true);
}

/** `*` or `service:*`. */
export function isWildcardAction(action: string): boolean {
  return action.trim() === '*' || /^[a-z0-9-]+:\*$/i.test(action.trim());
}

/** The statement's Action values (strings only). */
export function actionsOf(statement: Record<string, unknown>): string[] {
  return asStrings(statement['Action']);
}

export function isAllow(statement: Record<string, unknown>): boolean {
  return statement['Effect'] === 'Allow';
}

/** True when the statement's Action list grants (or denies) `action`. */
export function actionCovers(statement: Record<string, unknown>, action: string): boolean {
  return actionsOf(statement).some((a) => actionMatches(a, action));
}

/** True when some Resource entry of the statement matches `arn`. */
export function resourceCovers(statement: Record<string, unknown>, arn: string): boolean {
  return asStrings(statement['Resource']).some((r) => r === arn || globMatch(r, arn));
}

/** True when the principal is everyone: `*` or `{AWS: '*'}`. */
export function isAnyone(principal: unknown): boolean {
  if (principal === '*') return true;
  return isObject(principal) && asStrings(principal['AWS']).includes('*');
}

/** True when the principal is exactly the AWS service `name` (e.g. `events`, `logging.s3`), however the suffix is spelled. */
export function isServicePrincipal(principal: unknown, name: string): boolean {
  if (!isObject(principal)) return false;
  const services = asStrings(principal['Service']);
  return (
    Object.keys(principal).length === 1 &&
    services.length > 0 &&
    services.every((s) => s === `${name}.amazonaws.com` || s === `${name}.{{AWS::URLSuffix}}`)
  );
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
export function conditionEntries(statement: Record<string, unknown>): Array<{ operator: string; key: string; values: Json[] }> {
  const condition = statement['Condition'];
  if (!isObject(condition)) return [];
  const out: Array<{ operator: string; key: string; values: Json[] }> = [];
  for (const [operator, block] of Object.entries(condition)) {
    if (!isObject(block)) continue;
    for (const [key, value] of Object.entries(block)) out.push({ operator, key: key.toLowerCase(), values: asArray(value) });
  }
  return out;
}

/** The values a statement's Condition gives `key` (any case), with the operator each one sits under. */
export function conditionValues(statement: Record<string, unknown>, key: string): Array<{ operator: string; values: Json[] }> {
  const wanted = key.toLowerCase();
  return conditionEntries(statement)
    .filter((e) => e.key === wanted)
    .map(({ operator, values }) => ({ operator, values }));
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

/** Every Allow statement of every identity policy in the view, with the policy it belongs to. */
export function identityAllowStatements(view: TemplateView): Array<{ policy: PolicyDocumentRef; statement: JsonObject; path: string }> {
  return identityPolicies(view).flatMap((policy) =>
    statementsOf(policy.document, policy.path)
      .filter(({ statement }) => isAllow(statement))
      .map(({ statement, path }) => ({ policy, statement, path })),
  );
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

/** Bucket policies of this view whose Bucket is the given bucket. */
export function bucketPoliciesOf(view: TemplateView, bucketId: string): ResolvedResource[] {
  return view.resources.filter((r) => r.type === 'AWS::S3::BucketPolicy' && isRefTo(view, r.resolved['Bucket'], bucketId));
}

/** Queue policies of this view that list the given queue. */
export function queuePoliciesOf(view: TemplateView, queueId: string): ResolvedResource[] {
  return view.resources.filter(
    (r) => r.type === 'AWS::SQS::QueuePolicy' && Array.isArray(r.resolved['Queues']) && r.resolved['Queues'].some((q) => isRefTo(view, q, queueId)),
  );
}
