// Every rule has a compliant fixture (zero findings for it) and at least one violating fixture whose
// top-level Metadata.ExpectedFindings lists exactly the findings the rule must report.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { loadTemplate } from '../../scripts/lib/cfn/template.ts';
import { runRules } from '../rules/engine.ts';
import { RULES } from '../rules/index.ts';
import { escapeRegExp } from '../../scripts/lib/cfn/intrinsics.ts';
import type { Template } from '../../scripts/lib/cfn/template.ts';

const ROOT = join(import.meta.dirname, '..', '..', 'fixtures', 'templates');
const GOOD = join(ROOT, 'good');
const BAD = join(ROOT, 'bad');
const goodFiles = readdirSync(GOOD);
const badFiles = readdirSync(BAD);

type Place = { ruleId: string; logicalId: string; path: string };

/** The date fixtures are checked at unless they pin one: fixed, so no fixture depends on the calendar. */
const FIXTURE_DAY = new Date('2026-11-30T00:00:00Z');

/**
 * Date-dependent rules (runtime deprecation) would make fixtures go stale; a fixture pins the date it was
 * written for with top-level `Metadata.Today`, and the rules get that date through their context.
 */
function runPinned(template: Template, ruleId: string) {
  const today = (template.raw['Metadata'] as Record<string, unknown> | undefined)?.['Today'];
  return runRules(template, RULES, { only: [ruleId], today: typeof today === 'string' ? new Date(`${today}T00:00:00Z`) : FIXTURE_DAY });
}
const key = (p: Place) => `${p.ruleId} ${p.logicalId} ${p.path}`;

function filesFor(files: string[], ruleId: string, variants: boolean): string[] {
  const re = new RegExp(`^${escapeRegExp(ruleId)}${variants ? '(?:\\.[a-z0-9-]+)?' : ''}\\.(?:ya?ml|json)$`);
  return files.filter((f) => re.test(f)).sort();
}

function expectedOf(raw: Record<string, unknown>): Place[] {
  const metadata = raw['Metadata'] as Record<string, unknown> | undefined;
  const list = metadata?.['ExpectedFindings'];
  if (!Array.isArray(list)) return [];
  return list.map((e) => ({ ruleId: String(e.ruleId), logicalId: String(e.logicalId), path: String(e.path ?? '') }));
}

test.describe('rule fixtures', () => {
  for (const rule of RULES) {
    test(`${rule.id}: good fixture has no findings`, async () => {
      const files = filesFor(goodFiles, rule.id, false);
      expect(files, `fixtures/templates/good/${rule.id}.yaml (or .json) is missing`).toHaveLength(1);
      const template = await loadTemplate(join(GOOD, files[0]!));
      const findings = runPinned(template, rule.id);
      expect(findings.map((f) => `${key(f)}: ${f.message}`)).toEqual([]);
    });

    test(`${rule.id}: bad fixtures yield exactly their ExpectedFindings`, async () => {
      const files = filesFor(badFiles, rule.id, true);
      expect(files.length, `no fixtures/templates/bad/${rule.id}[.variant].yaml|json`).toBeGreaterThan(0);
      for (const file of files) {
        const template = await loadTemplate(join(BAD, file));
        const expected = expectedOf(template.raw);
        expect(expected.length, `${file} declares no Metadata.ExpectedFindings`).toBeGreaterThan(0);
        for (const e of expected) expect(e.ruleId, `${file} expects a finding of another rule`).toBe(rule.id);
        const actual = runPinned(template, rule.id);
        expect(actual.map(key).sort(), `${file}: ${actual.map((f) => `${key(f)}: ${f.message}`).join(' | ')}`).toEqual(expected.map(key).sort());
      }
    });
  }

  test('every fixture file belongs to a rule', () => {
    const ids = RULES.map((r) => r.id);
    const orphans = [
      ...goodFiles.filter((f) => !ids.some((id) => filesFor([f], id, false).length === 1)).map((f) => `good/${f}`),
      ...badFiles.filter((f) => !ids.some((id) => filesFor([f], id, true).length === 1)).map((f) => `bad/${f}`),
    ];
    expect(orphans).toEqual([]);
  });
});
