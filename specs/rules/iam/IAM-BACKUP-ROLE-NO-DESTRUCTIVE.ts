import { defineRule } from '../engine.ts';
import { actionMatches, actionsOf, executionRoleAllowStatements, stackFunctions } from '../helpers.ts';

/** What a compromised backup function must not be able to do: destroy or unprotect backups, keys or itself. */
export const DESTRUCTIVE_ACTIONS = [
  's3:DeleteObject', 's3:DeleteObjectVersion', 's3:DeleteObjectTagging', 's3:DeleteBucket', 's3:DeleteBucketPolicy',
  's3:PutBucketPolicy', 's3:PutLifecycleConfiguration', 's3:PutBucketVersioning', 's3:PutEncryptionConfiguration',
  's3:BypassGovernanceRetention', 's3:PutObjectRetention', 's3:PutObjectLegalHold', 's3:PutBucketObjectLockConfiguration',
  's3:PutBucketAcl', 's3:PutObjectAcl', 's3:PutBucketPublicAccessBlock', 's3:PutReplicationConfiguration',
  's3:PutBucketOwnershipControls', 's3:PutBucketLogging',
  'kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy', 'kms:DisableKeyRotation', 'kms:DeleteAlias',
  'kms:UpdateAlias', 'kms:DeleteImportedKeyMaterial',
  'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:DeleteFunction', 'lambda:AddPermission',
  'logs:DeleteLogGroup', 'logs:DeleteLogStream', 'logs:PutRetentionPolicy', 'logs:DisassociateKmsKey',
  'sqs:DeleteQueue', 'sqs:PurgeQueue', 'sqs:SetQueueAttributes',
  'events:DisableRule', 'events:DeleteRule', 'events:RemoveTargets', 'events:PutRule',
  'cloudwatch:DeleteAlarms', 'cloudwatch:DisableAlarmActions',
];

export const rule = defineRule({
  id: 'IAM-BACKUP-ROLE-NO-DESTRUCTIVE',
  pack: 'backup-stack',
  severity: 'error',
  title: "The backup function's role (and the restore verifier's) can never delete or unprotect backups, the key, the logs or the functions themselves",
  rationale:
    'Backups are only worth having if the thing that writes them cannot destroy them: no s3:DeleteObject*, no bucket policy, ' +
    'lifecycle, versioning, encryption or retention changes, no key deletion or key-policy change, no code update. No tool ' +
    'checks this (cloudsplaining categories stop at "write"); globs such as `s3:Delete*` or `s3:*` count. The restore ' +
    'verifier reads the same backups with the same key, so its role is held to the same list.',
  remediation: 'Remove delete, retention-shortening and policy-changing actions (and globs that cover them) from the backup and verifier roles\' policies.',
  resourceTypes: ['AWS::IAM::Role', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Policy'],
  template: (view, ctx) => {
    const seen = new Set<string>();
    return stackFunctions(view).flatMap(({ fn, kind }) =>
      executionRoleAllowStatements(view, [fn]).flatMap(({ policy, statement, path }) => {
        if (seen.has(`${policy.logicalId}|${path}`)) return [];
        seen.add(`${policy.logicalId}|${path}`);
        const hits = DESTRUCTIVE_ACTIONS.filter((d) => actionsOf(statement).some((a) => actionMatches(a, d)));
        return hits.length === 0
          ? []
          : [{ logicalId: policy.logicalId, path: `${path}.Action`, message: `the ${kind} role may ${hits.slice(0, 4).join(', ')}${hits.length > 4 ? ` and ${hits.length - 4} more` : ''}; it must never delete or unprotect` }];
      }),
    );
  },
});
