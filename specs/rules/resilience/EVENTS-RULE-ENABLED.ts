import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';

export const rule = defineRule({
  id: 'EVENTS-RULE-ENABLED',
  pack: 'generic',
  severity: 'error',
  title: 'EventBridge rules declare State: ENABLED',
  rationale:
    'A disabled schedule deploys cleanly and then never runs: the quietest way to lose backups. Stating ENABLED ' +
    'makes the intent reviewable (a per-environment If that disables it shows up here). No known tool checks State.',
  remediation: 'Set `State: ENABLED` in every scenario.',
  resourceTypes: ['AWS::Events::Rule'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const state = resource.resolved['State'];
    if (state !== 'ENABLED') {
      out.add(resource.logicalId, 'Properties.State', state === undefined ? 'State is not set; declare ENABLED' : `State is ${JSON.stringify(state)}: the rule never triggers`);
    }
    return out.list();
  },
});
export default rule;
