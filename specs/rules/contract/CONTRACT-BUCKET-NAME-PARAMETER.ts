import { defineRule } from '../engine.ts';
import { finding, num } from '../helpers.ts';
import type { RuleFinding } from '../types.ts';

/** Names S3 accepts (general purpose buckets). Dotted names are valid S3 but a pattern may reject them (TLS). */
export const VALID_NAMES = ['abc', 'my-backup-bucket', 'backup-2026-prod', '0bucket9', 'a'.repeat(63)];

/** Names S3 rejects, each with the reason. */
export const INVALID_NAMES: Array<[string, string]> = [
  ['ab', 'shorter than 3 characters'],
  ['a'.repeat(64), 'longer than 63 characters'],
  ['', 'empty'],
  ['My-Bucket', 'upper case'],
  ['bucket_name', 'underscore'],
  ['bucket name', 'space'],
  ['-bucket', 'starts with a hyphen'],
  ['bucket-', 'ends with a hyphen'],
  ['.bucket', 'starts with a dot'],
  ['bucket..name', 'two adjacent dots'],
  ['192.168.5.4', 'an IP address'],
  ['xn--bucket', 'reserved prefix xn--'],
  ['sthree-bucket', 'reserved prefix sthree-'],
  ['amzn-s3-demo-bucket', 'reserved prefix amzn-s3-demo-'],
  ['bucket-s3alias', 'reserved suffix -s3alias'],
  ['bucket--ol-s3', 'reserved suffix --ol-s3'],
  ['bucket--x-s3', 'reserved suffix --x-s3'],
  ['bucket--table-s3', 'reserved suffix --table-s3'],
];

/** Whether CloudFormation would accept `value` for the parameter (AllowedPattern must match the whole value). */
export function accepts(pattern: RegExp | undefined, min: number | undefined, max: number | undefined, value: string): boolean {
  if (min !== undefined && value.length < min) return false;
  if (max !== undefined && value.length > max) return false;
  return pattern ? pattern.test(value) : true;
}

export const rule = defineRule({
  id: 'CONTRACT-BUCKET-NAME-PARAMETER',
  pack: 'backup-stack',
  severity: 'error',
  title: 'Parameter BackupBucketName accepts valid S3 bucket names and rejects invalid ones (tested on samples) and has a ConstraintDescription',
  rationale:
    'A bad name should fail at parameter validation with a readable message, not minutes later when S3 refuses to ' +
    'create the bucket mid-deployment (and rolls the stack back). The pattern is compiled and run against valid ' +
    'names and names S3 rejects, including reserved prefixes and suffixes. No known tool tests AllowedPattern.',
  remediation: 'Give BackupBucketName an AllowedPattern that admits only valid S3 names (3-63 lower-case letters, digits and hyphens; no reserved prefix or suffix) and a ConstraintDescription.',
  resourceTypes: [],
  once(ctx) {
    const param = ctx.template.parameters['BackupBucketName'];
    if (!param) return [finding('Template', 'Parameters', 'the template has no BackupBucketName parameter')];
    const out: RuleFinding[] = [];
    const id = 'Parameters.BackupBucketName';
    const source = param['AllowedPattern'];
    let pattern: RegExp | undefined;
    if (typeof source === 'string') {
      try {
        pattern = new RegExp(`^(?:${source})$`, 'u');
      } catch (error) {
        return [finding(id, 'AllowedPattern', `AllowedPattern cannot be evaluated: ${(error as Error).message}`)];
      }
    } else {
      out.push(finding(id, 'AllowedPattern', 'no AllowedPattern'));
    }
    const min = num(param['MinLength']);
    const max = num(param['MaxLength']);
    const rejected = VALID_NAMES.filter((n) => !accepts(pattern, min, max, n));
    const accepted = INVALID_NAMES.filter(([n]) => accepts(pattern, min, max, n));
    if (pattern && rejected.length > 0) out.push(finding(id, 'AllowedPattern', `rejects valid bucket names: ${rejected.map((n) => JSON.stringify(n.length > 20 ? `${n.slice(0, 8)}…(${n.length})` : n)).join(', ')}`));
    if (accepted.length > 0) {
      out.push(finding(id, 'AllowedPattern', `accepts names S3 rejects: ${accepted.map(([n, why]) => `${JSON.stringify(n.length > 20 ? `${n.slice(0, 8)}…(${n.length})` : n)} (${why})`).join(', ')}`));
    }
    const description = param['ConstraintDescription'];
    if (typeof description !== 'string' || description.trim() === '') out.push(finding(id, 'ConstraintDescription', 'no ConstraintDescription: a rejected name shows only the raw pattern'));
    return out;
  },
});
export default rule;
