import { defineRule } from '../engine.ts';
import { at, isGetAttOf, isRefTo, Findings } from '../helpers.ts';
import type { TemplateView } from '../../../scripts/lib/cfn/intrinsics.ts';
import { backupBucket, backupFunction, schedulesOf, T, verifierFunction } from '../helpers.ts';

type Expectation = {
  output: string;
  what: string;
  matches: (view: TemplateView, value: unknown) => boolean | undefined;
  /** Required only when this holds (the verifier's outputs, when the stack has a verifier). */
  when?: (view: TemplateView) => boolean;
};

const EXPECTED: Expectation[] = [
  { output: 'BackupBucketName', what: '!Ref of the backup bucket', matches: (v, x) => { const b = backupBucket(v); return b && isRefTo(v, x as never, b.logicalId); } },
  { output: 'BackupLambdaArn', what: '!GetAtt <backup function>.Arn', matches: (v, x) => { const f = backupFunction(v); return f && isGetAttOf(v, x as never, f.logicalId); } },
  {
    output: 'EventBridgeRuleName',
    what: '!Ref of the daily schedule rule',
    matches: (v, x) => { const f = backupFunction(v); return f && schedulesOf(v, f).some((r) => isRefTo(v, x as never, r.logicalId)); },
  },
  {
    output: 'KMSKeyId',
    what: '!Ref (or !GetAtt .KeyId) of the stack key',
    matches: (v, x) => v.resources.some((k) => k.type === T.key && (isRefTo(v, x as never, k.logicalId) || isGetAttOf(v, x as never, k.logicalId, 'KeyId'))),
  },
  {
    output: 'VerifierLambdaName',
    what: '!Ref of the restore verifier',
    matches: (v, x) => { const f = verifierFunction(v); return f && isRefTo(v, x as never, f.logicalId); },
    when: (v) => verifierFunction(v) !== undefined,
  },
];

export const rule = defineRule({
  id: 'CONTRACT-OUTPUTS',
  pack: 'backup-stack',
  severity: 'error',
  title: `Outputs ${EXPECTED.map((e) => (e.when ? `${e.output} (with a restore verifier)` : e.output)).join(', ')} exist, are exported and point at the right resources`,
  rationale:
    'Deployment scripts, integration specs and other stacks read these outputs; an output that exists but names the ' +
    'wrong resource (the log bucket instead of the backup bucket, a key ARN where an id is promised) breaks them ' +
    'quietly. No known tool checks output values.',
  remediation: 'Add the missing outputs with the documented values and an Export.Name built from `${AWS::StackName}`.',
  resourceTypes: [],
  template(view, ctx) {
    const out = new Findings();
    for (const e of EXPECTED) {
      if (e.when && !e.when(view)) continue;
      const output = view.outputs[e.output];
      const id = `Outputs.${e.output}`;
      if (!output) {
        out.add('Template', 'Outputs', `no output ${e.output}`);
        continue;
      }
      if (e.matches(view, output['Value']) === false) out.add(id, 'Value', `${e.output} is not ${e.what}`);
      const exportName = at(output, 'Export.Name');
      if (typeof exportName !== 'string' || exportName.trim() === '') out.add(id, 'Export.Name', `${e.output} is not exported`);
      else if (!exportName.includes('{{AWS::StackName}}')) out.add(id, 'Export.Name', `export name ${JSON.stringify(exportName)} does not include the stack name, so two stacks collide`);
    }
    return out.list();
  },
});
export default rule;
