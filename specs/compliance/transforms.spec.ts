// Templates that need processing before CloudFormation (or the rules) can read them (issue #15): SAM expanded by
// the official translator, AWS::LanguageExtensions' Fn::ForEach expanded, YAML merge keys applied; every other
// transform, macro, Rain directive or unknown tag, and what is not a template, refused with one line, never passed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { scratchDir } from '../support/scratch.ts';
import { expectOneLineError, runScriptSync } from '../support/cli.ts';

const D = 'fixtures/templates/transforms';
const dir = scratchDir('transforms-');
const check = (args: string[]) => runScriptSync('check', args);

interface JsonFinding {
  ruleId: string;
  logicalId: string;
  message: string;
}

/** The findings of a one-template `--format json` run (exit 0 or 1: the template was read). */
function findings(path: string): JsonFinding[] {
  const run = check([path, '--format', 'json', '--pack', 'generic']);
  expect([0, 1], run.stderr).toContain(run.code);
  return (JSON.parse(run.stdout) as { findings: JsonFinding[] }).findings;
}

const ids = (list: JsonFinding[], ruleId: string) => list.filter((f) => f.ruleId === ruleId).map((f) => f.logicalId).sort();

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test.describe('SAM (AWS::Serverless-2016-10-31)', () => {
  test('the role SAM generates is judged and its findings name the SAM function', () => {
    const list = findings(`${D}/sam-wildcard.yaml`);
    for (const rule of ['IAM-NO-WILDCARD-ACTION', 'IAM-NO-WILDCARD-RESOURCE']) {
      const hits = list.filter((f) => f.ruleId === rule);
      expect(hits.map((f) => f.logicalId), rule).toEqual(['MyFunctionRole']);
      expect(hits[0]!.message).toContain('(MyFunctionRole is generated from SAM MyFunction)');
    }
    // The function itself is judged as the AWS::Lambda::Function SAM makes of it.
    expect(ids(list, 'LAMBDA-DLQ')).toEqual(['MyFunction']);
  });

  test('Transform as a list is expanded the same way', () => {
    const text = `Transform: [AWS::Serverless-2016-10-31]\n${'Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs22.x\n      Handler: i.h\n      InlineCode: x\n      Policies: [{Statement: [{Effect: Allow, Action: "sqs:*", Resource: "*"}]}]\n'}`;
    expect(ids(findings(file('sam-list.yaml', text)), 'IAM-NO-WILDCARD-ACTION')).toEqual(['FRole']);
  });

  test('a template the translator refuses: exit 2 with its message, for check and matrix', () => {
    for (const script of ['check', 'matrix']) {
      const run = runScriptSync(script, [`${D}/sam-refused.yaml`]);
      expectOneLineError(run, 2, /sam-refused\.yaml: the SAM translator refused it: .*Event with id \[Tick\] is invalid/);
    }
  });

  test('the matrix loads the expanded template (it sees the Lambda function SAM generates)', () => {
    const run = runScriptSync('matrix', [`${D}/sam-wildcard.yaml`]);
    expectOneLineError(run, 2, /not a document-backup stack: .*MyFunction environment BACKUP_BUCKET/);
  });
});

test.describe('AWS::LanguageExtensions', () => {
  test('Fn::ForEach makes three buckets; only the one the mapping leaves on AES256 is found', () => {
    const list = findings(`${D}/foreach-buckets.yaml`);
    expect(ids(list, 'S3-KMS-ENCRYPTION')).toEqual(['BucketArchive']);
    expect(ids(list, 'S3-VERSIONING')).toEqual(['BucketArchive', 'BucketData', 'BucketLogs']);
  });

  test('a collection from a CommaDelimitedList parameter uses its Default', () => {
    const text =
      'Transform: AWS::LanguageExtensions\nParameters:\n  Names: {Type: CommaDelimitedList, Default: "a-b,c"}\nResources:\n' +
      '  Fn::ForEach::Queues:\n    - N\n    - !Ref Names\n    - Queue&{N}:\n        Type: AWS::SQS::Queue\n        Properties:\n          QueueName: !Sub "q-${N}"\n';
    expect(ids(findings(file('foreach-param.yaml', text)), 'ENC-SQS-STACK-KEY')).toEqual(['Queueab', 'Queuec']);
  });

  test('given values replace the Default of a loop over a parameter, and a parameter without Default can be given', () => {
    const loop = '  Fn::ForEach::Queues:\n    - N\n    - !Ref Names\n    - Queue&{N}:\n        Type: AWS::SQS::Queue\n';
    const withDefault = file('foreach-given.yaml', `Transform: AWS::LanguageExtensions\nParameters:\n  Names: {Type: CommaDelimitedList, Default: "a"}\nResources:\n${loop}`);
    const given = (path: string) => {
      const run = check([path, '--format', 'json', '--pack', 'generic', '--parameters', 'Names=p,q']);
      expect([0, 1], run.stderr).toContain(run.code);
      return ids((JSON.parse(run.stdout) as { findings: JsonFinding[] }).findings, 'ENC-SQS-STACK-KEY');
    };
    expect(given(withDefault)).toEqual(['Queuep', 'Queueq']);
    const noDefault = file('foreach-no-default.yaml', `Transform: AWS::LanguageExtensions\nParameters:\n  Names: {Type: CommaDelimitedList}\nResources:\n${loop}`);
    expect(given(noDefault)).toEqual(['Queuep', 'Queueq']);
    expectOneLineError(check([noDefault]), 2, /Fn::ForEach::Queues: its collection is parameter Names, which has no Default: give its value \(--parameters Names=a,b\)/);
  });

  test('a loop in Conditions makes conditions the resources use', () => {
    const text =
      'Transform: AWS::LanguageExtensions\nParameters:\n  Env: {Type: String, AllowedValues: [dev, prod], Default: dev}\nConditions:\n' +
      '  Fn::ForEach::Envs:\n    - E\n    - [dev, prod]\n    - Is${E}: !Equals [!Ref Env, !Sub "${E}"]\nResources:\n' +
      '  Wide:\n    Type: AWS::IAM::ManagedPolicy\n    Condition: Isprod\n    Properties:\n      PolicyDocument:\n        Version: "2012-10-17"\n' +
      '        Statement: [{Effect: Allow, Action: "s3:*", Resource: "arn:aws:s3:::b/*"}]\n';
    const wide = findings(file('foreach-conditions.yaml', text)).filter((f) => f.ruleId === 'IAM-NO-WILDCARD-ACTION');
    expect(wide.map((f) => f.message)).toEqual(['allows wildcard action s3:*; list the actions it needs (only when Env=prod)']);
  });

  test('Fn::ToJsonString: a policy written as a JSON string is judged like any other', () => {
    const text =
      'Transform: AWS::LanguageExtensions\nResources:\n  Queue: {Type: AWS::SQS::Queue}\n  QueuePolicy:\n    Type: AWS::SQS::QueuePolicy\n' +
      '    Properties:\n      Queues: [!Ref Queue]\n      PolicyDocument:\n        Fn::ToJsonString:\n          Version: "2012-10-17"\n' +
      '          Statement: [{Effect: Allow, Principal: "*", Action: "sqs:SendMessage", Resource: !GetAtt Queue.Arn}]\n';
    expect(ids(findings(file('to-json-string.yaml', text)), 'IAM-RESOURCE-POLICY-NO-PUBLIC-PRINCIPAL')).toEqual(['QueuePolicy']);
  });

  test('a stray --- around the template is one document, not a stream', () => {
    const text = '---\nResources:\n  Q: {Type: AWS::SQS::Queue}\n---\n';
    expect(ids(findings(file('stray-separator.yaml', text)), 'ENC-SQS-STACK-KEY')).toEqual(['Q']);
  });

  const refusals: Array<[string, string, RegExp]> = [
    [
      'a collection that cannot be resolved',
      'Transform: AWS::LanguageExtensions\nParameters:\n  Names: {Type: CommaDelimitedList}\nResources:\n  Fn::ForEach::Q:\n    - N\n    - !Ref Names\n    - Q&{N}: {Type: AWS::SQS::Queue}\n',
      /Fn::ForEach::Q: its collection is parameter Names, which has no Default/,
    ],
    [
      'Fn::ForEach without the transform',
      'Resources:\n  Fn::ForEach::Q:\n    - N\n    - [a]\n    - Q&{N}: {Type: AWS::SQS::Queue}\n',
      /uses Fn::ForEach::Q without Transform: AWS::LanguageExtensions/,
    ],
    [
      'a loop that generates an id twice',
      'Transform: AWS::LanguageExtensions\nResources:\n  Fn::ForEach::Q:\n    - N\n    - [a-b, ab]\n    - Q&{N}: {Type: AWS::SQS::Queue}\n',
      /Fn::ForEach::Q: generates Qab, which is already defined/,
    ],
  ];
  for (const [name, text, message] of refusals) {
    test(`exit 2 for ${name}`, () => {
      expectOneLineError(check([file(`${name.replace(/\W+/g, '-')}.yaml`, text)]), 2, message);
    });
  }
});

test.describe('what must be processed first, and what is not a template', () => {
  const cases: Array<[string, RegExp]> = [
    ['include.yaml', /uses the transform AWS::Include, which the check cannot expand: process it first/],
    ['macro.yaml', /uses the transform TeamMacro, which the check cannot expand: process it first/],
    ['rain-embed.yaml', /uses Rain directives \(!Rain::Embed\): process it first \(rain pkg\) and check the output/],
    ['rain-module.json', /uses Rain directives \(Rain::Module\): process it first \(rain pkg\)/],
    ['multi-document.yaml', /not a CloudFormation template \(a YAML stream of 2 documents\)/],
  ];
  for (const [name, message] of cases) {
    test(`${name}: exit 2 with one line`, () => expectOneLineError(check([`${D}/${name}`]), 2, message));
  }

  test('an empty file and a file of comments only: exit 2 with one line, not an internal error', () => {
    for (const [name, text] of [['empty.yaml', ''], ['comments.yaml', '# nothing here yet\n']] as const) {
      expectOneLineError(check([file(name, text)]), 2, new RegExp(`${name}: not a CloudFormation template`));
    }
  });

  test('Fn::Transform inside a resource and an unknown tag are refused, named', () => {
    const include = 'Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Fn::Transform: [{Name: AWS::Include, Parameters: {Location: s3://b/k}}]\n';
    expectOneLineError(check([file('inline.yaml', include)]), 2, /uses Fn::Transform \(AWS::Include\)/);
    const tag = 'Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Env NAME\n';
    expectOneLineError(check([file('tag.yaml', tag)]), 2, /unknown YAML tag: !Env .*process the template first/);
  });

  test('in a directory run they are skipped and counted, each with its reason', () => {
    const run = check([D, '--pack', 'generic']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^SKIPPED \S*rain-embed\.yaml {2}\(uses Rain directives \(!Rain::Embed\)/m);
    expect(run.stdout).toMatch(/^SKIPPED \S*multi-document\.yaml {2}\(not a CloudFormation template/m);
    expect(run.stdout).toMatch(/3 templates: .*; 6 files skipped;/);
  });
});

test.describe('YAML', () => {
  test('merge keys (<<: *a and <<: [*a, *b]) are applied, not read as a key', () => {
    const list = findings(`${D}/merge-keys.yaml`);
    // Second and Third take First's encryption; Third also the versioning of its second merge source.
    expect(ids(list, 'S3-ENCRYPTION')).toEqual([]);
    expect(ids(list, 'S3-VERSIONING')).toEqual(['First', 'Second']);
  });

  test('150 aliases are a template, not an attack', () => {
    const statements = Array.from({ length: 150 }, () => '          - *read').join('\n');
    const text =
      'Resources:\n  Policy:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: "2012-10-17"\n' +
      `        Statement:\n          - &read {Effect: Allow, Action: "s3:*", Resource: "arn:aws:s3:::b/*"}\n${statements}\n`;
    const list = findings(file('aliases.yaml', text));
    expect(list.filter((f) => f.ruleId === 'IAM-NO-WILDCARD-ACTION').length).toBeGreaterThan(0);
  });

  test('a billion-laughs document is refused quickly with one line', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const started = Date.now();
    const run = check([file('laughs.yaml', `${levels.join('\n')}\nResources: {B: {Type: AWS::S3::Bucket, Properties: {Tags: *i}}}\n`)]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expectOneLineError(run, 2, /laughs\.yaml: not usable YAML: Excessive alias count: its aliases expand to more than 1000000 nodes/);
  });
});
