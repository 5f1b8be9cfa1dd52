// The rules judge values, not spellings: compliant rewrites of the canonical template (JSON, Sub as Join,
// renamed and reordered resources) stay clean, and single planted violations, in YAML and in JSON, are
// each found on the resource that was changed.
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { stringify } from 'yaml';
import { loadTemplate, parseTemplate, type Json, type JsonObject, type Template } from '../../scripts/lib/cfn/template.ts';
import { runRules, active } from '../rules/engine.ts';
import { RULES } from '../rules/index.ts';
import { isObject } from '../rules/helpers.ts';

// The real date, as `npm run check` uses it.
const TODAY = new Date();

const TEMPLATE = process.env['TEMPLATE'] ?? join(import.meta.dirname, '..', '..', 'template', 'backup-stack.yaml');

let canonical: Template;
test.beforeAll(async () => {
  canonical = await loadTemplate(TEMPLATE);
});

const clone = (): JsonObject => structuredClone(canonical.raw);
const asJson = (raw: JsonObject) => parseTemplate(JSON.stringify(raw, null, 2), 'rewrite.json', 'json');
const asYaml = (raw: JsonObject) => parseTemplate(stringify(raw), 'rewrite.yaml', 'yaml');
const activeFindings = (t: Template) => active(runRules(t, RULES, { today: TODAY })).map((f) => `${f.ruleId} ${f.logicalId} ${f.path}: ${f.message}`);

function map(value: Json, fn: (node: JsonObject) => Json | undefined): Json {
  if (Array.isArray(value)) return value.map((v) => map(v, fn));
  if (!isObject(value)) return value;
  const replaced = fn(value);
  if (replaced !== undefined) return replaced;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, map(v, fn)]));
}

/** `!Sub 'a-${X}-${Y.Arn}'` becomes `!Join ['', ['a-', !Ref X, '-', !GetAtt [Y, Arn]]]`. */
function subToJoin(raw: JsonObject): JsonObject {
  return map(raw, (node) => {
    const sub = node['Fn::Sub'];
    if (Object.keys(node).length !== 1 || typeof sub !== 'string') return undefined;
    const parts: Json[] = [];
    let last = 0;
    for (const m of sub.matchAll(/\$\{(!?)([^}]*)\}/g)) {
      if (m.index! > last) parts.push(sub.slice(last, m.index));
      const name = m[2]!.trim();
      if (m[1]) parts.push(`\${${name}}`);
      else if (name.includes('.') && !name.startsWith('AWS::')) parts.push({ 'Fn::GetAtt': [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)] });
      else parts.push({ Ref: name });
      last = m.index! + m[0].length;
    }
    if (last < sub.length) parts.push(sub.slice(last));
    return { 'Fn::Join': ['', parts] };
  }) as JsonObject;
}

/** Gives every resource a new logical id and updates every Ref, GetAtt, Sub and DependsOn. */
function renameResources(raw: JsonObject): JsonObject {
  const resources = raw['Resources'] as JsonObject;
  const ids = Object.keys(resources);
  const rename = new Map(ids.map((id, i) => [id, `Item${String(i).padStart(2, '0')}${id.length}`]));
  const to = (id: string) => rename.get(id) ?? id;
  const subText = (text: string, locals: Set<string>) =>
    text.replace(/\$\{([^!}][^}]*)\}/g, (whole, name: string) => {
      const [head, ...rest] = name.trim().split('.');
      if (locals.has(head!) || !rename.has(head!)) return whole;
      return `\${${[to(head!), ...rest].join('.')}}`;
    });
  const fix = (value: Json): Json =>
    map(value, (node): Json | undefined => {
      if (Object.keys(node).length !== 1) return undefined;
      if (typeof node['Ref'] === 'string') return { Ref: to(node['Ref']) };
      const getAtt = node['Fn::GetAtt'];
      if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return { 'Fn::GetAtt': [to(getAtt[0]), ...getAtt.slice(1).map(fix)] };
      if (typeof getAtt === 'string') return { 'Fn::GetAtt': `${to(getAtt.split('.')[0]!)}.${getAtt.split('.').slice(1).join('.')}` };
      const sub = node['Fn::Sub'];
      if (typeof sub === 'string') return { 'Fn::Sub': subText(sub, new Set()) };
      if (Array.isArray(sub) && typeof sub[0] === 'string') {
        const locals = new Set(isObject(sub[1]) ? Object.keys(sub[1]) : []);
        return { 'Fn::Sub': [subText(sub[0], locals), fix(sub[1] ?? {})] };
      }
      return undefined;
    });
  const out: JsonObject = { ...raw, Resources: {} };
  for (const id of ids) {
    const resource = fix(resources[id]!) as JsonObject;
    const dependsOn = resource['DependsOn'];
    if (typeof dependsOn === 'string') resource['DependsOn'] = to(dependsOn);
    if (Array.isArray(dependsOn)) resource['DependsOn'] = dependsOn.map((d) => (typeof d === 'string' ? to(d) : d));
    (out['Resources'] as JsonObject)[to(id)] = resource;
  }
  if (isObject(raw['Outputs'])) out['Outputs'] = fix(raw['Outputs']);
  return out;
}

function reorder(raw: JsonObject): JsonObject {
  const reverse = (o: Json | undefined) => (isObject(o) ? Object.fromEntries(Object.entries(o).reverse()) : o);
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(raw).reverse()) out[k] = k === 'Resources' || k === 'Outputs' || k === 'Parameters' ? reverse(v)! : v;
  return out;
}

test.describe('compliant rewrites stay clean', () => {
  test('the canonical template itself', () => {
    expect(activeFindings(canonical)).toEqual([]);
  });
  test('as JSON', () => {
    const rewritten = asJson(clone());
    expect(rewritten.format).toBe('json');
    expect(activeFindings(rewritten)).toEqual([]);
  });
  test('every Fn::Sub rewritten as Fn::Join', () => {
    const raw = subToJoin(clone());
    expect(JSON.stringify(raw)).not.toContain('Fn::Sub');
    expect(activeFindings(asYaml(raw))).toEqual([]);
  });
  test('every resource renamed, references updated', () => {
    const raw = renameResources(clone());
    expect(Object.keys(raw['Resources'] as JsonObject)).not.toContain('BackupBucket');
    expect(activeFindings(asJson(raw))).toEqual([]);
  });
  test('resources, outputs and sections reordered', () => {
    expect(activeFindings(asYaml(reorder(clone())))).toEqual([]);
  });
  test('all rewrites at once', () => {
    expect(activeFindings(asJson(reorder(renameResources(subToJoin(clone())))))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Planted violations: each changes one resource and must yield an active finding on that resource.

type Props = JsonObject;
const props = (raw: JsonObject, id: string): Props => ((raw['Resources'] as JsonObject)[id] as JsonObject)['Properties'] as Props;
const statements = (raw: JsonObject, id: string, doc = 'PolicyDocument') => (props(raw, id)[doc] as JsonObject)['Statement'] as JsonObject[];
const bySid = (raw: JsonObject, id: string, sid: string, doc = 'PolicyDocument') => statements(raw, id, doc).find((s) => s['Sid'] === sid)!;

const MUTATIONS: Array<{ name: string; target: string; mutate: (raw: JsonObject) => void }> = [
  { name: 'IAM wildcard action', target: 'BackupPolicy', mutate: (r) => void (bySid(r, 'BackupPolicy', 'DeadLetterFailedInvocations')['Action'] = 'sqs:*') },
  { name: 'IAM wildcard resource', target: 'BackupPolicy', mutate: (r) => void (bySid(r, 'BackupPolicy', 'WriteOwnLogs')['Resource'] = '*') },
  { name: 'backup role may delete backups', target: 'BackupPolicy', mutate: (r) => void (bySid(r, 'BackupPolicy', 'WriteBackupsAndManifests')['Action'] = ['s3:PutObject', 's3:GetObject', 's3:DeleteObject']) },
  { name: 'literal account id', target: 'BackupRole', mutate: (r) => void ((statements(r, 'BackupRole', 'AssumeRolePolicyDocument')[0]!['Condition'] as JsonObject)['StringEquals'] = { 'aws:SourceAccount': '123456789012' }) },
  {
    name: 'literal region behind Fn::Join',
    target: 'BackupPolicy',
    mutate: (r) => void ((bySid(r, 'BackupPolicy', 'UseTheStackKeyThroughS3AndSqs')['Condition'] as JsonObject)['StringEquals'] = { 'kms:ViaService': { 'Fn::Join': ['.', ['s3', 'eu-west-1', { Ref: 'AWS::URLSuffix' }]] } }),
  },
  { name: 'literal arn:aws: partition', target: 'BackupPolicy', mutate: (r) => void (bySid(r, 'BackupPolicy', 'ReadTheSourceDocuments')['Resource'] = { 'Fn::Sub': 'arn:aws:s3:::${SourceBucketName}/${SourcePrefix}*' }) },
  { name: 'bucket encryption removed', target: 'BackupBucket', mutate: (r) => void delete props(r, 'BackupBucket')['BucketEncryption'] },
  {
    name: 'bucket KMS key not the stack key',
    target: 'BackupBucket',
    mutate: (r) => {
      const rules = (props(r, 'BackupBucket')['BucketEncryption'] as JsonObject)['ServerSideEncryptionConfiguration'] as JsonObject[];
      (rules[0]!['ServerSideEncryptionByDefault'] as JsonObject)['KMSMasterKeyID'] = 'alias/aws/s3';
    },
  },
  { name: 'queue KMS key not the stack key', target: 'DeadLetterQueue', mutate: (r) => void (props(r, 'DeadLetterQueue')['KmsMasterKeyId'] = 'alias/aws/sqs') },
  { name: 'public access flag false', target: 'BackupBucket', mutate: (r) => void ((props(r, 'BackupBucket')['PublicAccessBlockConfiguration'] as JsonObject)['BlockPublicPolicy'] = false) },
  { name: 'required tag removed', target: 'BackupFunction', mutate: (r) => void (props(r, 'BackupFunction')['Tags'] = (props(r, 'BackupFunction')['Tags'] as JsonObject[]).filter((t) => t['Key'] !== 'Environment')) },
  { name: 'deprecated runtime', target: 'BackupFunction', mutate: (r) => void (props(r, 'BackupFunction')['Runtime'] = 'nodejs16.x') },
  { name: 'log retention removed', target: 'BackupLogGroup', mutate: (r) => void delete props(r, 'BackupLogGroup')['RetentionInDays'] },
  { name: 'log group not encrypted with the stack key', target: 'BackupLogGroup', mutate: (r) => void delete props(r, 'BackupLogGroup')['KmsKeyId'] },
  { name: 'rule target without DLQ', target: 'ScheduleRule', mutate: (r) => void delete (props(r, 'ScheduleRule')['Targets'] as JsonObject[])[0]!['DeadLetterConfig'] },
  { name: 'key rotation off', target: 'BackupKey', mutate: (r) => void (props(r, 'BackupKey')['EnableKeyRotation'] = false) },
  { name: 'key policy lets the account decrypt directly', target: 'BackupKey', mutate: (r) => void delete bySid(r, 'BackupKey', 'UseThroughStackServicesOnly', 'KeyPolicy')['Condition'] },
  { name: 'bucket policy allows everyone', target: 'AccessLogBucketPolicy', mutate: (r) => void (bySid(r, 'AccessLogBucketPolicy', 'AllowAccessLogDeliveryFromTheBackupBucket')['Principal'] = '*') },
  { name: 'invoke permission without SourceAccount', target: 'ScheduleInvokePermission', mutate: (r) => void delete props(r, 'ScheduleInvokePermission')['SourceAccount'] },
  { name: 'topic without the stack key', target: 'AlarmTopic', mutate: (r) => void delete props(r, 'AlarmTopic')['KmsMasterKeyId'] },
  { name: '${} outside Sub', target: 'BackupFunction', mutate: (r) => void (((props(r, 'BackupFunction')['Environment'] as JsonObject)['Variables'] as JsonObject)['REGION'] = '${AWS::Region}') },
  { name: 'AWS-managed policy attached', target: 'BackupRole', mutate: (r) => void (props(r, 'BackupRole')['ManagedPolicyArns'] = [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AmazonS3FullAccess' }]) },
];

test.describe('planted violations are found on the changed resource', () => {
  for (const { name, target, mutate } of MUTATIONS) {
    for (const [format, parse] of [['yaml', asYaml], ['json', asJson]] as const) {
      test(`${name} (${format})`, () => {
        const raw = clone();
        mutate(raw);
        const template = parse(raw);
        expect(template.format).toBe(format);
        const findings = active(runRules(template, RULES, { today: TODAY }));
        const onTarget = findings.filter((f) => f.logicalId === target);
        expect(onTarget.length, `no active finding on ${target}; got: ${findings.map((f) => `${f.ruleId} ${f.logicalId}`).join(', ') || 'none'}`).toBeGreaterThan(0);
      });
    }
  }
});
