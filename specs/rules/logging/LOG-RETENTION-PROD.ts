import { defineRule } from '../engine.ts';
import { num, Findings, scenarioValue } from '../helpers.ts';

export const MIN_PROD_RETENTION_DAYS = 365;

export const rule = defineRule({
  id: 'LOG-RETENTION-PROD',
  pack: 'backup-stack',
  severity: 'error',
  title: `With Environment=prod every log group keeps logs at least ${MIN_PROD_RETENTION_DAYS} days`,
  rationale:
    'Backup evidence must outlive the audit cycle. Security Hub CloudWatch.16 (default minRetentionTime 365) and ' +
    'Control Tower CT.CLOUDWATCH.PR.2 require a year; checkov CKV_AWS_338 does too but is Terraform-only. No static ' +
    'tool evaluates the prod value of a per-environment mapping.',
  remediation: 'Make the prod value of RetentionInDays at least 365 (e.g. in the Environment mapping).',
  resourceTypes: ['AWS::Logs::LogGroup'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    if (scenarioValue(view) !== 'prod') return out.list();
    const days = num(resource.resolved['RetentionInDays']);
    if (days !== undefined && days < MIN_PROD_RETENTION_DAYS) {
      out.add(resource.logicalId, 'Properties.RetentionInDays', `prod keeps logs ${days} days, less than ${MIN_PROD_RETENTION_DAYS}`);
    }
    return out.list();
  },
});
export default rule;
