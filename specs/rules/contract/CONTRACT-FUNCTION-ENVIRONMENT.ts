import { defineRule } from '../engine.ts';
import { Findings } from '../helpers.ts';
import { backupBucket, backupFunction, BACKUP_BUCKET_VARS, envVars, isStackKeyArn, KEY_VARS, SOURCE_BUCKET_VARS } from '../helpers.ts';

export const rule = defineRule({
  id: 'CONTRACT-FUNCTION-ENVIRONMENT',
  pack: 'backup-stack',
  severity: 'error',
  title: 'The backup function\'s environment names the backup bucket (!Ref), the source bucket (!Ref SourceBucketName) and the stack key (ARN)',
  rationale:
    'The handler reads its configuration only from these variables (lambda/src/config.ts); a hard-coded or missing ' +
    'value backs up the wrong bucket or encrypts with the wrong key. No known tool relates variables to resources.',
  remediation: 'Set the function\'s BACKUP_BUCKET to `!Ref` the backup bucket, SOURCE_BUCKET to `!Ref SourceBucketName` and KMS_KEY_ARN to `!GetAtt <key>.Arn`.',
  resourceTypes: ['AWS::Lambda::Function'],
  template(view, ctx) {
    const out = new Findings();
    const fn = backupFunction(view);
    if (!fn) return out.list();
    const vars = envVars(fn);
    const path = 'Properties.Environment.Variables';
    const bucket = backupBucket(view);
    const backupVar = BACKUP_BUCKET_VARS.find((v) => vars[v] !== undefined);
    if (!backupVar || !bucket || vars[backupVar] !== view.resolve({ Ref: bucket.logicalId })) {
      out.add(fn.logicalId, path, `${BACKUP_BUCKET_VARS[0]} is not !Ref of the backup bucket`);
    }
    const sourceVar = SOURCE_BUCKET_VARS.find((v) => vars[v] !== undefined);
    if (!sourceVar || vars[sourceVar] !== view.resolve({ Ref: 'SourceBucketName' })) {
      out.add(fn.logicalId, path, `${SOURCE_BUCKET_VARS[0]} is not !Ref SourceBucketName`);
    }
    const keyVar = KEY_VARS.find((v) => vars[v] !== undefined);
    if (!keyVar || !isStackKeyArn(view, vars[keyVar])) {
      out.add(fn.logicalId, path, `${KEY_VARS[0]} is not the ARN of the stack's KMS key`);
    }
    return out.list();
  },
});
export default rule;
