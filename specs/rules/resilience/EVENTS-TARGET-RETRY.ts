import { defineRule } from '../engine.ts';
import { asArray, at, isObject, num, Findings } from '../helpers.ts';

export const rule = defineRule({
  id: 'EVENTS-TARGET-RETRY',
  pack: 'generic',
  severity: 'warning',
  title: 'Every EventBridge target sets RetryPolicy.MaximumRetryAttempts (0-185) and MaximumEventAgeInSeconds (60-86400)',
  rationale:
    'The defaults (185 attempts over 24 h) retry a failing invocation all day and overlap the next run. No known ' +
    'tool checks the retry policy of a target (cdk-nag Serverless-EventBusDLQ only checks the dead-letter queue).',
  remediation: 'Set each target\'s RetryPolicy with MaximumRetryAttempts 0-185 and MaximumEventAgeInSeconds 60-86400.',
  resourceTypes: ['AWS::Events::Rule'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    asArray(resource.resolved['Targets']).forEach((target, i) => {
      if (!isObject(target)) return;
      const base = `Properties.Targets[${i}].RetryPolicy`;
      if (target['RetryPolicy'] === undefined) {
        out.add(resource.logicalId, base, 'the target has no RetryPolicy (defaults: 185 attempts over 24 h)');
        return;
      }
      for (const [prop, lo, hi] of [['MaximumRetryAttempts', 0, 185], ['MaximumEventAgeInSeconds', 60, 86400]] as const) {
        const value = num(at(target, `RetryPolicy.${prop}`));
        if (value === undefined || value < lo || value > hi) out.add(resource.logicalId, `${base}.${prop}`, `${prop} ${JSON.stringify(at(target, `RetryPolicy.${prop}`) ?? null)} is not within ${lo}-${hi}`);
      }
    });
    return out.list();
  },
});
export default rule;
