// The canonical template (or the one TEMPLATE names) passes every rule and the official cfn-lint with
// informational checks on, and every suppression it carries gives a reason.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { loadTemplate } from '../../scripts/lib/cfn/template.ts';
import { runRules, active } from '../rules/engine.ts';
import { RULES } from '../rules/index.ts';
import { isObject } from '../rules/helpers.ts';

// The real date: the canonical template must be compliant on the day the suite runs (an expiring runtime shows).
const TODAY = new Date();

const ROOT = join(import.meta.dirname, '..', '..');
const TEMPLATE = process.env['TEMPLATE'] ?? join(ROOT, 'template', 'backup-stack.yaml');
const CFN_LINT = join(ROOT, '.venv', 'bin', 'cfn-lint');

test.describe(`compliance of ${TEMPLATE}`, () => {
  test('has no active findings across all rules', async () => {
    const findings = runRules(await loadTemplate(TEMPLATE), RULES, { today: TODAY });
    expect(active(findings).map((f) => `${f.ruleId} ${f.logicalId} ${f.path}: ${f.message}`)).toEqual([]);
  });

  test('every suppression names a known rule and gives a reason', async () => {
    const template = await loadTemplate(TEMPLATE);
    const ids = new Set(RULES.map((r) => r.id));
    const problems: string[] = [];
    for (const resource of Object.values(template.resources)) {
      const compliance = resource.metadata['compliance'];
      const list = isObject(compliance) ? compliance['suppress'] : undefined;
      if (list === undefined) continue;
      if (!Array.isArray(list)) {
        problems.push(`${resource.logicalId}: compliance.suppress is not a list`);
        continue;
      }
      for (const entry of list) {
        const id = isObject(entry) ? entry['id'] : undefined;
        const reason = isObject(entry) ? entry['reason'] : undefined;
        if (typeof id !== 'string' || !ids.has(id)) problems.push(`${resource.logicalId}: suppresses unknown rule ${JSON.stringify(id)}`);
        if (typeof reason !== 'string' || reason.trim().length < 10) problems.push(`${resource.logicalId}: suppression of ${String(id)} has no reason`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('official cfn-lint (with informational checks and I3042 region/account) reports nothing', () => {
    // npm test bootstraps the venv first, so a missing cfn-lint is a broken setup, not a reason to skip.
    expect(existsSync(CFN_LINT), `${CFN_LINT} is not installed (run npm run bootstrap)`).toBe(true);
    const run = spawnSync(CFN_LINT, ['-c', 'I', '-x', 'I3042:region=true', '-x', 'I3042:accountId=true', '--format', 'json', '-t', TEMPLATE], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.error).toBeUndefined();
    let matches: Array<{ Rule: { Id: string }; Level: string; Message: string; Location: { Start: { LineNumber: number } } }>;
    try {
      matches = JSON.parse(run.stdout || '[]');
    } catch {
      throw new Error(`cfn-lint did not print JSON (exit ${run.status}): ${run.stderr.split('\n')[0]}`);
    }
    expect(matches.map((m) => `${m.Level} ${m.Rule.Id} line ${m.Location.Start.LineNumber}: ${m.Message}`)).toEqual([]);
    expect(run.status).toBe(0);
  });
});
