import { defineRule } from '../engine.ts';
import {
  actionMatches, actionsOf, at, conditionEntries, executionRoleAllowStatements, stackFunctions,
} from '../helpers.ts';

export const rule = defineRule({
  id: 'IAM-BACKUP-ROLE-METRICS-NAMESPACE',
  pack: 'backup-stack',
  severity: 'error',
  title: "cloudwatch:PutMetricData for the backup role (and the restore verifier's) is limited by a cloudwatch:namespace condition equal to the function's METRICS_NAMESPACE",
  rationale:
    'PutMetricData has no resource type, so `Resource: "*"` is unavoidable and only the namespace condition keeps the function from ' +
    'writing (or spoofing) metrics of other namespaces such as AWS/Lambda or another team\'s alarms. No static tool checks the condition, let alone its value.',
  remediation: 'Add `Condition: {StringEquals: {cloudwatch:namespace: <METRICS_NAMESPACE>}}` to the PutMetricData statement.',
  resourceTypes: ['AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::Lambda::Function'],
  template: (view) => {
    // Each function's role against that function's own namespace; a policy two functions share, once.
    const seen = new Set<string>();
    return stackFunctions(view).flatMap(({ fn }) => {
      const namespace = at(fn.resolved, 'Environment.Variables.METRICS_NAMESPACE');
      const namespaces = typeof namespace === 'string' ? [namespace] : [];
      return executionRoleAllowStatements(view, [fn]).flatMap(({ policy, statement, path }) => {
        if (seen.has(`${policy.logicalId}|${path}`)) return [];
        seen.add(`${policy.logicalId}|${path}`);
        if (!actionsOf(statement).some((a) => actionMatches(a, 'cloudwatch:PutMetricData'))) return [];
        const entries = conditionEntries(statement).filter((c) => c.key === 'cloudwatch:namespace' && c.operator === 'StringEquals');
        const ok = entries.some((c) => c.values.length > 0 && c.values.every((v) => typeof v === 'string' && !v.includes('*') && (namespaces.length === 0 || namespaces.includes(v))));
        const want = namespaces[0] ?? 'the metrics namespace';
        return ok ? [] : [{ logicalId: policy.logicalId, path: `${path}.Condition`, message: `PutMetricData needs StringEquals cloudwatch:namespace: ${want}` }];
      });
    });
  },
});
