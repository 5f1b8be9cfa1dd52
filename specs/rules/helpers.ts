// The one helper vocabulary of the rules: values, references, policies, keys, the backup stack's parts and
// string scans. Rules import from here; each area lives in its own file under lib/.
export * from './lib/values.ts';
export * from './lib/references.ts';
export * from './lib/policies.ts';
export * from './lib/keys.ts';
export * from './lib/stack.ts';
export * from './lib/strings.ts';
export { defineRule, scenarioSuffix } from './engine.ts';
export type { Found, Rule, RuleContext, RuleFinding, ViewContext } from './types.ts';
