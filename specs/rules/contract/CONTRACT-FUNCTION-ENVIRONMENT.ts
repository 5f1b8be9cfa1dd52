import type { Rule } from '../types.ts';
import { ScenarioFindings } from '../helpers.ts';
import { backupBucket, backupFunction, BACKUP_BUCKET_VARS, envVars, isStackKeyArn, KEY_VARS, SOURCE_BUCKET_VARS } from './stack.ts';

export const rule: Rule = {
  id: 'CONTRACT-FUNCTION-ENVIRONMENT',
  pack: 'backup-stack',
  severity: 'error',
  title: 'The backup function\'s environment names the backup bucket (!Ref), the source bucket (!Ref SourceBucketName) and the stack key (ARN)',
  rationale:
    'The handler reads its configuration only from these variables (lambda/src/config.ts); a hard-coded or missing ' +
    'value backs up the wrong bucket or encrypts with the wrong key. No known tool relates variables to resources.',
  resourceTypes: ['AWS::Lambda::Function'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const view of ctx.views) {
      const fn = backupFunction(view);
      if (!fn) continue;
      const vars = envVars(fn);
      const path = 'Properties.Environment.Variables';
      const bucket = backupBucket(view);
      const backupVar = BACKUP_BUCKET_VARS.find((v) => vars[v] !== undefined);
      if (!backupVar || !bucket || vars[backupVar] !== view.resolve({ Ref: bucket.logicalId })) {
        out.add(view, fn.logicalId, path, `${BACKUP_BUCKET_VARS[0]} is not !Ref of the backup bucket`);
      }
      const sourceVar = SOURCE_BUCKET_VARS.find((v) => vars[v] !== undefined);
      if (!sourceVar || vars[sourceVar] !== view.resolve({ Ref: 'SourceBucketName' })) {
        out.add(view, fn.logicalId, path, `${SOURCE_BUCKET_VARS[0]} is not !Ref SourceBucketName`);
      }
      const keyVar = KEY_VARS.find((v) => vars[v] !== undefined);
      if (!keyVar || !isStackKeyArn(view, vars[keyVar])) {
        out.add(view, fn.logicalId, path, `${KEY_VARS[0]} is not the ARN of the stack's KMS key`);
      }
    }
    return out.list();
  },
};
export default rule;
