import type { Rule } from '../types.ts';
import { at, resolveLiteral, resourcesOf, ScenarioFindings, targetOf } from '../helpers.ts';

export const rule: Rule = {
  id: 'LOG-GROUP-EXPLICIT',
  pack: 'generic',
  severity: 'error',
  title: 'Every Lambda function writes to a log group this stack creates (LoggingConfig.LogGroup, or one named /aws/lambda/<function name>)',
  rationale:
    'A log group Lambda creates on first run has no retention, no KMS key and no tags, and survives the stack. ' +
    'Retention and encryption rules only help if the function\'s log group is a resource of the template. No known ' +
    'tool checks that the function and the log group belong together.',
  resourceTypes: ['AWS::Lambda::Function', 'AWS::Logs::LogGroup'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const { resource, view } of resourcesOf(ctx, 'AWS::Lambda::Function')) {
      const configured = at(resource.resolved, 'LoggingConfig.LogGroup');
      if (configured !== undefined) {
        if (!targetOf(view, configured, ['AWS::Logs::LogGroup'], ['Ref'])) {
          out.add(view, resource.logicalId, 'Properties.LoggingConfig.LogGroup', `LoggingConfig.LogGroup ${JSON.stringify(configured)} is not a log group of this stack`);
        }
        continue;
      }
      const fnName = resource.properties['FunctionName'] === undefined ? undefined : resolveLiteral(ctx, view, resource.properties['FunctionName']!);
      const expected = new Set([`/aws/lambda/{{Ref:${resource.logicalId}}}`, ...(typeof fnName === 'string' ? [`/aws/lambda/${fnName}`] : [])]);
      const found = view.resources.some((g) => {
        if (g.type !== 'AWS::Logs::LogGroup' || g.properties['LogGroupName'] === undefined) return false;
        const name = resolveLiteral(ctx, view, g.properties['LogGroupName']!);
        return typeof name === 'string' && expected.has(name);
      });
      if (!found) {
        out.add(view, resource.logicalId, 'Properties.LoggingConfig.LogGroup', 'no log group of this stack is named /aws/lambda/<function name> and LoggingConfig.LogGroup is not set');
      }
    }
    return out.list();
  },
};
export default rule;
