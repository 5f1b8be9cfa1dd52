import { defineRule } from '../engine.ts';
import { isObject, scanStrings } from '../helpers.ts';
import type { Json } from '../../../scripts/lib/cfn/template.ts';
import type { ScannedString } from '../lib/strings.ts';
import type { RuleContext } from '../types.ts';
import { URL_SUFFIX, notScanned } from './patterns.ts';

const HOSTS = new RegExp(URL_SUFFIX.source, 'g');
const SERVICE_PRINCIPAL = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/;

/**
 * A service principal: `Principal.Service` in any policy, the Principal of a Lambda permission, or a whole
 * `<service>.amazonaws.com` value in a property of principals (a VPC endpoint service's AllowedPrincipals).
 */
function isServicePrincipal(ctx: RuleContext, where: ScannedString, host: string): boolean {
  const { logicalId, path } = where;
  if (/\.Principal\.Service(\[\d+\])?$/.test(path)) return true;
  if (path === 'Properties.Principal' && ctx.template.resources[logicalId]?.type === 'AWS::Lambda::Permission') return true;
  return where.value === host && SERVICE_PRINCIPAL.test(host) && /Principals?(\[\d+\])?$/.test(path);
}

/** The service principals of a policy written as a JSON string (AWS::Logs::ResourcePolicy's PolicyDocument). */
function principalsInJson(value: string): Set<string> {
  const out = new Set<string>();
  if (!value.trimStart().startsWith('{')) return out;
  let doc: Json;
  try {
    doc = JSON.parse(value) as Json;
  } catch {
    return out;
  }
  const visit = (v: Json): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!isObject(v)) return;
    const principal = v['Principal'];
    const service = isObject(principal) ? principal['Service'] : undefined;
    for (const s of Array.isArray(service) ? service : [service]) if (typeof s === 'string') out.add(s);
    Object.values(v).forEach(visit);
  };
  visit(doc);
  return out;
}

/** The first literal host of a string the scan reads that is not a service principal. */
function literalHost(ctx: RuleContext, value: string, where: ScannedString): string | undefined {
  if (notScanned(where, true)) return undefined;
  const hosts = [...value.matchAll(HOSTS)].map((m) => m[0]);
  if (hosts.length === 0) return undefined;
  const inJson = principalsInJson(value);
  return hosts.find((host) => !inJson.has(host) && !isServicePrincipal(ctx, where, host));
}

export const rule = defineRule({
  id: 'PORT-USE-URL-SUFFIX',
  pack: 'generic',
  severity: 'warning',
  title: 'No literal `amazonaws.com` (or `.com.cn`, ISO suffix) hostnames; use `${AWS::URLSuffix}` (service principals excepted)',
  rationale:
    'Endpoints such as `s3.<region>.amazonaws.com` in kms:ViaService differ per partition (`amazonaws.com.cn`, `c2s.ic.gov`). No tool ' +
    'checks it: cfn-lint I3042 looks only at ARNs. Service principals are the exception: AWS spells them `<service>.amazonaws.com` in ' +
    'every partition, and building them from `${AWS::URLSuffix}` breaks them in China regions (and in emulators that rewrite the suffix); ' +
    'so are policies written as JSON strings. Documentation, Conditions and per-Region or per-partition mapping ' +
    'tables are not scanned.',
  remediation: 'Write `${AWS::URLSuffix}` instead of the literal `amazonaws.com` host suffix.',
  resourceTypes: [],
  template: (_view, ctx) => scanStrings(ctx, (v, where) => literalHost(ctx, v, where), (host) => `literal host ${host}; use \${AWS::URLSuffix}`),
});
