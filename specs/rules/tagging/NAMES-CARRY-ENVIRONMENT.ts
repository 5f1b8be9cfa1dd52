import { defineRule } from '../engine.ts';
import { resolveLiteral, Findings, scenarioValue } from '../helpers.ts';

// Physical names the template may set, per type.
const NAME_PROPERTIES: Record<string, string> = {
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Events::Rule': 'Name',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
};

export const rule = defineRule({
  id: 'NAMES-CARRY-ENVIRONMENT',
  pack: 'backup-stack',
  severity: 'warning',
  title: 'Names the template sets (function, log group, rule, alias, queue, topic, alarm) contain the Environment value',
  rationale:
    'dev, staging and prod stacks often share an account; a name without the environment collides on the second ' +
    'deployment or, worse, makes dashboards and runbooks point at the wrong stack. No known tool checks names ' +
    'against parameters (cfn_nag W28 and Guard CFN_NO_EXPLICIT_RESOURCE_NAMES only flag that a name is set).',
  remediation: 'Build the name with `!Sub` including `${Environment}`, or leave it unset so CloudFormation generates one.',
  resourceTypes: Object.keys(NAME_PROPERTIES),
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const environment = scenarioValue(view);
    const property = NAME_PROPERTIES[resource.type]!;
    const raw = resource.properties[property];
    if (environment === undefined || raw === undefined) return out.list();
    const name = resolveLiteral(ctx, view, raw);
    if (typeof name === 'string' && !name.toLowerCase().includes(environment.toLowerCase())) {
      out.add(resource.logicalId, `Properties.${property}`, `${property} ${JSON.stringify(name)} does not contain the environment`);
    }
    return out.list();
  },
});
export default rule;
