// The runtime rules depend on the date the check runs for (RuleContext.today). These specs pass dates relative to
// the dated table, so they keep meaning the same thing as the calendar moves, run the runtime fixtures at the date
// they declare in Metadata.Today, and check the shape of the table (runtimes.json).
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { loadTemplate, parseTemplate } from '../../scripts/lib/cfn/template.ts';
import { runRules } from '../rules/engine.ts';
import { RULES, RUNTIMES, RUNTIMES_SOURCE, daysUntil, runtimeStatus, EXPIRY_WARNING_DAYS } from '../support/runtimes.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'templates');
const shift = (iso: string, days: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000);

function fn(runtime: string): string {
  return `Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: ${runtime}\n      Handler: index.handler\n      Role: r\n      Code: { S3Bucket: b, S3Key: k }\n`;
}

function ids(runtime: string, today: Date): string[] {
  return runRules(parseTemplate(fn(runtime)), RULES, { today }).map((f) => f.ruleId);
}

test('a runtime is an error from its deprecation day, a warning in the 180 days before, and clean before that', () => {
  const deprecated = '2028-04-30'; // nodejs24.x in the table
  expect(ids('nodejs24.x', shift(deprecated, -(EXPIRY_WARNING_DAYS + 1)))).toEqual([]);
  expect(ids('nodejs24.x', shift(deprecated, -EXPIRY_WARNING_DAYS))).toEqual(['LAMBDA-RUNTIME-EXPIRING']);
  expect(ids('nodejs24.x', shift(deprecated, -1))).toEqual(['LAMBDA-RUNTIME-EXPIRING']);
  expect(ids('nodejs24.x', shift(deprecated, 0))).toEqual(['LAMBDA-RUNTIME-DEPRECATED']);
});

test('messages name the block dates and the successor', () => {
  const [finding] = runRules(parseTemplate(fn('nodejs20.x')), RULES, { today: shift('2027-03-03', 0) });
  expect(finding?.message).toContain('deprecated on 2026-04-30');
  expect(finding?.message).toContain('updates blocked since 2027-03-03');
  expect(finding?.message).toContain('nodejs24.x');
  expect(runtimeStatus('nodejs20.x', shift('2027-02-01', 0))).toMatchObject({ kind: 'deprecated', blocked: 'create' });
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
      const expected = ((template.raw['Metadata'] as Record<string, unknown>)['ExpectedFindings'] ?? []) as Array<Record<string, string>>;
      const actual = runRules(template, [rule], { today: new Date(`${today as string}T00:00:00Z`) }).map((f) => `${f.logicalId} ${f.path}`).sort();
      expect(actual, file).toEqual(expected.map((e) => `${e['logicalId']} ${e['path']}`).sort());
    }
  });
}

test('the runtime table (runtimes.json, from scripts/rules-runtimes.ts) has its stable shape', () => {
  expect(RUNTIMES_SOURCE).toMatch(/^cfn-lint \d+\.\d+\.\d+ data\/AdditionalSpecs\/LmbdRuntimeLifecycle\.json$/);
  const ids = Object.keys(RUNTIMES);
  expect(ids.length).toBeGreaterThan(20);
  expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  const iso = /^\d{4}-\d{2}-\d{2}$/;
  for (const [id, entry] of Object.entries(RUNTIMES)) {
    expect(Object.keys(entry), id).toEqual(['deprecated', 'createBlocked', 'updateBlocked', 'successor']);
    for (const date of [entry.deprecated, entry.createBlocked, entry.updateBlocked]) {
      if (date !== null) expect(date, id).toMatch(iso);
      if (date !== null) expect(Number.isNaN(Date.parse(`${date}T00:00:00Z`)), id).toBe(false);
    }
    if (entry.successor !== null) expect(RUNTIMES[entry.successor], `${id} -> ${entry.successor}`).toBeDefined();
  }
  expect(RUNTIMES['nodejs24.x']?.deprecated).toMatch(iso);
});
