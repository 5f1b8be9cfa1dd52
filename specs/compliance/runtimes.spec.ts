// The runtime rules depend on the date. These specs pin the rules' clock relative to the dated table, so
// they keep meaning the same thing as the calendar moves, and run the runtime fixtures at the date they declare
// in Metadata.Today.
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { loadTemplate, parseTemplate } from '../../scripts/lib/cfn/template.ts';
import { runRules } from '../rules/runner.ts';
import { RULES, clock, daysUntil, resetClock, runtimeStatus, EXPIRY_WARNING_DAYS } from '../support/runtimes.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'templates');
const shift = (iso: string, days: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000);

function fn(runtime: string): string {
  return `Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: ${runtime}\n      Handler: index.handler\n      Role: r\n      Code: { S3Bucket: b, S3Key: k }\n`;
}

function ids(runtime: string, today: Date): string[] {
  clock.today = () => today;
  return runRules(parseTemplate(fn(runtime)), RULES).map((f) => f.ruleId);
}

test.afterEach(() => resetClock());

test('a runtime is an error from its deprecation day, a warning in the 180 days before, and clean before that', () => {
  const deprecated = '2028-04-30'; // nodejs24.x in the table
  expect(ids('nodejs24.x', shift(deprecated, -(EXPIRY_WARNING_DAYS + 1)))).toEqual([]);
  expect(ids('nodejs24.x', shift(deprecated, -EXPIRY_WARNING_DAYS))).toEqual(['LAMBDA-RUNTIME-EXPIRING']);
  expect(ids('nodejs24.x', shift(deprecated, -1))).toEqual(['LAMBDA-RUNTIME-EXPIRING']);
  expect(ids('nodejs24.x', shift(deprecated, 0))).toEqual(['LAMBDA-RUNTIME-DEPRECATED']);
});

test('messages name the block dates and the successor', () => {
  clock.today = () => shift('2027-03-03', 0);
  const [finding] = runRules(parseTemplate(fn('nodejs20.x')), RULES);
  expect(finding?.message).toContain('deprecated on 2026-04-30');
  expect(finding?.message).toContain('updates blocked since 2027-03-03');
  expect(finding?.message).toContain('nodejs24.x');
  clock.today = () => shift('2027-02-01', 0);
  expect(runtimeStatus('nodejs20.x')).toMatchObject({ kind: 'deprecated', blocked: 'create' });
});

test('an unknown runtime is an error whatever the date', () => {
  expect(ids('nodejs99.x', new Date('2020-01-01'))).toEqual(['LAMBDA-RUNTIME-DEPRECATED']);
  expect(daysUntil('2026-01-02', new Date('2026-01-01T23:59:59Z'))).toBe(1);
});

for (const rule of RULES) {
  test(`${rule.id}: fixtures hold at the date they pin`, async () => {
    for (const file of [`good/${rule.id}.yaml`, `bad/${rule.id}.yaml`]) {
      const template = await loadTemplate(join(FIXTURES, file));
      const today = (template.raw['Metadata'] as Record<string, unknown> | undefined)?.['Today'];
      expect(typeof today, `${file} pins Metadata.Today`).toBe('string');
      clock.today = () => new Date(`${today as string}T00:00:00Z`);
      const expected = ((template.raw['Metadata'] as Record<string, unknown>)['ExpectedFindings'] ?? []) as Array<Record<string, string>>;
      const actual = runRules(template, [rule]).map((f) => `${f.logicalId} ${f.path}`).sort();
      expect(actual, file).toEqual(expected.map((e) => `${e['logicalId']} ${e['path']}`).sort());
    }
  });
}
