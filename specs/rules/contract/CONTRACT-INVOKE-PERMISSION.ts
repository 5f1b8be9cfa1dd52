import { defineRule } from '../engine.ts';
import { isGetAttOf, isRefTo, Findings } from '../helpers.ts';
import { isServicePrincipal, schedulesOf, stackFunctions, T } from '../helpers.ts';

export const rule = defineRule({
  id: 'CONTRACT-INVOKE-PERMISSION',
  pack: 'backup-stack',
  severity: 'error',
  title: 'Each schedule of the backup function and of the restore verifier has a Lambda permission: lambda:InvokeFunction for events.amazonaws.com with SourceArn = that rule',
  rationale:
    'Without the permission the rule fires and nothing runs (EventBridge only logs a failed invocation); with a ' +
    'SourceArn of another rule the wrong trigger may invoke it. IAM-LAMBDA-PERMISSION-SCOPED and Guard ' +
    'LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED check scoping in general; no tool pairs the permission with the rule.',
  remediation: 'Add an AWS::Lambda::Permission per schedule: Action lambda:InvokeFunction, Principal events.amazonaws.com, SourceArn `!GetAtt <rule>.Arn`.',
  resourceTypes: ['AWS::Lambda::Permission', 'AWS::Events::Rule'],
  template(view, ctx) {
    const out = new Findings();
    for (const { fn } of stackFunctions(view)) for (const rule of schedulesOf(view, fn)) {
      const ok = view.resources.some(
        (p) =>
          p.type === T.permission &&
          (isRefTo(view, p.resolved['FunctionName'], fn.logicalId) || isGetAttOf(view, p.resolved['FunctionName'], fn.logicalId)) &&
          p.resolved['Action'] === 'lambda:InvokeFunction' &&
          isServicePrincipal({ Service: p.resolved['Principal'] }, 'events') &&
          isGetAttOf(view, p.resolved['SourceArn'], rule.logicalId),
      );
      if (!ok) out.add(rule.logicalId, '', `no AWS::Lambda::Permission lets events.amazonaws.com invoke ${fn.logicalId} with SourceArn !GetAtt ${rule.logicalId}.Arn`);
    }
    return out.list();
  },
});
export default rule;
