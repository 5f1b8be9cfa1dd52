// Widenings of a template's policies, one statement and one kind at a time, for the spec that proves the
// matrix notices each: a wildcard action, a wildcard resource, an extra action, a removed condition, an
// added principal (Allow statements), and a removed Deny statement. Each widening returns a new template;
// the original is never touched.
import type { Json, JsonObject, Template } from '../../scripts/lib/cfn/template.ts';
import { OTHER_ACCOUNT } from '../../scripts/lib/matrix/concretise.ts';

export type WideningKind = 'wildcard-action' | 'wildcard-resource' | 'extra-action' | 'removed-condition' | 'added-principal' | 'removed-deny';

export interface Widening {
  /** `<policy>#<Sid or [index]>:<kind>`, the policy named as the matrix names it (e.g. `BackupKey.KeyPolicy`). */
  id: string;
  policy: string;
  statement: string;
  kind: WideningKind;
  /** What was changed, for messages. */
  change: string;
  apply(template: Template): Template;
}

type PolicyKind = 'identity' | 'bucket' | 'key' | 'queue' | 'topic' | 'trust';

interface PolicyLocation {
  policy: string;
  logicalId: string;
  kind: PolicyKind;
  /** Property holding the document. */
  property: string;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const list = (v: Json | undefined): Json[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The policies of a backup stack, found the way the matrix finds them. */
export function policyLocations(template: Template): PolicyLocation[] {
  const out: PolicyLocation[] = [];
  for (const r of Object.values(template.resources)) {
    switch (r.type) {
      case 'AWS::IAM::ManagedPolicy':
      case 'AWS::IAM::Policy':
        out.push({ policy: r.logicalId, logicalId: r.logicalId, kind: 'identity', property: 'PolicyDocument' });
        break;
      case 'AWS::S3::BucketPolicy':
        out.push({ policy: r.logicalId, logicalId: r.logicalId, kind: 'bucket', property: 'PolicyDocument' });
        break;
      case 'AWS::KMS::Key':
        if (r.properties['KeyPolicy'] !== undefined) out.push({ policy: `${r.logicalId}.KeyPolicy`, logicalId: r.logicalId, kind: 'key', property: 'KeyPolicy' });
        break;
      case 'AWS::SQS::QueuePolicy':
        out.push({ policy: r.logicalId, logicalId: r.logicalId, kind: 'queue', property: 'PolicyDocument' });
        break;
      case 'AWS::SNS::TopicPolicy':
        out.push({ policy: r.logicalId, logicalId: r.logicalId, kind: 'topic', property: 'PolicyDocument' });
        break;
      case 'AWS::IAM::Role':
        if (r.properties['AssumeRolePolicyDocument'] !== undefined) {
          out.push({ policy: `${r.logicalId}.AssumeRolePolicyDocument`, logicalId: r.logicalId, kind: 'trust', property: 'AssumeRolePolicyDocument' });
        }
        break;
      default:
        break;
    }
  }
  return out;
}

/** A deep copy of the template in which `edit` changes one statement of one policy. */
function editStatement(template: Template, where: PolicyLocation, index: number, edit: (statements: Json[], st: JsonObject) => void): Template {
  const copy = structuredClone(template);
  const doc = copy.resources[where.logicalId]!.properties[where.property];
  if (!isObject(doc)) throw new Error(`${where.policy} is not a policy document`);
  const statements = list(doc['Statement']);
  const st = statements[index];
  if (!isObject(st)) throw new Error(`${where.policy} statement ${index} is not an object`);
  edit(statements, st);
  doc['Statement'] = statements;
  return copy;
}

const EXTRA_ACTIONS: Record<string, string[]> = {
  // In the key policy a grant is the dangerous extra; for the role, encrypting arbitrary data.
  kms: ['kms:CreateGrant', 'kms:Decrypt'],
  'identity:kms': ['kms:Encrypt'],
  logs: ['logs:DeleteLogStream'],
  cloudwatch: ['cloudwatch:DeleteAlarms'],
  sqs: ['sqs:ReceiveMessage'],
  sns: ['sns:Subscribe'],
};

/** An action the statement does not have, of the same service, that the contract says must stay denied. */
function extraAction(st: JsonObject, kind: PolicyKind): string | undefined {
  const actions = list(st['Action']).filter((a): a is string => typeof a === 'string');
  const service = actions[0]?.split(':')[0];
  if (!service) return undefined;
  let candidates = EXTRA_ACTIONS[`${kind}:${service}`] ?? EXTRA_ACTIONS[service] ?? [];
  if (service === 's3') {
    const resources = JSON.stringify(st['Resource'] ?? '');
    // Object-level when a resource continues past the bucket: `${Bucket.Arn}/...` or `arn:...:s3:::name/...`.
    candidates = /\}\/|:::[^"]*\//.test(resources) ? ['s3:DeleteObject'] : ['s3:ListBucketVersions', 's3:ListBucket'];
  }
  return candidates.find((c) => !actions.includes(c));
}

/** The bucket a bucket policy is attached to, as `{ Fn::Sub: '${Bucket.Arn}/*' }`. */
function wholeBucket(template: Template, where: PolicyLocation): Json {
  const bucket = template.resources[where.logicalId]!.properties['Bucket'];
  const id = isObject(bucket) && typeof bucket['Ref'] === 'string' ? bucket['Ref'] : undefined;
  if (!id) throw new Error(`${where.policy}: Bucket is not a Ref to a bucket of the template`);
  return [{ 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::Sub': `\${${id}.Arn}/*` }];
}

export function widenings(template: Template): Widening[] {
  const out: Widening[] = [];
  for (const where of policyLocations(template)) {
    const doc = template.resources[where.logicalId]!.properties[where.property];
    if (!isObject(doc)) continue;
    list(doc['Statement']).forEach((st, index) => {
      if (!isObject(st)) return;
      const statement = typeof st['Sid'] === 'string' ? st['Sid'] : `[${index}]`;
      const add = (kind: WideningKind, change: string, edit: (statements: Json[], s: JsonObject) => void) =>
        out.push({ id: `${where.policy}#${statement}:${kind}`, policy: where.policy, statement, kind, change, apply: (t) => editStatement(t, where, index, edit) });

      if (st['Effect'] === 'Deny') {
        add('removed-deny', 'Deny statement removed', (statements) => void statements.splice(index, 1));
        return;
      }
      if (where.kind !== 'trust') {
        add('wildcard-action', "Action: '*'", (_all, s) => {
          delete s['NotAction'];
          s['Action'] = '*';
        });
        const extra = extraAction(st, where.kind);
        if (extra) add('extra-action', `Action += ${extra}`, (_all, s) => void (s['Action'] = [...list(s['Action']), extra]));
      }
      // In a key, queue, topic or trust policy the resource is the policy's own resource: '*' widens nothing.
      if (where.kind === 'identity' && JSON.stringify(st['Resource']) !== '"*"') {
        add('wildcard-resource', "Resource: '*'", (_all, s) => void (s['Resource'] = '*'));
      }
      if (where.kind === 'bucket') {
        add('wildcard-resource', 'Resource: the whole bucket', (_all, s) => void (s['Resource'] = wholeBucket(template, where)));
      }
      if (st['Condition'] !== undefined) add('removed-condition', 'Condition removed', (_all, s) => void delete s['Condition']);
      const principal = st['Principal'];
      if (where.kind !== 'identity' && isObject(principal)) {
        if (principal['AWS'] !== undefined) {
          add('added-principal', `Principal.AWS += account ${OTHER_ACCOUNT}`, (_all, s) => {
            const p = s['Principal'] as JsonObject;
            p['AWS'] = [...list(p['AWS']), { 'Fn::Sub': `arn:\${AWS::Partition}:iam::${OTHER_ACCOUNT}:root` }];
          });
        } else if (principal['Service'] !== undefined) {
          add('added-principal', 'Principal.Service += ssm (an unrelated service)', (_all, s) => {
            const p = s['Principal'] as JsonObject;
            // Global service principals are spelled `<service>.amazonaws.com` in every partition.
            p['Service'] = [...list(p['Service']), 'ssm.amazonaws.com'];
          });
        }
      }
    });
  }
  return out;
}
