import { defineRule } from '../engine.ts';
import { isRefTo, num, Findings, targetOf } from '../helpers.ts';
import { T } from '../helpers.ts';

export const rule = defineRule({
  id: 'EVENT-INVOKE-CONFIG',
  pack: 'generic',
  severity: 'warning',
  title: 'Functions invoked asynchronously by a rule of this stack have an EventInvokeConfig with MaximumRetryAttempts 0-2 and MaximumEventAgeInSeconds 60-21600',
  rationale:
    'Lambda retries a failed asynchronous invocation twice and keeps the event up to 6 hours by default; stating the ' +
    'bounds makes the retry budget a reviewed decision that matches the schedule. cdk-nag ' +
    'Serverless-LambdaAsyncFailureDestination only evaluates EventInvokeConfig resources that exist.',
  remediation: 'Add an AWS::Lambda::EventInvokeConfig with MaximumRetryAttempts 0-2 and MaximumEventAgeInSeconds 60-21600.',
  resourceTypes: ['AWS::Lambda::Function', 'AWS::Lambda::EventInvokeConfig'],
  template(view, ctx) {
    const out = new Findings();
    const invoked = new Set<string>();
    for (const r of view.resources.filter((x) => x.type === T.rule)) {
      for (const t of Array.isArray(r.resolved['Targets']) ? r.resolved['Targets'] : []) {
        const fn = targetOf(view, (t as Record<string, never>)['Arn'], [T.fn], ['Arn']);
        if (fn) invoked.add(fn.logicalId);
      }
    }
    for (const fnId of invoked) {
      const configs = view.resources.filter(
        (c) => c.type === T.invokeConfig && (isRefTo(view, c.resolved['FunctionName'], fnId) || targetOf(view, c.resolved['FunctionName'], [T.fn], ['Arn'])?.logicalId === fnId),
      );
      if (configs.length === 0) {
        out.add(fnId, '', 'invoked asynchronously by a schedule but has no AWS::Lambda::EventInvokeConfig');
        continue;
      }
      for (const c of configs) {
        for (const [prop, lo, hi] of [['MaximumRetryAttempts', 0, 2], ['MaximumEventAgeInSeconds', 60, 21600]] as const) {
          const value = num(c.resolved[prop]);
          if (value === undefined || value < lo || value > hi) {
            out.add(c.logicalId, `Properties.${prop}`, `${prop} ${JSON.stringify(c.resolved[prop] ?? null)} is not set within ${lo}-${hi}`);
          }
        }
      }
    }
    return out.list();
  },
});
export default rule;
