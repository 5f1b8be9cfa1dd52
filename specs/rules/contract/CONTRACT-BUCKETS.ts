import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';
import { backupBucket, logBucket } from '../helpers.ts';

export const rule = defineRule({
  id: 'CONTRACT-BUCKETS',
  pack: 'backup-stack',
  severity: 'error',
  title: 'The stack creates the backup bucket (named by the BackupBucketName parameter) and a separate bucket it logs to',
  rationale:
    'The backup bucket is found by relationship: the bucket the function is told in BACKUP_BUCKET, else the one ' +
    'named !Ref BackupBucketName. Its name must come from the parameter so operators choose it, and its access logs ' +
    'must go to a different bucket of the stack. No known tool checks the shape of the stack.',
  remediation: 'Declare the backup bucket with `BucketName: !Ref BackupBucketName` and point its LoggingConfiguration at a separate log bucket of the stack.',
  resourceTypes: ['AWS::S3::Bucket'],
  template(view, ctx) {
    const out = new Findings();
    const backup = backupBucket(view);
    if (!backup) {
      out.add('Template', 'Resources', 'no backup bucket: no bucket is named in the function\'s BACKUP_BUCKET or by !Ref BackupBucketName');
      return out.list();
    }
    if (JSON.stringify(backup.properties['BucketName'] ?? null) !== JSON.stringify({ Ref: 'BackupBucketName' })) {
      out.add(backup.logicalId, 'Properties.BucketName', 'the backup bucket is not named !Ref BackupBucketName');
    }
    const logs = logBucket(view);
    if (!logs || logs.logicalId === backup.logicalId) {
      out.add(backup.logicalId, 'Properties.LoggingConfiguration.DestinationBucketName', 'the backup bucket does not log to a separate bucket of the stack');
    }
    return out.list();
  },
});
export default rule;
