import { defineRule } from '../engine.ts';
import { num } from '../helpers.ts';

export const rule = defineRule({
  id: 'ENC-KMS-PENDING-WINDOW',
  pack: 'generic',
  severity: 'warning',
  title: 'KMS key deletion waits the full 30 days (`PendingWindowInDays` absent or 30; never below 7)',
  rationale:
    'Once a key is deleted everything it encrypted is lost; the pending window is the only time to notice and cancel. cfn-lint ' +
    'validates the 7-30 range and I3011 asks for a DeletionPolicy; Security Hub KMS.3 detects scheduled deletion at runtime. ' +
    'No tool asks for the maximum window.',
  remediation: 'Remove PendingWindowInDays or set it to 30.',
  resourceTypes: ['AWS::KMS::Key'],
  template: (view, ctx) =>
      view.resources
        .filter((r) => r.type === 'AWS::KMS::Key' && r.resolved['PendingWindowInDays'] !== undefined)
        .flatMap((r) => {
          const days = num(r.resolved['PendingWindowInDays']);
          if (days === 30) return [];
          const message = days === undefined || days < 7 ? `PendingWindowInDays ${JSON.stringify(r.resolved['PendingWindowInDays'])} is invalid (7-30); use 30` : `PendingWindowInDays is ${days}; use 30 to leave the most time to cancel a deletion`;
          return [{ logicalId: r.logicalId, path: 'Properties.PendingWindowInDays', message }];
        }),
});
