import { defineRule } from '../engine.ts';
import { num, Findings } from '../helpers.ts';

const OPERATORS = [
  'GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold', 'LessThanLowerThreshold', 'GreaterThanUpperThreshold',
];
const BAND_OPERATORS = OPERATORS.slice(4);
const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];
const MISSING_DATA = ['breaching', 'notBreaching', 'ignore', 'missing'];

export const rule = defineRule({
  id: 'ALARM-DEFINITION',
  pack: 'generic',
  severity: 'error',
  title: 'Alarms have a valid Period, EvaluationPeriods/DatapointsToAlarm, a numeric Threshold, a known ComparisonOperator, statistic and TreatMissingData',
  rationale:
    'CloudWatch rejects periods other than 10, 20, 30 or a multiple of 60 and evaluation ranges over 1 day (periods ' +
    'under an hour) or 7 days; a threshold from an empty mapping entry or a misspelt operator fails at deploy time ' +
    'or never fires. cfn-lint E3615 checks the period only; no tool checks the rest per scenario.',
  remediation: 'Fix the alarm\'s Period, EvaluationPeriods/DatapointsToAlarm, numeric Threshold, ComparisonOperator, statistic and TreatMissingData as the finding says.',
  resourceTypes: ['AWS::CloudWatch::Alarm'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const p = resource.resolved;
    const add = (prop: string, message: string) => out.add(resource.logicalId, `Properties.${prop}`, message);
    const usesMath = p['Metrics'] !== undefined;
    const period = num(p['Period']);
    if (!usesMath) {
      if (period === undefined || !(period === 10 || period === 20 || period === 30 || (period > 0 && period % 60 === 0))) {
        add('Period', `Period ${JSON.stringify(p['Period'] ?? null)} is not 10, 20, 30 or a multiple of 60`);
      }
      if ((p['Statistic'] === undefined) === (p['ExtendedStatistic'] === undefined)) add('Statistic', 'exactly one of Statistic and ExtendedStatistic is required');
      else if (p['Statistic'] !== undefined && !STATISTICS.includes(String(p['Statistic']))) add('Statistic', `Statistic ${JSON.stringify(p['Statistic'])} is not one of ${STATISTICS.join(', ')}`);
    }
    const evaluation = num(p['EvaluationPeriods']);
    const datapoints = num(p['DatapointsToAlarm']);
    if (evaluation === undefined || evaluation < 1 || !Number.isInteger(evaluation)) {
      add('EvaluationPeriods', `EvaluationPeriods ${JSON.stringify(p['EvaluationPeriods'] ?? null)} is not a whole number of at least 1`);
    } else {
      if (p['DatapointsToAlarm'] !== undefined && (datapoints === undefined || datapoints < 1 || datapoints > evaluation)) {
        add('DatapointsToAlarm', `DatapointsToAlarm ${JSON.stringify(p['DatapointsToAlarm'])} is not between 1 and EvaluationPeriods (${evaluation})`);
      }
      if (period !== undefined && !usesMath) {
        const limit = period < 3600 ? 86_400 : 604_800;
        if (period * evaluation > limit) add('EvaluationPeriods', `Period × EvaluationPeriods = ${period * evaluation} s exceeds the ${limit} s CloudWatch allows for this period`);
      }
    }
    const operator = String(p['ComparisonOperator']);
    if (!OPERATORS.includes(operator)) add('ComparisonOperator', `ComparisonOperator ${JSON.stringify(p['ComparisonOperator'] ?? null)} is not a CloudWatch operator`);
    if (!BAND_OPERATORS.includes(operator) && p['ThresholdMetricId'] === undefined && num(p['Threshold']) === undefined) {
      add('Threshold', `Threshold ${JSON.stringify(p['Threshold'] ?? null)} is not a number`);
    }
    if (p['TreatMissingData'] !== undefined && !MISSING_DATA.includes(String(p['TreatMissingData']))) {
      add('TreatMissingData', `TreatMissingData ${JSON.stringify(p['TreatMissingData'])} is not one of ${MISSING_DATA.join(', ')}`);
    }
    return out.list();
  },
});
export default rule;
