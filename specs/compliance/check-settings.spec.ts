// Issue #15: the generic pack's required tags are configuration (`--required-tags`, a `--config` file's
// `requiredTags`; none by default), while the backup-stack pack keeps this product's three tags.
import { test, expect } from '@playwright/test';
import { expectOneLineError, runScriptSync } from '../support/cli.ts';

const DIR = 'fixtures/templates/settings';
const TAGGED = `${DIR}/tagged.yaml`; // one queue tagged Environment and Owner
const CONFIG = `${DIR}/require-team.yaml`; // requiredTags: [Team, Owner]

const check = (...args: string[]) => runScriptSync('check', args);

/** The TAGS-REQUIRED messages of a single-template JSON report. */
function tagFindings(...args: string[]): string[] {
  const run = check(TAGGED, '--format', 'json', ...args);
  expect(run.stderr).toBe('');
  const report = JSON.parse(run.stdout) as { findings: Array<{ ruleId: string; logicalId: string; message: string }> };
  return report.findings.filter((f) => f.ruleId === 'TAGS-REQUIRED').map((f) => `${f.logicalId}: ${f.message}`);
}

test.describe('required tags', () => {
  test('the generic pack requires no tag by default (not this product\'s iac-rlhf-amazon)', () => {
    expect(tagFindings('--pack', 'generic')).toEqual([]);
  });

  test('the backup-stack pack keeps Environment, Purpose and iac-rlhf-amazon', () => {
    expect(tagFindings()).toEqual(['Queue: missing or empty tags: Purpose, iac-rlhf-amazon']);
    // Configured tags come on top of the product's, never instead of them.
    expect(tagFindings('--required-tags', 'Team')).toEqual(['Queue: missing or empty tags: Team, Purpose, iac-rlhf-amazon']);
  });

  test('--required-tags takes several words and comma-separated lists', () => {
    expect(tagFindings('--pack', 'generic', '--required-tags', 'Team,Owner', 'CostCentre')).toEqual(['Queue: missing or empty tags: Team, CostCentre']);
  });

  test('a config file sets requiredTags; the flag overrides it', () => {
    expect(tagFindings('--pack', 'generic', '--config', CONFIG)).toEqual(['Queue: missing or empty tags: Team']);
    expect(tagFindings('--pack', 'generic', '--config', CONFIG, '--required-tags', 'Owner')).toEqual([]);
  });

  const bad: Array<[string, string[], RegExp]> = [
    ['an unknown config key', ['--config', `${DIR}/unknown-key.json`], /--config .*unknown-key\.json: unknown key requiredTag \(known keys: requiredTags\)$/],
    ['requiredTags that is not a list', ['--config', `${DIR}/tags-not-a-list.yaml`], /tags-not-a-list\.yaml: requiredTags must be a list of tag keys \(strings\)$/],
    ['a config file that does not exist', ['--config', `${DIR}/missing.yaml`], /--config .*missing\.yaml: cannot read it \(ENOENT\)$/],
    ['a config file that is not a mapping', ['--config', 'fixtures/templates/check/prod-parameters.json'], /not a mapping of settings/],
    ['a reserved tag key', ['--required-tags', 'aws:cloudformation:stack-name'], /--required-tags: tag key 'aws:cloudformation:stack-name' uses the reserved aws: prefix$/],
    ['an empty tag key', ['--required-tags', 'Team,'], /--required-tags: tag key '' must have 1 to 128 characters$/],
  ];
  for (const [name, args, message] of bad) {
    test(`exits 2 with one line for ${name}`, () => {
      expectOneLineError(check(TAGGED, ...args), 2, message);
    });
  }
});
