import { defineRule } from '../engine.ts';
import type { RuleFinding } from '../types.ts';
import type { TemplateView } from '../../../scripts/lib/cfn/intrinsics.ts';
import { escapeRegExp, referencedIds } from '../../../scripts/lib/cfn/intrinsics.ts';
import {
  ARN_FIELD, actionsOf, asStrings, at, backupFunction, executionRoleAllowStatements, globMatch, SOURCE_BUCKET_VARS,
  verifierFunction,
} from '../helpers.ts';

/** The one write the verifier may make: its evidence, under this prefix of the backup bucket. */
export const EVIDENCE_PREFIX = 'verifications/';

/** An S3 action pattern that can only ever read (s3:Get…, s3:List…, without a wildcard that reaches further). */
const readOnly = (action: string) => /^s3:(Get|List)[A-Za-z0-9*?]*$/i.test(action.trim());

/** The pattern names S3 actions at all (`*`, `s3:…`, or a glob that matches the service). */
const touchesS3 = (action: string) => action.trim() === '*' || globMatch(action.trim().split(':')[0] ?? '', 's3', true);

/** The bucket part of an S3 ARN (`*` for a bare `*`), or undefined for anything else. */
function bucketOf(resource: string): string | undefined {
  if (resource.trim() === '*') return '*';
  const m = new RegExp(`^arn:${ARN_FIELD}:s3:::([^/]*)`).exec(resource.trim());
  return m ? m[1] : undefined;
}

/** The source bucket as the backup function is told it (resolved), when there is one. */
function sourceBucket(view: TemplateView): string | undefined {
  const backup = backupFunction(view);
  const vars = backup ? at(backup.resolved, 'Environment.Variables') : undefined;
  for (const name of SOURCE_BUCKET_VARS) {
    const value = at(vars, name);
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

export const rule = defineRule({
  id: 'IAM-VERIFIER-ROLE-READ-ONLY',
  pack: 'backup-stack',
  severity: 'error',
  title: `The restore verifier's role only reads backups: no S3 write, delete, Object Lock or tagging action except s3:PutObject under ${EVIDENCE_PREFIX}*, and nothing on the source bucket`,
  rationale:
    'The verifier proves backups can be restored; if it could write or delete them, retag them or change their ' +
    'retention, a bug or a compromise of it could also make them unrestorable, and if it could read the source it ' +
    'would hold access the backup function alone needs. Its one write is its evidence under ' +
    `${EVIDENCE_PREFIX}. Globs count (s3:Put*, s3:*, *). No known tool compares a role's grants with the function's purpose.`,
  remediation: `Keep only s3:Get*/s3:List* reads on the backup bucket and s3:PutObject on <backup bucket>/${EVIDENCE_PREFIX}* in the verifier role's policies; drop statements on the source bucket.`,
  resourceTypes: ['AWS::IAM::Role', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy', 'AWS::Lambda::Function'],
  template: (view) => {
    const verifier = verifierFunction(view);
    if (!verifier) return [];
    const source = sourceBucket(view);
    const bucketIds = new Set(view.resources.filter((r) => r.type === 'AWS::S3::Bucket').map((r) => r.logicalId));
    const backupBuckets = referencedIds(at(verifier.resolved, 'Environment.Variables.BACKUP_BUCKET')).filter((id) => bucketIds.has(id)).map((id) => `{{Ref:${id}}}`);
    const evidence = (resource: string) =>
      backupBuckets.some((b) => new RegExp(`^arn:${ARN_FIELD}:s3:::${escapeRegExp(b)}/${escapeRegExp(EVIDENCE_PREFIX)}[^*?]*\\*?$`).test(resource.trim()));
    return executionRoleAllowStatements(view, [verifier]).flatMap(({ policy, statement, path }): RuleFinding[] => {
      const actions = actionsOf(statement).filter(touchesS3);
      if (actions.length === 0) return [];
      const resources = asStrings(statement['Resource']);
      const problems: string[] = [];
      const writes = actions.filter((a) => !readOnly(a));
      const allowedWrite = (a: string) => a.trim().toLowerCase() === 's3:putobject' && resources.length > 0 && resources.every(evidence);
      const forbidden = writes.filter((a) => !allowedWrite(a));
      if (forbidden.length > 0) {
        problems.push(`allows ${forbidden.join(', ')}${forbidden.some((a) => a.trim().toLowerCase() === 's3:putobject') ? ` outside <backup bucket>/${EVIDENCE_PREFIX}` : ''}: the verifier may write only its evidence under ${EVIDENCE_PREFIX}`);
      }
      if (source !== undefined) {
        const onSource = resources.filter((r) => {
          const bucket = bucketOf(r);
          return bucket !== undefined && (bucket === source || (/[*?]/.test(bucket) && globMatch(bucket, source)));
        });
        if (onSource.length > 0) problems.push(`reaches the source bucket through ${onSource.join(', ')}: the verifier reads backups only`);
      }
      if (problems.length === 0) return [];
      const sid = typeof statement['Sid'] === 'string' ? `statement ${statement['Sid']} ` : 'the statement ';
      return [{ logicalId: policy.logicalId, path, message: `${sid}${problems.join('; ')}` }];
    });
  },
});
export default rule;
