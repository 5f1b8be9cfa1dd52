// Turns the resolver's tokens into concrete values for one sample deployment, so a real IAM policy
// evaluator can compare ARNs: `{{AWS::Partition}}` -> `aws-cn`, `{{Ref:BackupKey}}` -> a key id,
// `{{GetAtt:DeadLetterQueue.Arn}}` -> `arn:aws-cn:sqs:cn-north-1:111122223333:docbackup-DeadLetterQueue-…`.
// Every resource gets a physical name the way CloudFormation would give it one: the name property when the
// template sets it, otherwise `<stack>-<LogicalId>-<suffix>` (lower case where the service demands it).
import { createHash } from 'node:crypto';
import type { Json, Template } from '../cfn/template.ts';
import { Resolver, view, type TemplateView } from '../cfn/intrinsics.ts';
import { parameterValuesProblem } from '../parameters.ts';

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';

export const PARTITIONS: Record<Partition, { region: string; urlSuffix: string }> = {
  aws: { region: 'us-east-1', urlSuffix: 'amazonaws.com' },
  'aws-cn': { region: 'cn-north-1', urlSuffix: 'amazonaws.com.cn' },
  'aws-us-gov': { region: 'us-gov-west-1', urlSuffix: 'amazonaws.com' },
};

export function isPartition(value: string): value is Partition {
  return Object.hasOwn(PARTITIONS, value);
}

export const SAMPLE_ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const SAMPLE_STACK = 'docbackup';

/** Sample values for the canonical template's parameters; other templates fall back to Default or a sample. */
export const SAMPLE_PARAMETERS: Record<string, string> = {
  Environment: 'dev',
  BackupBucketName: `docbackup-backups-${SAMPLE_ACCOUNT}`,
  SourceBucketName: 'acme-documents',
  SourcePrefix: 'documents/',
  LambdaCodeBucket: `docbackup-artifacts-${SAMPLE_ACCOUNT}`,
  LambdaCodeKey: 'backup-lambda/0f1e2d3c.zip',
  AlarmEmail: '',
};

export interface ConcretiseOptions {
  partition?: Partition;
  region?: string;
  accountId?: string;
  stackName?: string;
  /** Overrides for parameter values (merged over SAMPLE_PARAMETERS and the template's defaults). */
  parameters?: Record<string, string>;
}

/** A token the concretiser cannot give a value to (an unsupported intrinsic or attribute). */
export class ConcretiseError extends Error {
  override readonly name = 'ConcretiseError';
}

export interface PhysicalResource {
  logicalId: string;
  type: string;
  /** What `Ref` returns for this type. */
  ref: string;
  /** What `Fn::GetAtt` returns, per attribute. */
  attrs: Record<string, string>;
}

export interface Concrete {
  partition: Partition;
  region: string;
  urlSuffix: string;
  accountId: string;
  otherAccountId: string;
  stackName: string;
  parameters: Record<string, string>;
  /** The resolver's view of the template under these parameters (conditions decided). */
  view: TemplateView;
  physical: Record<string, PhysicalResource>;
  /** Replaces every token in an already resolved value; throws ConcretiseError for one it cannot fill. */
  fill<T extends Json>(value: T): T;
  /** Resolves intrinsics (through the view) and fills tokens. */
  value(raw: Json): Json;
}

function suffix(seed: string, length = 12): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length).toUpperCase();
}

function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// Properties that name a resource; CloudFormation generates the name when they are absent.
const NAME_PROPERTY: Record<string, string> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Events::Rule': 'Name',
  'AWS::KMS::Alias': 'AliasName',
};

function parameterValues(template: Template, overrides: Record<string, string>): Record<string, string> {
  // A name the template does not declare, or a value CloudFormation would refuse (AllowedValues, AllowedPattern, ...).
  const problem = parameterValuesProblem(template, overrides);
  if (problem) throw new ConcretiseError(problem);
  const out: Record<string, string> = {};
  for (const [name, param] of Object.entries(template.parameters)) {
    if (overrides[name] !== undefined) out[name] = overrides[name]!;
    else if (SAMPLE_PARAMETERS[name] !== undefined) out[name] = SAMPLE_PARAMETERS[name]!;
    else if (param['Default'] !== undefined) out[name] = String(param['Default']);
    else out[name] = `sample-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/^-/, '')}`;
  }
  return out;
}

export function concretise(template: Template, options: ConcretiseOptions = {}): Concrete {
  const partition = options.partition ?? 'aws';
  const region = options.region ?? PARTITIONS[partition].region;
  const urlSuffix = PARTITIONS[partition].urlSuffix;
  const accountId = options.accountId ?? SAMPLE_ACCOUNT;
  const stackName = options.stackName ?? SAMPLE_STACK;
  const parameters = parameterValues(template, { ...(options.parameters ?? {}) });
  const scenario = {
    parameters,
    label: Object.entries(parameters).map(([k, v]) => `${k}=${v === '' ? "''" : v}`).join(', '),
  };
  const templateView = view(template, scenario);
  // A resolver that learns no name aliases: it yields a named resource's name as written, not `{{Ref:Id}}`.
  const literal = new Resolver(
    {
      ...template,
      resources: Object.fromEntries(
        Object.entries(template.resources).map(([id, r]) => {
          const prop = NAME_PROPERTY[r.type];
          if (!prop) return [id, r];
          const { [prop]: _dropped, ...rest } = r.properties;
          return [id, { ...r, properties: rest }];
        }),
      ),
    },
    scenario,
  );

  const pseudo: Record<string, string> = {
    'AWS::Partition': partition,
    'AWS::Region': region,
    'AWS::AccountId': accountId,
    'AWS::URLSuffix': urlSuffix,
    'AWS::StackName': stackName,
    'AWS::StackId': `arn:${partition}:cloudformation:${region}:${accountId}:stack/${stackName}/${uuidFrom(stackName)}`,
  };

  const physical: Record<string, PhysicalResource> = {};
  const naming = new Set<string>();

  const fillString = (text: string): string =>
    text.replace(/\{\{([^{}]+)\}\}/g, (_m, inner: string) => {
      if (pseudo[inner] !== undefined) return pseudo[inner]!;
      if (inner.startsWith('Param:')) {
        const value = parameters[inner.slice(6)];
        if (value === undefined) throw new ConcretiseError(`parameter ${inner.slice(6)} has no sample value`);
        return value;
      }
      if (inner.startsWith('Ref:')) return physicalOf(inner.slice(4)).ref;
      if (inner.startsWith('GetAtt:')) {
        const rest = inner.slice(7);
        const dot = rest.indexOf('.');
        const id = rest.slice(0, dot);
        const attr = rest.slice(dot + 1);
        const value = physicalOf(id).attrs[attr];
        if (value === undefined) throw new ConcretiseError(`no sample value for Fn::GetAtt ${id}.${attr}`);
        return value;
      }
      throw new ConcretiseError(`cannot give a concrete value to {{${inner}}}`);
    });

  const fill = <T extends Json>(value: T): T => {
    if (typeof value === 'string') return fillString(value) as T;
    if (Array.isArray(value)) return value.map((v) => fill(v)) as T;
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)])) as T;
    }
    return value;
  };

  function nameOf(id: string, fallback: (generated: string) => string): string {
    const resource = template.resources[id]!;
    const prop = NAME_PROPERTY[resource.type];
    const raw = prop ? resource.properties[prop] : undefined;
    if (raw !== undefined) {
      if (naming.has(id)) throw new ConcretiseError(`the name of ${id} refers to itself`);
      naming.add(id);
      try {
        const resolved = literal.resolve(raw);
        if (typeof resolved === 'string') return fillString(resolved);
      } finally {
        naming.delete(id);
      }
    }
    return fallback(`${stackName}-${id}-${suffix(`${stackName}/${id}`)}`);
  }

  function physicalOf(id: string): PhysicalResource {
    const known = physical[id];
    if (known) return known;
    const resource = template.resources[id];
    if (!resource) throw new ConcretiseError(`{{Ref:${id}}} names no resource of the template`);
    const arn = (service: string, rest: string, withRegion = true) =>
      `arn:${partition}:${service}:${withRegion ? region : ''}:${accountId}:${rest}`;
    let out: PhysicalResource;
    switch (resource.type) {
      case 'AWS::S3::Bucket': {
        const name = nameOf(id, (g) => g.toLowerCase());
        out = {
          logicalId: id, type: resource.type, ref: name,
          attrs: { Arn: `arn:${partition}:s3:::${name}`, DomainName: `${name}.s3.${urlSuffix}`, RegionalDomainName: `${name}.s3.${region}.${urlSuffix}` },
        };
        break;
      }
      case 'AWS::KMS::Key': {
        const keyId = uuidFrom(`${stackName}/${id}`);
        out = { logicalId: id, type: resource.type, ref: keyId, attrs: { Arn: arn('kms', `key/${keyId}`), KeyId: keyId } };
        break;
      }
      case 'AWS::KMS::Alias': {
        const name = nameOf(id, (g) => `alias/${g}`);
        out = { logicalId: id, type: resource.type, ref: name, attrs: {} };
        break;
      }
      case 'AWS::SQS::Queue': {
        const fifo = resource.properties['FifoQueue'] === true || resource.properties['FifoQueue'] === 'true';
        const name = nameOf(id, (g) => (fifo ? `${g}.fifo` : g));
        const url = `https://sqs.${region}.${urlSuffix}/${accountId}/${name}`;
        out = { logicalId: id, type: resource.type, ref: url, attrs: { Arn: arn('sqs', name), QueueName: name, QueueUrl: url } };
        break;
      }
      case 'AWS::SNS::Topic': {
        const name = nameOf(id, (g) => g);
        const topicArn = arn('sns', name);
        out = { logicalId: id, type: resource.type, ref: topicArn, attrs: { TopicArn: topicArn, TopicName: name } };
        break;
      }
      case 'AWS::IAM::Role': {
        const name = nameOf(id, (g) => g.slice(0, 64));
        const path = typeof resource.properties['Path'] === 'string' ? resource.properties['Path'] : '/';
        out = {
          logicalId: id, type: resource.type, ref: name,
          attrs: { Arn: `arn:${partition}:iam::${accountId}:role${path}${name}`, RoleId: `AROA${suffix(`${id}/roleid`, 17)}` },
        };
        break;
      }
      case 'AWS::IAM::ManagedPolicy': {
        const name = nameOf(id, (g) => g);
        // The ARN carries the policy's Path, as a role's does: what an attachment by ARN must spell.
        const path = typeof resource.properties['Path'] === 'string' ? resource.properties['Path'] : '/';
        const policyArn = `arn:${partition}:iam::${accountId}:policy${path}${name}`;
        out = { logicalId: id, type: resource.type, ref: policyArn, attrs: { PolicyArn: policyArn } };
        break;
      }
      case 'AWS::Logs::LogGroup': {
        const name = nameOf(id, (g) => g);
        out = { logicalId: id, type: resource.type, ref: name, attrs: { Arn: arn('logs', `log-group:${name}:*`) } };
        break;
      }
      case 'AWS::Lambda::Function': {
        const name = nameOf(id, (g) => g.slice(0, 64));
        out = { logicalId: id, type: resource.type, ref: name, attrs: { Arn: arn('lambda', `function:${name}`) } };
        break;
      }
      case 'AWS::Events::Rule': {
        const name = nameOf(id, (g) => g.slice(0, 64));
        out = { logicalId: id, type: resource.type, ref: name, attrs: { Arn: arn('events', `rule/${name}`) } };
        break;
      }
      default:
        out = { logicalId: id, type: resource.type, ref: `${stackName}-${id}-${suffix(`${stackName}/${id}`)}`, attrs: {} };
    }
    physical[id] = out;
    return out;
  }

  for (const id of Object.keys(template.resources)) physicalOf(id);

  return {
    partition,
    region,
    urlSuffix,
    accountId,
    otherAccountId: OTHER_ACCOUNT,
    stackName,
    parameters,
    view: templateView,
    physical,
    fill,
    value: (raw) => fill(templateView.resolve(raw)),
  };
}
