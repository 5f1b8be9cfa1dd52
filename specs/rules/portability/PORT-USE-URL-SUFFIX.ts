import { defineRule } from '../engine.ts';
import { scanStrings } from '../helpers.ts';
import { URL_SUFFIX, first } from './patterns.ts';
import type { RuleContext } from '../types.ts';

/** `Principal.Service` in any policy, or the Principal of a Lambda permission. */
function isServicePrincipal(ctx: RuleContext, logicalId: string, path: string): boolean {
  if (/\.Principal\.Service(\[\d+\])?$/.test(path)) return true;
  return path === 'Properties.Principal' && ctx.template.resources[logicalId]?.type === 'AWS::Lambda::Permission';
}

export const rule = defineRule({
  id: 'PORT-USE-URL-SUFFIX',
  pack: 'generic',
  severity: 'warning',
  title: 'No literal `amazonaws.com` (or `.com.cn`, ISO suffix) hostnames; use `${AWS::URLSuffix}` (service principals excepted)',
  rationale:
    'Endpoints such as `s3.<region>.amazonaws.com` in kms:ViaService differ per partition (`amazonaws.com.cn`, `c2s.ic.gov`). No tool ' +
    'checks it: cfn-lint I3042 looks only at ARNs. Service principals are the exception: AWS spells them `<service>.amazonaws.com` in ' +
    'every partition, and building them from `${AWS::URLSuffix}` breaks them in China regions (and in emulators that rewrite the suffix).',
  remediation: 'Write `${AWS::URLSuffix}` instead of the literal `amazonaws.com` host suffix.',
  resourceTypes: [],
  template: (_view, ctx) =>
    scanStrings(
      ctx,
      (v) => first(URL_SUFFIX, v),
      (host) => `literal host ${host}; use \${AWS::URLSuffix}`,
    ).filter((f) => !isServicePrincipal(ctx, f.logicalId, f.path)),
});
