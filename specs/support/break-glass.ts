// The break-glass role of the specs' stacks: the one principal the backup bucket policy lets bypass governance
// retention (template parameter BreakGlassRoleName). LocalStack evaluates the policy's Object Lock denials for
// the role behind assumed-role credentials (the extension's s3_object_lock_policy), so a spec that must destroy
// a retained backup version (to prove a restore notices) does it as this role, with the bypass header.
import { S3Client } from '@aws-sdk/client-s3';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig, type AwsTarget } from '../../scripts/lib/aws/clients.ts';

/** The role name the worker's shared stack is deployed with. */
export const BREAK_GLASS_ROLE = 'dbs-backup-break-glass';

/** An S3 client acting as a session of the role (created in this account when missing). Destroy it after use. */
export async function breakGlassS3(target: AwsTarget, roleName = BREAK_GLASS_ROLE): Promise<S3Client> {
  const iam = new IAMClient(clientConfig(target));
  const sts = new STSClient(clientConfig(target));
  try {
    const arn = await iam.send(new GetRoleCommand({ RoleName: roleName })).then(
      (r) => r.Role!.Arn!,
      async () => {
        const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
        return (await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!;
      },
    );
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'spec-break-glass' }))).Credentials!;
    return new S3Client({ ...clientConfig(target), credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! } });
  } finally {
    iam.destroy();
    sts.destroy();
  }
}
