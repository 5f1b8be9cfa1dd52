// Finds the pieces of a document-backup stack by how they are wired (not by logical id), concretised for
// one sample deployment, and gathers every policy that decides access to them: the function role's
// identity policies, the bucket policies, the key policy, the queue and topic policies, the role's trust
// policy and the function's resource policy (built from its AWS::Lambda::Permission resources). A restore
// verifier (findVerifierFunction), when the template has one, is found the same way: its role and that role's
// identity policies (by the same routes as the backup role's), its log group and its schedule rule.
import type { Json, JsonObject } from '../cfn/template.ts';
import { referencedIds, type ResolvedResource } from '../cfn/intrinsics.ts';
import type { Concrete } from './concretise.ts';
import { awsManagedPolicy, parsePolicyArn } from './managed.ts';
import { findBackupFunction, findVerifierFunction } from '../cfn/functions.ts';

/** The template is not a stack the matrix can evaluate (exit code 2 from the CLI). */
export class StackShapeError extends Error {
  override readonly name = 'StackShapeError';
}

export interface PolicyDocument {
  /** Where it lives, e.g. `BackupPolicy` or `BackupKey.KeyPolicy`. */
  id: string;
  /** Logical id of the resource that holds it. */
  logicalId: string;
  document: JsonObject;
}

export interface ResourcePolicy extends PolicyDocument {
  /** True when a request for `action` on `arn` is governed by this policy. */
  covers(arn: string, action: string): boolean;
}

/** The sample deployment the contract is written against: names and ARNs of a concrete stack. */
export interface Sample {
  partition: string;
  region: string;
  urlSuffix: string;
  account: string;
  otherAccount: string;
  sourceBucket: string;
  /** '' when the whole source bucket is backed up. */
  sourcePrefix: string;
  backupBucket: string;
  accessLogBucket: string;
  /** `arn:<partition>:s3:::bucket[/key]`. */
  s3(bucket: string, key?: string): string;
  key: { id: string; arn: string };
  queue: { name: string; url: string; arn: string };
  topic: { arn: string };
  logGroup: LogGroupSample;
  fn: { name: string; arn: string };
  role: { name: string; arn: string };
  rule: { name: string; arn: string };
  namespace: string;
  /** A service principal as AWS spells it: `events` -> `events.amazonaws.com`; `logs.{region}` -> `logs.<region>.<URL suffix>`. */
  service(name: string): string;
  /** ARNs in this account and region for things the stack does not own (another key, queue, ...). */
  arn(service: string, rest: string, opts?: { account?: string; region?: string }): string;
  /**
   * The backup bucket's Object Lock default retention, when it has one, and the role its bucket policy excepts
   * from the denial of s3:BypassGovernanceRetention (the break-glass role), when it names one.
   */
  objectLock?: { mode: string; days: number; breakGlassRoleArn?: string };
  /**
   * The restore verifier, when the template has one (a function told the backup bucket and no source):
   * its function, its execution role, its log group and its schedule rule when it has them, its metrics namespace.
   */
  verifier?: {
    fn: { name: string; arn: string };
    role: { name: string; arn: string };
    logGroup?: LogGroupSample;
    rule?: { name: string; arn: string };
    namespace: string;
  };
}

export interface LogGroupSample {
  name: string;
  arn: string;
  stream(name: string): string;
}

/** The identity policies of an execution role, from every route CloudFormation has (see rolePolicies in discoverStack). */
export interface RolePolicies {
  identityPolicies: PolicyDocument[];
  /** The role's permissions boundary, when the template defines it. */
  permissionsBoundary?: PolicyDocument;
}

export interface BackupStack {
  concrete: Concrete;
  sample: Sample;
  /** Policies attached to the function's execution role. */
  identityPolicies: PolicyDocument[];
  /** The role's permissions boundary, when the template defines it. */
  permissionsBoundary?: PolicyDocument;
  resourcePolicies: ResourcePolicy[];
  /** Buckets whose PublicAccessBlockConfiguration sets RestrictPublicBuckets (S3 then ignores public grants). */
  restrictPublicBuckets: Set<string>;
  /** Policies the evaluator cannot see (managed policy ARNs it has no document for, boundaries defined elsewhere). */
  unevaluated: string[];
  /**
   * Identity policies attached to the role that the matrix has no document for (a managed policy ARN the
   * template does not define, AWS-managed ones included). They may grant anything, so the CLI fails closed.
   */
  unreadable: UnreadablePolicy[];
  /** AWS-managed policies evaluated from the shipped documents, as `<arn> (<version> from <source>)`. */
  awsManaged: string[];
  /**
   * The restore verifier's execution role, when the template has a verifier (sample.verifier): its identity
   * policies, collected like the backup role's; what cannot be read of them is in `unreadable` and `unevaluated`.
   */
  verifier?: RolePolicies;
}

export interface UnreadablePolicy {
  arn: string;
  reason: string;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstRef(value: Json | undefined, resources: Map<string, ResolvedResource>, type?: string): ResolvedResource | undefined {
  for (const id of referencedIds(value)) {
    const r = resources.get(id);
    if (r && (type === undefined || r.type === type)) return r;
  }
  return undefined;
}

function asList(value: Json | undefined): Json[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

/** `arn:...:s3:::bucket` or `arn:...:s3:::bucket/key` -> bucket. */
export function s3Bucket(arn: string): string | undefined {
  const m = /^arn:[^:]+:s3:::([^/]+)/.exec(arn);
  return m?.[1];
}

/** The aws:PrincipalArn a Deny of s3:BypassGovernanceRetention in these bucket policies excepts (ArnNotEquals/ArnNotLike). */
function breakGlassRole(concrete: Concrete, policies: readonly ResolvedResource[]): string | undefined {
  for (const policy of policies) {
    const document = concrete.fill(policy.resolved['PolicyDocument'] ?? null);
    for (const st of isObject(document) ? asList(document['Statement']) : []) {
      if (!isObject(st) || st['Effect'] !== 'Deny' || !asList(st['Action']).includes('s3:BypassGovernanceRetention') || !isObject(st['Condition'])) continue;
      for (const op of ['ArnNotEquals', 'ArnNotLike']) {
        const block = st['Condition'][op];
        const arn = isObject(block) ? asList(block['aws:PrincipalArn'])[0] : undefined;
        if (typeof arn === 'string') return arn;
      }
    }
  }
  return undefined;
}

export function discoverStack(concrete: Concrete): BackupStack {
  const view = concrete.view;
  const byId = new Map(view.resources.map((r) => [r.logicalId, r]));
  const phys = (id: string) => concrete.physical[id]!;
  const attr = (id: string, name: string) => {
    const v = phys(id).attrs[name];
    if (v === undefined) throw new StackShapeError(`${id} has no ${name}`);
    return v;
  };
  const missing: string[] = [];

  const functions = view.resources.filter((r) => r.type === 'AWS::Lambda::Function');
  const fn = findBackupFunction(functions) ?? functions[0];
  if (!fn) throw new StackShapeError('no AWS::Lambda::Function: the matrix evaluates the backup function\'s role and the resources it uses');
  const env = isObject(fn.resolved['Environment']) && isObject(fn.resolved['Environment']['Variables']) ? fn.resolved['Environment']['Variables'] : {};

  const role = firstRef(fn.resolved['Role'], byId, 'AWS::IAM::Role');
  if (!role) missing.push(`the execution role of ${fn.logicalId} (Role must refer to an AWS::IAM::Role of the template)`);
  const backupBucket = firstRef(env['BACKUP_BUCKET'], byId, 'AWS::S3::Bucket');
  if (!backupBucket) missing.push(`the backup bucket (${fn.logicalId} environment BACKUP_BUCKET must refer to an AWS::S3::Bucket)`);
  const key = firstRef(env['KMS_KEY_ARN'], byId, 'AWS::KMS::Key') ?? firstRef(backupBucket?.resolved['BucketEncryption'], byId, 'AWS::KMS::Key');
  if (!key) missing.push(`the stack key (${fn.logicalId} environment KMS_KEY_ARN or the backup bucket's encryption must refer to an AWS::KMS::Key)`);
  const deadLetter = isObject(fn.resolved['DeadLetterConfig']) ? fn.resolved['DeadLetterConfig']['TargetArn'] : undefined;
  const queue = firstRef(deadLetter, byId, 'AWS::SQS::Queue');
  if (!queue) missing.push(`the dead-letter queue (${fn.logicalId} DeadLetterConfig.TargetArn must refer to an AWS::SQS::Queue)`);
  /** A function's log group: its LoggingConfig.LogGroup, else the one named /aws/lambda/<function name>. */
  const logGroupOf = (f: ResolvedResource) => {
    const logging = isObject(f.resolved['LoggingConfig']) ? f.resolved['LoggingConfig']['LogGroup'] : undefined;
    return (
      firstRef(logging, byId, 'AWS::Logs::LogGroup') ??
      view.resources.find((r) => r.type === 'AWS::Logs::LogGroup' && phys(r.logicalId).ref === `/aws/lambda/${phys(f.logicalId).ref}`)
    );
  };
  /** A function's schedule: the AWS::Events::Rule that targets it. */
  const ruleOf = (f: ResolvedResource) =>
    view.resources.find((r) => r.type === 'AWS::Events::Rule' && asList(r.resolved['Targets']).some((t) => isObject(t) && referencedIds(t['Arn']).includes(f.logicalId)));
  const fnName = phys(fn.logicalId).ref;
  const logGroup = logGroupOf(fn);
  if (!logGroup) missing.push(`the function's log group (LoggingConfig.LogGroup or an AWS::Logs::LogGroup named /aws/lambda/${fnName})`);
  const rule = ruleOf(fn);
  if (!rule) missing.push(`the schedule (an AWS::Events::Rule targeting ${fn.logicalId})`);
  // The restore verifier is optional; when there is one, its role must be the template's (its policies decide what it may do).
  const verifierFn = findVerifierFunction(functions);
  const verifierRole = verifierFn ? firstRef(verifierFn.resolved['Role'], byId, 'AWS::IAM::Role') : undefined;
  if (verifierFn && !verifierRole) missing.push(`the execution role of the restore verifier ${verifierFn.logicalId} (Role must refer to an AWS::IAM::Role of the template)`);
  const loggingConfig = backupBucket && isObject(backupBucket.resolved['LoggingConfiguration']) ? backupBucket.resolved['LoggingConfiguration'] : undefined;
  const accessLogBucket = firstRef(loggingConfig?.['DestinationBucketName'], byId, 'AWS::S3::Bucket');
  if (!accessLogBucket) missing.push('the access-log bucket (the backup bucket\'s LoggingConfiguration.DestinationBucketName)');
  const topic = view.resources.find((r) => r.type === 'AWS::SNS::Topic');
  if (!topic) missing.push('the alarm topic (an AWS::SNS::Topic)');
  if (env['SOURCE_BUCKET'] === undefined) missing.push(`the source bucket (${fn.logicalId} environment SOURCE_BUCKET)`);
  if (missing.length > 0 || !role || !backupBucket || !key || !queue || !logGroup || !rule || !accessLogBucket || !topic) {
    throw new StackShapeError(`not a document-backup stack: cannot find ${missing.join('; ')}`);
  }

  const str = (v: Json | undefined, fallback = ''): string => {
    if (v === undefined || v === null) return fallback;
    const out = concrete.fill(v);
    return typeof out === 'string' ? out : fallback;
  };
  const { partition, region, urlSuffix, accountId } = concrete;
  const logGroupSample = (group: ResolvedResource): LogGroupSample => {
    const name = phys(group.logicalId).ref;
    return {
      name,
      arn: `arn:${partition}:logs:${region}:${accountId}:log-group:${name}`,
      stream: (stream) => `arn:${partition}:logs:${region}:${accountId}:log-group:${name}:log-stream:${stream}`,
    };
  };
  const sample: Sample = {
    partition,
    region,
    urlSuffix,
    account: accountId,
    otherAccount: concrete.otherAccountId,
    sourceBucket: str(env['SOURCE_BUCKET']),
    sourcePrefix: str(env['SOURCE_PREFIX']),
    backupBucket: phys(backupBucket.logicalId).ref,
    accessLogBucket: phys(accessLogBucket.logicalId).ref,
    s3: (bucket, k) => `arn:${partition}:s3:::${bucket}${k === undefined ? '' : `/${k}`}`,
    key: { id: phys(key.logicalId).ref, arn: attr(key.logicalId, 'Arn') },
    queue: { name: attr(queue.logicalId, 'QueueName'), url: phys(queue.logicalId).ref, arn: attr(queue.logicalId, 'Arn') },
    topic: { arn: phys(topic.logicalId).ref },
    logGroup: logGroupSample(logGroup),
    fn: { name: fnName, arn: attr(fn.logicalId, 'Arn') },
    role: { name: phys(role.logicalId).ref, arn: attr(role.logicalId, 'Arn') },
    rule: { name: phys(rule.logicalId).ref, arn: attr(rule.logicalId, 'Arn') },
    namespace: str(env['METRICS_NAMESPACE'], 'DocumentBackup'),
    // Global service principals are `<service>.amazonaws.com` in every partition (AWS standardised them;
    // `lambda.amazonaws.com.cn` is rejected in China). Regional ones such as `logs.<region>` follow the
    // partition's URL suffix.
    service: (name) => `${name.replace('{region}', region)}.${name.includes('{region}') ? urlSuffix : 'amazonaws.com'}`,
    arn: (service, rest, opts = {}) =>
      `arn:${partition}:${service}:${service === 'iam' || service === 's3' ? '' : (opts.region ?? region)}:${service === 's3' ? '' : (opts.account ?? accountId)}:${rest}`,
  };
  if (verifierFn && verifierRole) {
    const verifierEnv = isObject(verifierFn.resolved['Environment']) && isObject(verifierFn.resolved['Environment']['Variables']) ? verifierFn.resolved['Environment']['Variables'] : {};
    const verifierLogGroup = logGroupOf(verifierFn);
    const verifierRule = ruleOf(verifierFn);
    sample.verifier = {
      fn: { name: phys(verifierFn.logicalId).ref, arn: attr(verifierFn.logicalId, 'Arn') },
      role: { name: phys(verifierRole.logicalId).ref, arn: attr(verifierRole.logicalId, 'Arn') },
      ...(verifierLogGroup ? { logGroup: logGroupSample(verifierLogGroup) } : {}),
      ...(verifierRule ? { rule: { name: phys(verifierRule.logicalId).ref, arn: attr(verifierRule.logicalId, 'Arn') } } : {}),
      namespace: str(verifierEnv['METRICS_NAMESPACE'], 'DocumentBackup'),
    };
  }
  const retention = concrete.fill(backupBucket.resolved['ObjectLockConfiguration'] ?? null);
  const lock = isObject(retention) && isObject(retention['Rule']) && isObject(retention['Rule']['DefaultRetention']) ? retention['Rule']['DefaultRetention'] : undefined;
  if (lock && typeof lock['Mode'] === 'string' && lock['Days'] !== undefined) {
    const breakGlassRoleArn = breakGlassRole(concrete, view.resources.filter((r) => r.type === 'AWS::S3::BucketPolicy' && referencedIds(r.resolved['Bucket']).includes(backupBucket.logicalId)));
    sample.objectLock = { mode: lock['Mode'], days: Number(lock['Days']), ...(breakGlassRoleArn ? { breakGlassRoleArn } : {}) };
  }

  // ------------------------------------------------------------------ identity policies of the roles
  // One collection for every execution role the matrix evaluates (the backup role, the verifier's): the same
  // routes, the same AWS-managed documents, the same fail-closed answer for what it cannot read.
  const unevaluated: string[] = [];
  const unreadable: UnreadablePolicy[] = [];
  const doc = (value: Json | undefined, where: string): JsonObject => {
    const filled = value === undefined ? undefined : concrete.fill(value);
    if (!isObject(filled)) throw new StackShapeError(`${where} is not a policy document`);
    return filled;
  };
  // By ARN: a customer managed policy of the template (its ARN, path included, as CloudFormation gives it)
  // or an AWS-managed one (managed.ts). Anything else could grant anything: the CLI fails closed on it.
  const templatePolicyByArn = new Map(
    view.resources.filter((r) => r.type === 'AWS::IAM::ManagedPolicy').map((r) => [phys(r.logicalId).ref, r] as const),
  );
  const awsManaged: string[] = [];
  /** The document a managed policy ARN (or a Ref to a template policy) stands for, or why there is none. */
  const managedPolicy = (value: Json, holder: ResolvedResource): { policy: PolicyDocument; key: string } | { arn: string; why: string } => {
    const arn = str(value, JSON.stringify(value));
    const managed = firstRef(value, byId, 'AWS::IAM::ManagedPolicy') ?? templatePolicyByArn.get(arn);
    if (managed) return { key: managed.logicalId, policy: { id: managed.logicalId, logicalId: managed.logicalId, document: doc(managed.resolved['PolicyDocument'], managed.logicalId) } };
    const parsed = parsePolicyArn(arn);
    const aws = parsed?.account === 'aws' ? awsManagedPolicy(parsed) : undefined;
    if (aws && 'document' in aws) {
      const named = `${arn} (${aws.version} from ${aws.source})`;
      if (!awsManaged.includes(named)) awsManaged.push(named);
      return { key: arn, policy: { id: arn, logicalId: holder.logicalId, document: aws.document } };
    }
    const why = aws
      ? aws.problem
      : parsed
        ? `a customer managed policy that names no AWS::IAM::ManagedPolicy of the template${parsed.account === accountId ? '' : ` (account ${parsed.account})`}`
        : 'not an IAM policy ARN the template defines';
    return { arn, why };
  };
  /** The identity policies of `role` by every route; what has no document goes to `unreadable` (fails closed). */
  const rolePolicies = (role: ResolvedResource): RolePolicies => {
    const identityPolicies: PolicyDocument[] = [];
    const inline = asList(role.resolved['Policies']);
    inline.forEach((p, i) => {
      if (!isObject(p)) return;
      const name = typeof p['PolicyName'] === 'string' ? p['PolicyName'] : `Policies[${i}]`;
      identityPolicies.push({ id: `${role.logicalId}.${name}`, logicalId: role.logicalId, document: doc(p['PolicyDocument'], `${role.logicalId} Policies[${i}]`) });
    });
    const attached = new Set<string>();
    for (const r of view.resources) {
      if (r.type === 'AWS::IAM::ManagedPolicy' || r.type === 'AWS::IAM::Policy') {
        if (asList(r.resolved['Roles']).some((x) => referencedIds(x).includes(role.logicalId))) {
          identityPolicies.push({ id: r.logicalId, logicalId: r.logicalId, document: doc(r.resolved['PolicyDocument'], r.logicalId) });
          attached.add(r.logicalId);
        }
      } else if (r.type === 'AWS::IAM::RolePolicy' && referencedIds(r.resolved['RoleName']).includes(role.logicalId)) {
        identityPolicies.push({ id: r.logicalId, logicalId: r.logicalId, document: doc(r.resolved['PolicyDocument'], r.logicalId) });
      }
    }
    for (const arnValue of asList(role.resolved['ManagedPolicyArns'])) {
      const found = managedPolicy(arnValue, role);
      if ('policy' in found) {
        if (!attached.has(found.key)) identityPolicies.push(found.policy);
        attached.add(found.key);
        continue;
      }
      unevaluated.push(`managed policy ${found.arn} attached to ${role.logicalId} (${found.why})`);
      unreadable.push({ arn: found.arn, reason: `attached to ${role.logicalId} by ManagedPolicyArns: ${found.why}; the matrix has no document for it, so what it grants is unknown` });
    }
    let permissionsBoundary: PolicyDocument | undefined;
    if (role.resolved['PermissionsBoundary'] !== undefined) {
      const found = managedPolicy(role.resolved['PermissionsBoundary'], role);
      if ('policy' in found) permissionsBoundary = found.policy;
      else unevaluated.push(`permissions boundary ${found.arn} of ${role.logicalId} (${found.why})`);
    }
    return { identityPolicies, ...(permissionsBoundary ? { permissionsBoundary } : {}) };
  };
  const { identityPolicies, permissionsBoundary } = rolePolicies(role);
  // A verifier that runs as the backup role has the backup role's policies: collected (and reported) once.
  const verifier = verifierRole === undefined ? undefined : verifierRole === role ? { identityPolicies, ...(permissionsBoundary ? { permissionsBoundary } : {}) } : rolePolicies(verifierRole);

  // ------------------------------------------------------------------ resource policies
  const resourcePolicies: ResourcePolicy[] = [];
  for (const r of view.resources) {
    switch (r.type) {
      case 'AWS::S3::BucketPolicy': {
        const bucket = str(r.resolved['Bucket']);
        resourcePolicies.push({ id: r.logicalId, logicalId: r.logicalId, document: doc(r.resolved['PolicyDocument'], r.logicalId), covers: (arn) => s3Bucket(arn) === bucket });
        break;
      }
      case 'AWS::KMS::Key': {
        const keyArn = attr(r.logicalId, 'Arn');
        const document = r.resolved['KeyPolicy'] !== undefined ? doc(r.resolved['KeyPolicy'], `${r.logicalId} KeyPolicy`) : defaultKeyPolicy(partition, accountId);
        resourcePolicies.push({ id: `${r.logicalId}.KeyPolicy`, logicalId: r.logicalId, document, covers: (arn) => arn === keyArn });
        break;
      }
      case 'AWS::SQS::QueuePolicy': {
        const urls = new Set(asList(r.resolved['Queues']).map((q) => str(q)));
        const arns = new Set(
          Object.values(concrete.physical).filter((p) => p.type === 'AWS::SQS::Queue' && urls.has(p.ref)).map((p) => p.attrs['Arn']!),
        );
        resourcePolicies.push({ id: r.logicalId, logicalId: r.logicalId, document: doc(r.resolved['PolicyDocument'], r.logicalId), covers: (arn) => arns.has(arn) });
        break;
      }
      case 'AWS::SNS::TopicPolicy': {
        const arns = new Set(asList(r.resolved['Topics']).map((t) => str(t)));
        resourcePolicies.push({ id: r.logicalId, logicalId: r.logicalId, document: doc(r.resolved['PolicyDocument'], r.logicalId), covers: (arn) => arns.has(arn) });
        break;
      }
      case 'AWS::IAM::Role': {
        const roleArn = attr(r.logicalId, 'Arn');
        if (r.resolved['AssumeRolePolicyDocument'] !== undefined) {
          resourcePolicies.push({
            id: `${r.logicalId}.AssumeRolePolicyDocument`, logicalId: r.logicalId,
            document: doc(r.resolved['AssumeRolePolicyDocument'], `${r.logicalId} AssumeRolePolicyDocument`),
            // A trust policy decides only who may assume the role.
            covers: (arn, action) => arn === roleArn && action.toLowerCase().startsWith('sts:'),
          });
        }
        break;
      }
      default:
        break;
    }
  }
  // A function's resource policy is the sum of its Lambda permissions.
  const permissions = new Map<string, JsonObject[]>();
  for (const r of view.resources.filter((x) => x.type === 'AWS::Lambda::Permission')) {
    const target = firstRef(r.resolved['FunctionName'], byId, 'AWS::Lambda::Function');
    if (!target) continue;
    const principal = str(r.resolved['Principal']);
    const condition: JsonObject = {};
    if (r.resolved['SourceArn'] !== undefined) condition['ArnLike'] = { 'aws:SourceArn': str(r.resolved['SourceArn']) };
    if (r.resolved['SourceAccount'] !== undefined) condition['StringEquals'] = { 'aws:SourceAccount': str(r.resolved['SourceAccount']) };
    const statement: JsonObject = {
      Sid: r.logicalId,
      Effect: 'Allow',
      Principal: /^\d{12}$/.test(principal) ? { AWS: `arn:${partition}:iam::${principal}:root` } : principal.includes(':') || principal === '*' ? { AWS: principal } : { Service: principal },
      Action: str(r.resolved['Action']),
      Resource: attr(target.logicalId, 'Arn'),
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    };
    permissions.set(target.logicalId, [...(permissions.get(target.logicalId) ?? []), statement]);
  }
  for (const [id, statements] of permissions) {
    const fnArn = attr(id, 'Arn');
    resourcePolicies.push({
      id: `${id}.Permissions`, logicalId: id,
      document: { Version: '2012-10-17', Statement: statements },
      covers: (arn) => arn === fnArn || arn.startsWith(`${fnArn}:`),
    });
  }
  // Keys outside the template carry the default key policy: the account's IAM policies decide.
  resourcePolicies.push({
    id: 'DefaultKeyPolicy(another key)', logicalId: '-',
    document: defaultKeyPolicy(partition, accountId),
    covers: (arn, action) => arn.startsWith(`arn:${partition}:kms:`) && arn.includes(':key/') && !resourcePolicies.some((p) => p.id.endsWith('.KeyPolicy') && p.covers(arn, action)),
  });

  const restrictPublicBuckets = new Set<string>();
  for (const r of view.resources.filter((x) => x.type === 'AWS::S3::Bucket')) {
    const pab = r.resolved['PublicAccessBlockConfiguration'];
    if (isObject(pab) && (pab['RestrictPublicBuckets'] === true || pab['RestrictPublicBuckets'] === 'true')) restrictPublicBuckets.add(phys(r.logicalId).ref);
  }

  return {
    concrete, sample, identityPolicies, ...(permissionsBoundary ? { permissionsBoundary } : {}), resourcePolicies, restrictPublicBuckets, unevaluated, unreadable, awsManaged,
    ...(verifier ? { verifier } : {}),
  };
}

/** The key policy KMS gives a key created without one: the account's IAM policies decide. */
export function defaultKeyPolicy(partition: string, account: string): JsonObject {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
  };
}
