// RULES.md is generated from the rule list; this fails when someone adds or edits a rule without
// regenerating it (`npm run rules:doc`).
import { readFileSync, existsSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { renderRulesDoc, RULES_MD } from '../../scripts/rules-doc.ts';
import { RULES } from '../rules/index.ts';

test('RULES.md is up to date with the rule list (run `npm run rules:doc`)', () => {
  expect(existsSync(RULES_MD), 'RULES.md is missing; run `npm run rules:doc`').toBe(true);
  expect(readFileSync(RULES_MD, 'utf8'), 'RULES.md is stale; run `npm run rules:doc`').toBe(renderRulesDoc());
});

test('rule ids are unique, well formed and documented', () => {
  const ids = RULES.map((r) => r.id);
  expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  for (const rule of RULES) {
    expect(rule.id).toMatch(/^[A-Z0-9]+(?:-[A-Z0-9]+)*$/);
    expect(rule.title.trim().length, `${rule.id} title`).toBeGreaterThan(10);
    expect(rule.rationale.trim().length, `${rule.id} rationale`).toBeGreaterThan(40);
    // One line saying what to change: shown under each finding, in SARIF help and in RULES.md.
    expect(rule.remediation.trim().length, `${rule.id} remediation`).toBeGreaterThan(10);
    expect(rule.remediation, `${rule.id} remediation is one line`).not.toMatch(/\n/);
    expect(rule.resource || rule.template || rule.once, `${rule.id} predicate`).toBeTruthy();
  }
});
