import { defineRule } from '../engine.ts';
import { asArray, bool, Findings, targetOf } from '../helpers.ts';

export const rule = defineRule({
  id: 'ALARM-ACTIONS',
  pack: 'generic',
  severity: 'error',
  title: 'Every alarm has AlarmActions (an SNS topic of this stack or an ARN) and ActionsEnabled is not false',
  rationale:
    'An alarm without an action, or with actions disabled, changes colour in a console nobody watches. Guard ' +
    'CLOUDWATCH_ALARM_ACTION_CHECK accepts any of Alarm/OK/InsufficientData actions; Security Hub CloudWatch.15/17 ' +
    'and cdk-nag CloudWatchAlarmAction check the ALARM action and ActionsEnabled. This rule also checks each action ' +
    'resolves to a topic of the stack or an ARN, not an empty parameter or a typo.',
  remediation: 'Set AlarmActions to an SNS topic of this stack (or an ARN) and leave ActionsEnabled true.',
  resourceTypes: ['AWS::CloudWatch::Alarm'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const actions = asArray(resource.resolved['AlarmActions']);
    if (actions.length === 0) out.add(resource.logicalId, 'Properties.AlarmActions', 'the alarm has no AlarmActions');
    actions.forEach((a, i) => {
      const ok =
        targetOf(view, a, ['AWS::SNS::Topic'], ['Ref']) !== undefined ||
        (typeof a === 'string' && (/^arn:[^:]+:[a-z0-9-]+:/.test(a) || /^arn:\{\{AWS::Partition\}\}:/.test(a) || /^\{\{(Param|Import):/.test(a)));
      if (!ok) out.add(resource.logicalId, `Properties.AlarmActions[${i}]`, `alarm action ${JSON.stringify(a)} is neither a topic of this stack nor an ARN`);
    });
    if (resource.resolved['ActionsEnabled'] !== undefined && bool(resource.resolved['ActionsEnabled']) !== true) {
      out.add(resource.logicalId, 'Properties.ActionsEnabled', 'ActionsEnabled is false: the alarm never notifies');
    }
    return out.list();
  },
});
export default rule;
