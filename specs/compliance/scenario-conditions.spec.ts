// Issue #15, found on a public corpus: resources under a Condition on a pseudo parameter were checked in no
// scenario; findings quoted the stand-in value the scenarios use for "a value was given" (`"sample-value"`);
// labels named parameters the finding does not depend on. Each fixture is judged as `npm run check` judges it.
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { loadTemplate } from '../../scripts/lib/cfn/template.ts';
import { scenarioPlan } from '../../scripts/lib/cfn/scenarios.ts';
import { spelled } from '../../scripts/lib/cfn/intrinsics.ts';
import { runRules } from '../rules/engine.ts';
import { RULES } from '../rules/index.ts';
import { runScriptSync } from '../support/cli.ts';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'templates', 'scenarios');
const TODAY = new Date('2026-12-01T00:00:00Z');

/** `RULE logicalId path: message` of every finding of the generic pack. */
async function findings(file: string): Promise<string[]> {
  const template = await loadTemplate(join(DIR, file));
  return runRules(template, RULES, { today: TODAY, packs: ['generic'], settings: { requiredTags: [] } }).map(
    (f) => `${f.ruleId} ${f.logicalId} ${f.path}: ${f.message}`,
  );
}

test.describe('scenarios from Conditions', () => {
  test('a Condition on AWS::Region or AWS::Partition is evaluated both ways: the resources under it are checked, labelled with the case', async () => {
    const all = await findings('pseudo-conditions.yaml');
    expect(all).toContain('S3-ENCRYPTION Bucket Properties.BucketEncryption: bucket has no default encryption (BucketEncryption.ServerSideEncryptionConfiguration) (only when AWS::Region=us-east-1)');
    // The other way round, named by what the template says, not by the stand-in Region used for it.
    expect(all).toContain("STATEFUL-RETAIN ElsewhereQueue DeletionPolicy: DeletionPolicy is not set (Delete), not Retain (only when AWS::Region other than us-east-1)");
    // A Region taken apart (`!Split`) is tried once per partition class; a partition compared, each way.
    expect(all).toContain("ENC-SNS-STACK-KEY ChinaTopic Properties.KmsMasterKeyId: the topic has no KmsMasterKeyId; encrypt with the stack's customer-managed key (only when AWS::Region=cn-north-1)");
    expect(all).toContain("ENC-SNS-STACK-KEY GovTopic Properties.KmsMasterKeyId: the topic has no KmsMasterKeyId; encrypt with the stack's customer-managed key (only when AWS::Partition=aws-us-gov)");
    // Conditions see the scenario's Region; rules never do (no portability finding quotes it).
    expect(all.filter((f) => f.startsWith('PORT-'))).toEqual([]);
  });

  test('the pseudo-parameter axes hold the literals compared and a case for every other value', async () => {
    const template = await loadTemplate(join(DIR, 'pseudo-conditions.yaml'));
    const axes = Object.fromEntries(scenarioPlan(template).axes.map((a) => [a.parameter, a.values]));
    expect(axes['AWS::Region']).toEqual(['us-east-1', 'eu-west-1', 'cn-north-1', 'us-gov-west-1']);
    expect(axes['AWS::Partition']).toEqual(['aws-us-gov', 'aws']);
  });

  test('a finding never quotes the stand-in for "given": it quotes the parameter, and labels say "other than"', async () => {
    const all = await findings('stand-in.yaml');
    expect(all.join('\n')).not.toContain('sample-value');
    // One problem at one place is one finding, each case labelled with the only parameter it depends on.
    expect(all).toEqual([
      "ENC-LOGS-STACK-KEY Logs Properties.KmsKeyId: the log group has no KmsKeyId; encrypt with the stack's customer-managed key (only when KeyArn=''); " +
        `KmsKeyId "\${KeyArn}" is not a KMS key of this stack; encrypt with the stack's customer-managed key (only when KeyArn other than '')`,
    ]);
  });

  test('a Condition comparing a parameter with a YAML number holds for that value (CloudFormation compares strings)', async () => {
    expect(await findings('number-condition.yaml')).toContain('STATEFUL-RETAIN Second DeletionPolicy: DeletionPolicy is not set (Delete), not Retain (only when Count=2)');
  });

  test('a lookup keyed by a pseudo parameter resolves where the table agrees; tokens are quoted as the template writes them', async () => {
    const all = await findings('partition-map.yaml');
    // eks.amazonaws.com in every partition: a service principal, so no principal finding on the cluster role.
    expect(all.filter((f) => f.startsWith('IAM-TRUST-POLICY-SERVICE-ONLY ClusterRole'))).toEqual([]);
    for (const f of all) expect(f).not.toContain('{{');
    expect(spelled('KmsKeyId "{{Param:KeyArn}}" in {{GetAtt:Bucket.Arn}}, {{Ref:Queue}}, {{AWS::Region}}, {{resolve:ssm:/x}}')).toBe(
      'KmsKeyId "${KeyArn}" in ${Bucket.Arn}, ${Queue}, ${AWS::Region}, {{resolve:ssm:/x}}',
    );
    expect(spelled('trusts {{FindInMap:PartitionPrincipals.{{AWS::Partition}}.Ec2}}')).toBe('trusts !FindInMap [PartitionPrincipals, !Ref AWS::Partition, Ec2]');
  });

  test('a label names only the parameters the finding depends on', async () => {
    const all = await findings('label-depends.yaml');
    expect(all.length).toBeGreaterThan(0);
    // NodeType has one allowed value and Tier is only a tag value: neither decides whether the bucket exists.
    for (const f of all) expect(f).toMatch(/ \(only when Enable=yes\)$/);
  });
});

test.describe('what the scenarios cannot cover', () => {
  test('a list parameter is a list (Fn::Length), an unknowable Condition is checked as if it held, a Condition no scenario meets is named', async () => {
    const all = await findings('not-evaluated.yaml');
    // Fn::Length of the CommaDelimitedList's Default (three names): the bucket under it is judged.
    expect(all).toContain('S3-ENCRYPTION Plain Properties.BucketEncryption: bucket has no default encryption (BucketEncryption.ServerSideEncryptionConfiguration) (only when Names=a,b,c)');
    // A GetAtt cannot be known before deployment: the topic is judged, and the report says how.
    expect(all).toContain("ENC-SNS-STACK-KEY FifoTopic Properties.KmsMasterKeyId: the topic has no KmsMasterKeyId; encrypt with the stack's customer-managed key");
    expect(all).toContain('NOT-EVALUATED Template Conditions.QueueIsFifo: condition QueueIsFifo cannot be evaluated before deployment; what it guards was checked as if it held, and the other branch of each Fn::If on it was not checked');
    // No scenario has two names: the bucket is not judged, and that is a finding, not silence.
    expect(all.filter((f) => f.includes(' OnlyForTwo '))).toEqual([
      'NOT-EVALUATED OnlyForTwo Condition: condition TwoNames holds in none of the 2 scenario(s) evaluated (parameter values that make it hold were not among them), so OnlyForTwo was not checked',
    ]);
  });

  test('NOT-EVALUATED is a warning in the report: --fail-on warning fails on it', () => {
    const run = runScriptSync('check', [join(DIR, 'not-evaluated.yaml'), '--pack', 'generic', '--fail-on', 'warning']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/WARNING NOT-EVALUATED\s+OnlyForTwo/);
  });
});
