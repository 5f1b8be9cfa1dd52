import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';
import { EXPIRY_WARNING_DAYS, RUNTIMES, runtimeStatus } from './runtimes.ts';

export const rule = defineRule({
  id: 'LAMBDA-RUNTIME-EXPIRING',
  pack: 'generic',
  severity: 'warning',
  title: `Lambda functions do not use a runtime that is deprecated within ${EXPIRY_WARNING_DAYS} days`,
  rationale:
    'Gives a release cycle of notice before LAMBDA-RUNTIME-DEPRECATED turns into an error. No known tool warns ahead ' +
    'of the date: cfn-lint W2531 starts on the deprecation day and cdk-nag AwsSolutions-L1 only compares with the ' +
    'newest runtime its library knows.',
  remediation: 'Plan the move to the successor runtime named in the finding before the deprecation date.',
  resourceTypes: ['AWS::Lambda::Function'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const runtime = resource.resolved['Runtime'];
    if (typeof runtime !== 'string') return out.list();
    const status = runtimeStatus(runtime, ctx.today);
    if (status.kind === 'expiring') {
      const successor = RUNTIMES[runtime]?.successor;
      out.add(
        resource.logicalId,
        'Properties.Runtime',
        `runtime ${runtime} is deprecated on ${status.deprecated}, in ${status.daysLeft} days${successor ? `; plan the move to ${successor}` : ''}`,
      );
    }
    return out.list();
  },
});
export default rule;
