import type { Rule } from '../types.ts';
import { at, ScenarioFindings } from '../helpers.ts';
import { backupFunction } from '../contract/stack.ts';

export const rule: Rule = {
  id: 'LAMBDA-CODE-FROM-S3',
  pack: 'backup-stack',
  severity: 'error',
  title: 'The backup function\'s code comes from the built package in S3 (Code.S3Bucket + S3Key), not inline ZipFile',
  rationale:
    'The backup Lambda is TypeScript built and tested as a package; inline ZipFile code is untested, size-limited ' +
    'and bypasses the build. No known tool checks where the code comes from.',
  resourceTypes: ['AWS::Lambda::Function'],
  check(ctx) {
    const out = new ScenarioFindings(ctx);
    for (const view of ctx.views) {
      const fn = backupFunction(view);
      if (!fn) continue;
      const code = fn.resolved['Code'];
      if (at(code, 'ZipFile') !== undefined) out.add(view, fn.logicalId, 'Properties.Code.ZipFile', 'the backup function has inline code');
      else if (at(code, 'S3Bucket') === undefined || at(code, 'S3Key') === undefined) {
        out.add(view, fn.logicalId, 'Properties.Code', 'the backup function\'s Code names no S3Bucket and S3Key');
      }
    }
    return out.list();
  },
};
export default rule;
