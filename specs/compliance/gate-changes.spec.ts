// The gate's own judgement, without LocalStack: replacement computed from the resource provider schemas'
// create-only properties (a changed name, a changed type, a referrer of a replaced resource, a value from a
// parameter), merged with what a change set reports (the stricter wins, and the row says so), and which
// stateful resources that blocks. The integration spec (specs/integration/gate.spec.ts) runs it end to end.
import type { Change } from '@aws-sdk/client-cloudformation';
import { test, expect } from '@playwright/test';
import { parseTemplate } from '../../scripts/lib/cfn/template.ts';
import { judgeStateful, mergeChanges } from '../../scripts/lib/gate/gate.ts';
import { computeChanges, createOnlyProperties } from '../../scripts/lib/gate/replacement.ts';

const BASE = `
Parameters:
  Name: { Type: String }
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties: { BucketName: !Ref Name, VersioningConfiguration: { Status: Enabled } }
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties: { Bucket: !Ref Bucket, PolicyDocument: { Statement: [] } }
  Queue:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
`;

const side = (yaml: string, parameters: Record<string, string> = { Name: 'docs-a' }) => ({ template: parseTemplate(yaml), parameters });
const change = (logicalId: string, type: string, action: string, replacement?: string): Change => ({
  Type: 'Resource',
  ResourceChange: { LogicalResourceId: logicalId, ResourceType: type, Action: action as 'Modify', ...(replacement ? { Replacement: replacement as 'True' } : {}) },
});

test('create-only properties come from the schemas cfn-lint ships', () => {
  expect(createOnlyProperties('AWS::S3::Bucket')).toContainEqual(['BucketName']);
  expect(createOnlyProperties('AWS::KMS::Alias')).toEqual([['AliasName']]);
  expect(createOnlyProperties('AWS::KMS::Key')).toEqual([]);
  expect(createOnlyProperties('Custom::Thing')).toEqual([]);
});

test('a parameter that renames a bucket replaces it, and the policy that refers to it', () => {
  const changes = computeChanges(side(BASE), side(BASE, { Name: 'docs-b' }));
  expect(changes).toEqual([
    { logicalId: 'Bucket', type: 'AWS::S3::Bucket', action: 'Modify', replaced: true, causes: ['BucketName'] },
    { logicalId: 'Policy', type: 'AWS::S3::BucketPolicy', action: 'Modify', replaced: true, causes: ['Bucket (Bucket is replaced)'] },
  ]);
});

test('a property that is not create-only replaces nothing; the same values change nothing', () => {
  expect(computeChanges(side(BASE), side(BASE.replace('Status: Enabled', 'Status: Suspended')))).toEqual([]);
  expect(computeChanges(side(BASE), side(BASE))).toEqual([]);
});

test('a removed resource, an added one and a changed type', () => {
  const after = BASE.replace(/  Queue:\n    Type: AWS::SQS::Queue\n/, '').replace('Type: AWS::SNS::Topic', 'Type: AWS::SQS::Queue') + '  Added:\n    Type: AWS::Logs::LogGroup\n';
  const byId = Object.fromEntries(computeChanges(side(BASE), side(after)).map((c) => [c.logicalId, c]));
  expect(byId['Queue']).toMatchObject({ action: 'Remove', replaced: false });
  expect(byId['Added']).toMatchObject({ action: 'Add', replaced: false });
  expect(byId['Topic']).toMatchObject({ action: 'Modify', replaced: true, causes: ['Type'] });
});

test('the stricter of the change set and the computation wins, and the row says where they disagree', () => {
  const computed = computeChanges(side(BASE), side(BASE, { Name: 'docs-b' }));
  const rows = mergeChanges([change('Bucket', 'AWS::S3::Bucket', 'Modify', 'False'), change('Topic', 'AWS::SNS::Topic', 'Modify', 'Conditional')], computed);
  expect(rows.find((r) => r.logicalId === 'Bucket')).toMatchObject({ replacement: 'True', causes: ['BucketName'], note: expect.stringContaining('the change set said False') });
  expect(rows.find((r) => r.logicalId === 'Topic')).toMatchObject({ replacement: 'Conditional' });
  expect(rows.find((r) => r.logicalId === 'Policy')).toMatchObject({ replacement: 'True', note: 'computed; not in the change set' });
});

test('a stateful resource replaced, possibly replaced or removed blocks unless allowed by name; others never do', () => {
  const rows = mergeChanges(
    [
      change('Bucket', 'AWS::S3::Bucket', 'Modify', 'True'),
      change('Queue', 'AWS::SQS::Queue', 'Remove'),
      change('Alias', 'AWS::KMS::Alias', 'Modify', 'Conditional'),
      change('Key', 'AWS::KMS::Key', 'Modify', 'False'),
      change('Topic', 'AWS::SNS::Topic', 'Modify', 'True'),
      change('Logs', 'AWS::Logs::LogGroup', 'Add'),
    ],
    [],
  );
  const { blocked, allowed } = judgeStateful(rows, ['Queue']);
  expect(blocked.map((r) => r.logicalId)).toEqual(['Bucket', 'Alias']);
  expect(allowed.map((r) => r.logicalId)).toEqual(['Queue']);
});
