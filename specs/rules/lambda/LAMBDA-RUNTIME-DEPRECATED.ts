import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';
import { RUNTIMES, runtimeStatus } from './runtimes.ts';

export const rule = defineRule({
  id: 'LAMBDA-RUNTIME-DEPRECATED',
  pack: 'generic',
  severity: 'error',
  title: 'Lambda functions use a runtime that is known and not deprecated on today\'s date',
  rationale:
    'A deprecated runtime gets no security patches, and soon after AWS blocks creating and then updating functions ' +
    'on it, so a stack stops being deployable. cfn-lint W2531/E2531/E2533 read the same dated table; checkov ' +
    'CKV_AWS_363 uses a fixed list that stops at nodejs16.x. Here a deprecated runtime is an error from its ' +
    'deprecation date (see runtimes.ts, copied from cfn-lint\'s LmbdRuntimeLifecycle.json).',
  remediation: 'Move the function to the successor runtime named in the finding (a runtime AWS still supports).',
  resourceTypes: ['AWS::Lambda::Function'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const runtime = resource.resolved['Runtime'];
    if (runtime === undefined && resource.resolved['PackageType'] === 'Image') return out.list();
    if (typeof runtime !== 'string') {
      out.add(resource.logicalId, 'Properties.Runtime', 'a zip-packaged function needs a Runtime');
      return out.list();
    }
    const status = runtimeStatus(runtime, ctx.today);
    if (status.kind === 'unknown') {
      out.add(resource.logicalId, 'Properties.Runtime', `runtime ${runtime} is not a known Lambda runtime`);
    } else if (status.kind === 'deprecated') {
      const successor = RUNTIMES[runtime]?.successor;
      const blocked =
        status.blocked === 'update' ? `; updates blocked since ${status.updateBlocked}`
        : status.blocked === 'create' ? `; creation blocked since ${status.createBlocked}, updates from ${status.updateBlocked ?? 'an unannounced date'}`
        : status.createBlocked ? `; creation blocked from ${status.createBlocked}` : '';
      out.add(resource.logicalId, 'Properties.Runtime', `runtime ${runtime} was deprecated on ${status.deprecated}${blocked}${successor ? `; move to ${successor}` : ''}`);
    }
    return out.list();
  },
});
export default rule;
