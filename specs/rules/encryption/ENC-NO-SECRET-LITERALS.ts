import { defineRule } from '../engine.ts';
import type { RuleFinding } from '../types.ts';
import { at, isObject } from '../helpers.ts';

const SECRET_NAME = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL)/i;
const SECRET_VALUE: Array<[RegExp, string]> = [
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\b(?:ghp|gho|ghs|ghu)_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{20,}/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\bsk_live_[A-Za-z0-9]{16,}/, 'a Stripe key'],
  [/\bglpat-[A-Za-z0-9_-]{20,}/, 'a GitLab token'],
];

/** Why a name/value pair looks like a secret written into the template, or undefined. */
function secretReason(name: string, value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value);
  for (const [re, what] of SECRET_VALUE) if (re.test(text)) return `holds ${what}`;
  const literal = typeof value === 'string' && text.trim() !== '' && !text.includes('{{');
  return literal && SECRET_NAME.test(name) ? `is named like a secret and holds a literal value` : undefined;
}

export const rule = defineRule({
  id: 'ENC-NO-SECRET-LITERALS',
  pack: 'generic',
  severity: 'error',
  title: 'No secrets written into Lambda environment variables or parameter defaults (use Secrets Manager / SSM dynamic references)',
  rationale:
    'A secret in a template lives in version control, in the CloudFormation console and in GetFunctionConfiguration output. checkov ' +
    'CKV_AWS_45 scans Lambda variables for known key shapes, cfn_nag W1 and Guard CFN_AUTHENTICATION_RULE look only at metadata, cfn-lint ' +
    'W2501 only at parameter NoEcho. This rule flags key-shaped values (AKIA…, private keys, vendor tokens) and literal values of ' +
    'secret-named variables and parameters; `{{resolve:secretsmanager:…}}` references pass.',
  remediation: 'Replace the literal with a `{{resolve:secretsmanager:…}}` or `{{resolve:ssm-secure:…}}` reference, or read it at run time; drop secret parameter defaults and set NoEcho.',
  resourceTypes: ['AWS::Lambda::Function'],
  resource(r) {
    const vars = at(r.resolved, 'Environment.Variables');
    if (!isObject(vars)) return [];
    return Object.entries(vars).flatMap(([name, value]) => {
      const why = secretReason(name, value);
      return why ? [{ logicalId: r.logicalId, path: `Properties.Environment.Variables.${name}`, message: `variable ${name} ${why}; read it from Secrets Manager or SSM at run time` }] : [];
    });
  },
  once(ctx) {
    const out: RuleFinding[] = [];
    for (const [name, param] of Object.entries(ctx.template.parameters)) {
      const why = secretReason(name, param['Default']);
      if (why) out.push({ logicalId: `Parameters.${name}`, path: 'Default', message: `the default of ${name} ${why}; give no default and set NoEcho: true` });
    }
    return out;
  },
});
