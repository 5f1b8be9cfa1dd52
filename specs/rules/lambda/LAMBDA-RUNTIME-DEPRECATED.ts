import type { Rule } from '../types.ts';
import { resourcesOf, ScenarioFindings } from '../helpers.ts';
import { RUNTIMES, runtimeStatus } from './runtimes.ts';

export const rule: Rule = {
  id: 'LAMBDA-RUNTIME-DEPRECATED',
  pack: 'generic',
  severity: 'error',
  title: 'Lambda functions use a runtime that is known and not deprecated on today\'s date',
  rationale:
    'A deprecated runtime gets no security patches, and soon after AWS blocks creating and then updating functions ' +
    'on it, so a stack stops being deployable. cfn-lint W2531/E2531/E2533 read the same dated table; checkov ' +
    'CKV_AWS_363 uses a fixed list that stops at nodejs16.x. Here a deprecated runtime is an error from its ' +
    'deprecation date (see runtimes.ts, copied from cfn-lint\'s LmbdRuntimeLifecycle.json).',
  resourceTypes: ['AWS::Lambda::Function'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const { resource, view } of resourcesOf(ctx, 'AWS::Lambda::Function')) {
      const runtime = resource.resolved['Runtime'];
      if (runtime === undefined && resource.resolved['PackageType'] === 'Image') continue;
      if (typeof runtime !== 'string') {
        out.add(view, resource.logicalId, 'Properties.Runtime', 'a zip-packaged function needs a Runtime');
        continue;
      }
      const status = runtimeStatus(runtime);
      if (status.kind === 'unknown') {
        out.add(view, resource.logicalId, 'Properties.Runtime', `runtime ${runtime} is not a known Lambda runtime`);
      } else if (status.kind === 'deprecated') {
        const successor = RUNTIMES[runtime]?.successor;
        const blocked =
          status.blocked === 'update' ? `; updates blocked since ${status.updateBlocked}`
          : status.blocked === 'create' ? `; creation blocked since ${status.createBlocked}, updates from ${status.updateBlocked ?? 'an unannounced date'}`
          : status.createBlocked ? `; creation blocked from ${status.createBlocked}` : '';
        out.add(view, resource.logicalId, 'Properties.Runtime', `runtime ${runtime} was deprecated on ${status.deprecated}${blocked}${successor ? `; move to ${successor}` : ''}`);
      }
    }
    return out.list();
  },
};
export default rule;
