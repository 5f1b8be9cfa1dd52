import { defineRule } from '../engine.ts';
import { at, Findings } from '../helpers.ts';
import { stackFunctions } from '../helpers.ts';

export const rule = defineRule({
  id: 'LAMBDA-CODE-FROM-S3',
  pack: 'backup-stack',
  severity: 'error',
  title: 'The backup function\'s and the restore verifier\'s code comes from the built package in S3 (Code.S3Bucket + S3Key), not inline ZipFile',
  rationale:
    'The backup Lambda and the restore verifier are TypeScript built and tested as one package; inline ZipFile code is untested, size-limited ' +
    'and bypasses the build. No known tool checks where the code comes from.',
  remediation: 'Set `Code: {S3Bucket: …, S3Key: …}` to the built package instead of an inline ZipFile.',
  resourceTypes: ['AWS::Lambda::Function'],
  template(view, ctx) {
    const out = new Findings();
    for (const { fn, what } of stackFunctions(view)) {
      const code = fn.resolved['Code'];
      if (at(code, 'ZipFile') !== undefined) out.add(fn.logicalId, 'Properties.Code.ZipFile', `${what} has inline code`);
      else if (at(code, 'S3Bucket') === undefined || at(code, 'S3Key') === undefined) {
        out.add(fn.logicalId, 'Properties.Code', `${what}'s Code names no S3Bucket and S3Key`);
      }
    }
    return out.list();
  },
});
export default rule;
