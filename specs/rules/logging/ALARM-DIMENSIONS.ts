import { defineRule } from '../engine.ts';
import { Findings, targetOf } from '../helpers.ts';
import { watchedMetric } from './alarms.ts';

// Dimensions of AWS namespaces whose value names a resource type the template can create.
const OWN: Record<string, Record<string, { type: string; attrs: string[] }>> = {
  'AWS/Lambda': { FunctionName: { type: 'AWS::Lambda::Function', attrs: ['Ref'] } },
  'AWS/SQS': { QueueName: { type: 'AWS::SQS::Queue', attrs: ['QueueName'] } },
  'AWS/S3': { BucketName: { type: 'AWS::S3::Bucket', attrs: ['Ref'] } },
  'AWS/Events': { RuleName: { type: 'AWS::Events::Rule', attrs: ['Ref'] } },
  'AWS/SNS': { TopicName: { type: 'AWS::SNS::Topic', attrs: ['TopicName'] } },
};

export const rule = defineRule({
  id: 'ALARM-DIMENSIONS',
  pack: 'generic',
  severity: 'error',
  title: 'Alarms on AWS/Lambda, AWS/SQS, AWS/S3, AWS/Events and AWS/SNS metrics name a resource of this stack in their dimension',
  rationale:
    'An alarm whose FunctionName or QueueName is a hand-typed name watches nothing once the stack names resources ' +
    'differently (per environment, per stack) and stays silently green. No known tool checks alarm dimensions.',
  remediation: 'Set the metric\'s dimension to `!Ref` (or the name of) a resource of this stack.',
  resourceTypes: ['AWS::CloudWatch::Alarm'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const metric = watchedMetric(resource);
    const expected = metric.namespace ? OWN[metric.namespace] : undefined;
    if (!expected) return out.list();
    for (const [name, { type, attrs }] of Object.entries(expected)) {
      const value = metric.dimensions[name];
      if (value === undefined) continue;
      if (!targetOf(view, value, [type], attrs)) {
        const path = resource.resolved['Metrics'] !== undefined ? 'Properties.Metrics' : 'Properties.Dimensions';
        out.add(resource.logicalId, path, `dimension ${name} ${JSON.stringify(value)} is not ${attrs.map((a) => (a === 'Ref' ? '!Ref' : `!GetAtt .${a}`)).join(' or ')} of a resource of type ${type} in this stack`);
      }
    }
    return out.list();
  },
});
export default rule;
