import type { Rule } from '../types.ts';
import { ScenarioFindings } from '../helpers.ts';
import { backupBucket, logBucket } from './stack.ts';

export const rule: Rule = {
  id: 'CONTRACT-BUCKETS',
  pack: 'backup-stack',
  severity: 'error',
  title: 'The stack creates the backup bucket (named by the BackupBucketName parameter) and a separate bucket it logs to',
  rationale:
    'The backup bucket is found by relationship: the bucket the function is told in BACKUP_BUCKET, else the one ' +
    'named !Ref BackupBucketName. Its name must come from the parameter so operators choose it, and its access logs ' +
    'must go to a different bucket of the stack. No known tool checks the shape of the stack.',
  resourceTypes: ['AWS::S3::Bucket'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const view of ctx.views) {
      const backup = backupBucket(view);
      if (!backup) {
        out.add(view, 'Template', 'Resources', 'no backup bucket: no bucket is named in the function\'s BACKUP_BUCKET or by !Ref BackupBucketName');
        continue;
      }
      if (JSON.stringify(backup.properties['BucketName'] ?? null) !== JSON.stringify({ Ref: 'BackupBucketName' })) {
        out.add(view, backup.logicalId, 'Properties.BucketName', 'the backup bucket is not named !Ref BackupBucketName');
      }
      const logs = logBucket(view);
      if (!logs || logs.logicalId === backup.logicalId) {
        out.add(view, backup.logicalId, 'Properties.LoggingConfiguration.DestinationBucketName', 'the backup bucket does not log to a separate bucket of the stack');
      }
    }
    return out.list();
  },
};
export default rule;
