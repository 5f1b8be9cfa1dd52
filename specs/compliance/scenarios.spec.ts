// Issue #15: the gate never passes what it did not fully evaluate. The parameter scenarios cover every value
// of every axis and every pair of values of any two axes (scripts/lib/cfn/scenarios.ts); where a budget still
// leaves something out, `npm run check` reports SCENARIO-BUDGET, names it, and exits 1 whatever the Metadata says.
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { parseTemplate } from '../../scripts/lib/cfn/template.ts';
import { MAX_SCENARIOS, pairwise, scenarioPlan } from '../../scripts/lib/cfn/scenarios.ts';
import { runRules } from '../rules/engine.ts';
import { RULES } from '../rules/index.ts';
import { runScriptSync } from '../support/cli.ts';

const PLANTED = 'fixtures/templates/scenarios/planted-wildcard.yaml';
const TOO_MANY_AXES = 'fixtures/templates/scenarios/too-many-axes.yaml';

const check = (...args: string[]) => runScriptSync('check', args);

/** Every [axis, value, axis, value] pair the rows leave out. */
function missingPairs(sizes: number[], rows: number[][]): string[] {
  const missing: string[] = [];
  for (let i = 0; i < sizes.length; i++) {
    for (let j = i + 1; j < sizes.length; j++) {
      for (let a = 0; a < sizes[i]!; a++) {
        for (let b = 0; b < sizes[j]!; b++) if (!rows.some((r) => r[i] === a && r[j] === b)) missing.push(`${i}=${a},${j}=${b}`);
      }
    }
  }
  return missing;
}

function twoValued(count: number, extra = ''): string {
  const params = Array.from({ length: count }, (_, i) => `  P${i + 1}: { Type: String, AllowedValues: ['off', 'on'], Default: 'off' }`).join('\n');
  return `Parameters:\n${params}\n${extra}Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n`;
}

test.describe('parameter scenarios', () => {
  test('the pairwise generator covers every pair of values of any two axes, deterministically', () => {
    for (const sizes of [[2, 2, 2, 2, 2, 2, 2, 2, 2], [3, 2, 4, 5, 2], [2, 3], [7, 1, 3, 3, 2, 6], Array<number>(40).fill(2)]) {
      const { rows, uncovered } = pairwise(sizes);
      expect(uncovered, `sizes ${sizes.join('x')}`).toEqual([]);
      expect(missingPairs(sizes, rows), `sizes ${sizes.join('x')}`).toEqual([]);
      for (const row of rows) row.forEach((v, i) => expect(v >= 0 && v < sizes[i]!).toBe(true));
      expect(pairwise(sizes).rows).toEqual(rows);
    }
    // Far fewer rows than the product: nine two-valued axes in at most 10 rows instead of 512.
    expect(pairwise(Array<number>(9).fill(2)).rows.length).toBeLessThanOrEqual(10);
  });

  test('a row budget that is hit lists exactly the pairs left out, after covering every value', () => {
    const sizes = [17, 17];
    const { rows, uncovered } = pairwise(sizes, MAX_SCENARIOS);
    expect(rows).toHaveLength(MAX_SCENARIOS);
    expect(uncovered).toHaveLength(17 * 17 - MAX_SCENARIOS);
    expect(uncovered.map(([i, a, j, b]) => `${i}=${a},${j}=${b}`).sort()).toEqual(missingPairs(sizes, rows).sort());
    for (let axis = 0; axis < 2; axis++) for (let v = 0; v < 17; v++) expect(rows.some((r) => r[axis] === v)).toBe(true);
  });

  test('small templates keep the full product; larger ones get every value and every pair', () => {
    const small = scenarioPlan(parseTemplate(twoValued(3)));
    expect(small.strategy).toBe('exhaustive');
    expect(small.scenarios).toHaveLength(8);
    const nine = scenarioPlan(parseTemplate(twoValued(9)));
    expect(nine.strategy).toBe('pairwise');
    expect(nine.notEvaluated).toEqual([]);
    const rows = nine.scenarios.map((s) => Array.from({ length: 9 }, (_, i) => (s.parameters[`P${i + 1}`] === 'on' ? 1 : 0)));
    expect(missingPairs(Array<number>(9).fill(2), rows)).toEqual([]);
  });

  test('a free parameter used as a FindInMap key is an axis over the map\'s keys', () => {
    const plan = scenarioPlan(
      parseTemplate(`Parameters:
  Tier: { Type: String, Default: small }
Mappings:
  Sizes:
    small: { Memory: 128 }
    large: { Memory: 4096 }
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      MemorySize: !FindInMap [Sizes, !Ref Tier, Memory]
`),
    );
    expect(plan.axes).toEqual([{ parameter: 'Tier', values: ['small', 'large'] }]);
  });

  test('too many value pairs for the scenario budget is a SCENARIO-BUDGET error naming the pairs', () => {
    const values = Array.from({ length: 17 }, (_, i) => `v${i}`).join(', ');
    const template = parseTemplate(`Parameters:
  A: { Type: String, AllowedValues: [${values}] }
  B: { Type: String, AllowedValues: [${values}] }
Resources:
  Topic: { Type: AWS::SNS::Topic }
`);
    const budget = runRules(template, RULES, { today: new Date('2026-01-01'), only: ['NO-SUCH-RULE'] });
    expect(budget).toHaveLength(1);
    expect(budget[0]).toMatchObject({ ruleId: 'SCENARIO-BUDGET', severity: 'error', logicalId: 'Template' });
    expect(budget[0]!.message).toContain(`${17 * 17 - MAX_SCENARIOS} value pair(s) in no scenario`);
    expect(budget[0]!.message).toMatch(/A=v\d+ with B=v\d+/);
    expect(budget[0]!.message).not.toContain('value(s) in no scenario');
  });
});

test.describe('npm run check and the scenarios', () => {
  test('finds the s3:* wildcard that only one of nine two-valued parameters grants', () => {
    const run = check(PLANTED);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ERROR\s+IAM-NO-WILDCARD-ACTION {2}BackupPolicy {2}\S+ {2}allows wildcard action s3:\*.*\(only when Feature1=on\)$/m);
    expect(run.stdout).not.toContain('SCENARIO-BUDGET');
  });

  test('more axes than the budget: SCENARIO-BUDGET, exit 1, and no Metadata suppresses it', () => {
    const run = check(TOO_MANY_AXES, '--format', 'json');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { findings: Array<{ ruleId: string; logicalId: string; message: string; suppressed?: unknown }> };
    const budget = report.findings.filter((f) => f.ruleId === 'SCENARIO-BUDGET');
    expect(budget).toHaveLength(1);
    expect(budget[0]!.logicalId).toBe('Template');
    expect(budget[0]!.suppressed).toBeUndefined();
    for (let i = 65; i <= 70; i++) expect(budget[0]!.message).toContain(`Switch${i}=off (not on)`);
    const text = check(TOO_MANY_AXES);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^ERROR\s+SCENARIO-BUDGET {2}Template {2}Parameters {2}not evaluated/m);
    expect(text.stdout).not.toMatch(/^SUPPRESSED\s+SCENARIO-BUDGET/m);
  });
});
