// Kept for specs that still import the runner by its old name: the kernel is engine.ts. Without a date this
// entry point uses today's (the CLI and the rule specs pass theirs to engine.ts).
import type { Template } from '../../scripts/lib/cfn/template.ts';
import { runRules as run, type RunOptions } from './engine.ts';
import type { Finding, Rule } from './types.ts';

export { active, RULE_ERROR_ID, suppressionsOf } from './engine.ts';

export function runRules(template: Template, rules: readonly Rule[], options: Partial<RunOptions> = {}): Finding[] {
  return run(template, rules, { ...options, today: options.today ?? new Date() });
}
