import { defineRule } from '../engine.ts';
import { at, num, Findings } from '../helpers.ts';
import { deadLetterUses, T } from '../helpers.ts';

export const MAX_RETENTION_SECONDS = 1_209_600;

export const rule = defineRule({
  id: 'SQS-DLQ-CONFIG',
  pack: 'generic',
  severity: 'warning',
  title: 'Dead-letter queues keep messages the maximum 14 days (MessageRetentionPeriod 1209600) and declare a RedriveAllowPolicy that is not allowAll',
  rationale:
    'The default 4-day retention loses a failed Friday run over a long weekend. A RedriveAllowPolicy marks the ' +
    'queue as a dead-letter queue (Control Tower CT.SQS.PR.1) and stops unrelated queues from redriving into it. ' +
    'cfn-lint I3013 asks for an explicit retention (any value); no tool checks the value.',
  remediation: 'Set `MessageRetentionPeriod: 1209600` and a RedriveAllowPolicy that is not allowAll (byQueue or denyAll).',
  resourceTypes: ['AWS::SQS::Queue'],
  template(view, ctx) {
    const out = new Findings();
    const dlqIds = new Set(deadLetterUses(view).map((u) => u.queueId));
    for (const queue of view.resources.filter((r) => r.type === T.queue && dlqIds.has(r.logicalId))) {
      const retention = num(queue.resolved['MessageRetentionPeriod']);
      if (retention !== MAX_RETENTION_SECONDS) {
        out.add(queue.logicalId, 'Properties.MessageRetentionPeriod', `a dead-letter queue keeps messages ${retention ?? 345_600} s, not ${MAX_RETENTION_SECONDS} s (14 days)`);
      }
      let policy = queue.resolved['RedriveAllowPolicy'];
      if (typeof policy === 'string') {
        try { policy = JSON.parse(policy); } catch { /* reported below */ }
      }
      const permission = at(policy as never, 'redrivePermission');
      if (policy === undefined) out.add(queue.logicalId, 'Properties.RedriveAllowPolicy', 'no RedriveAllowPolicy: any queue of the account may use it as its dead-letter queue');
      else if (permission !== 'denyAll' && permission !== 'byQueue') {
        out.add(queue.logicalId, 'Properties.RedriveAllowPolicy', `redrivePermission ${JSON.stringify(permission ?? null)} lets any queue redrive into it; use denyAll or byQueue`);
      }
    }
    return out.list();
  },
});
export default rule;
