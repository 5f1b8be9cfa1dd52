import type { Rule } from '../types.ts';
import { resourcesOf, ScenarioFindings } from '../helpers.ts';

export const rule: Rule = {
  id: 'EVENTS-RULE-ENABLED',
  pack: 'generic',
  severity: 'error',
  title: 'EventBridge rules declare State: ENABLED',
  rationale:
    'A disabled schedule deploys cleanly and then never runs: the quietest way to lose backups. Stating ENABLED ' +
    'makes the intent reviewable (a per-environment If that disables it shows up here). No known tool checks State.',
  resourceTypes: ['AWS::Events::Rule'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const { resource, view } of resourcesOf(ctx, 'AWS::Events::Rule')) {
      const state = resource.resolved['State'];
      if (state !== 'ENABLED') {
        out.add(view, resource.logicalId, 'Properties.State', state === undefined ? 'State is not set; declare ENABLED' : `State is ${JSON.stringify(state)}: the rule never triggers`);
      }
    }
    return out.list();
  },
};
export default rule;
