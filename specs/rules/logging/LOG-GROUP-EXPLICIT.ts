import { defineRule } from '../engine.ts';
import { at, resolveLiteral, Findings, targetOf } from '../helpers.ts';

export const rule = defineRule({
  id: 'LOG-GROUP-EXPLICIT',
  pack: 'generic',
  severity: 'error',
  title: 'Every Lambda function writes to a log group this stack creates (LoggingConfig.LogGroup, or one named /aws/lambda/<function name>)',
  rationale:
    'A log group Lambda creates on first run has no retention, no KMS key and no tags, and survives the stack. ' +
    'Retention and encryption rules only help if the function\'s log group is a resource of the template. No known ' +
    'tool checks that the function and the log group belong together.',
  remediation: 'Declare an AWS::Logs::LogGroup named `/aws/lambda/<function name>` (or set LoggingConfig.LogGroup to one of this stack).',
  resourceTypes: ['AWS::Lambda::Function', 'AWS::Logs::LogGroup'],
  resource(resource, ctx) {
    if (resource.type !== 'AWS::Lambda::Function') return [];
    const { view } = ctx;
    const out = new Findings();
    const configured = at(resource.resolved, 'LoggingConfig.LogGroup');
    if (configured !== undefined) {
      if (!targetOf(view, configured, ['AWS::Logs::LogGroup'], ['Ref'])) {
        out.add(resource.logicalId, 'Properties.LoggingConfig.LogGroup', `LoggingConfig.LogGroup ${JSON.stringify(configured)} is not a log group of this stack`);
      }
      return out.list();
    }
    const fnName = resource.properties['FunctionName'] === undefined ? undefined : resolveLiteral(ctx, view, resource.properties['FunctionName']!);
    const expected = new Set([`/aws/lambda/{{Ref:${resource.logicalId}}}`, ...(typeof fnName === 'string' ? [`/aws/lambda/${fnName}`] : [])]);
    const found = view.resources.some((g) => {
      if (g.type !== 'AWS::Logs::LogGroup' || g.properties['LogGroupName'] === undefined) return false;
      const name = resolveLiteral(ctx, view, g.properties['LogGroupName']!);
      return typeof name === 'string' && expected.has(name);
    });
    if (!found) {
      out.add(resource.logicalId, 'Properties.LoggingConfig.LogGroup', 'no log group of this stack is named /aws/lambda/<function name> and LoggingConfig.LogGroup is not set');
    }
    return out.list();
  },
});
export default rule;
