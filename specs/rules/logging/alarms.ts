// Reading CloudWatch alarms: which metric they watch and whether they fire on a given value.
import { ENVIRONMENT_DIMENSION, METRICS_NAMESPACE } from '../../../lambda/src/metric-names.ts';
import type { Json } from '../../../scripts/lib/cfn/template.ts';
import type { ResolvedResource, TemplateView } from '../../../scripts/lib/cfn/intrinsics.ts';
import { asArray, at, isObject, num, scenarioValue } from '../helpers.ts';

export interface WatchedMetric {
  namespace: string | undefined;
  metricName: string | undefined;
  dimensions: Record<string, Json>;
}

/** The metric an alarm watches (the plain form, or the one metric of a metric-math alarm that returns data). */
export function watchedMetric(alarm: ResolvedResource): WatchedMetric {
  const p = alarm.resolved;
  if (p['MetricName'] !== undefined) {
    return { namespace: str(p['Namespace']), metricName: str(p['MetricName']), dimensions: dims(p['Dimensions']) };
  }
  const metrics = asArray(p['Metrics']).filter(isObject);
  const chosen = metrics.find((m) => m['ReturnData'] !== false && at(m, 'MetricStat.Metric') !== undefined) ?? metrics.find((m) => at(m, 'MetricStat.Metric') !== undefined);
  const metric = at(chosen, 'MetricStat.Metric');
  return { namespace: str(at(metric, 'Namespace')), metricName: str(at(metric, 'MetricName')), dimensions: dims(at(metric, 'Dimensions')) };
}

function str(value: Json | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function dims(value: Json | undefined): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const d of asArray(value)) if (isObject(d) && typeof d['Name'] === 'string' && d['Value'] !== undefined) out[d['Name']] = d['Value']!;
  return out;
}

export function alarmsWatching(view: TemplateView, namespace: string, metricName: string): ResolvedResource[] {
  return view.resources.filter((r) => {
    if (r.type !== 'AWS::CloudWatch::Alarm') return false;
    const m = watchedMetric(r);
    return m.namespace === namespace && m.metricName === metricName;
  });
}

/** True when the alarm's comparison breaches for the metric value `value`. */
export function breachesAt(alarm: ResolvedResource, value: number): boolean {
  const threshold = num(alarm.resolved['Threshold']);
  if (threshold === undefined) return false;
  switch (alarm.resolved['ComparisonOperator']) {
    case 'GreaterThanOrEqualToThreshold': return value >= threshold;
    case 'GreaterThanThreshold': return value > threshold;
    case 'LessThanThreshold': return value < threshold;
    case 'LessThanOrEqualToThreshold': return value <= threshold;
    default: return false;
  }
}

/** Seconds of history the alarm needs to be breaching before it fires (periods × datapoints to alarm). */
export function breachWindowSeconds(alarm: ResolvedResource): number | undefined {
  const period = num(alarm.resolved['Period']);
  const evaluation = num(alarm.resolved['EvaluationPeriods']);
  const datapoints = num(alarm.resolved['DatapointsToAlarm']) ?? evaluation;
  return period === undefined || datapoints === undefined ? undefined : period * datapoints;
}

/** An alarm is usable when it has an ALARM action and actions are not disabled. */
export function notifies(alarm: ResolvedResource): boolean {
  return asArray(alarm.resolved['AlarmActions']).length > 0 && alarm.resolved['ActionsEnabled'] !== false && alarm.resolved['ActionsEnabled'] !== 'false';
}

export interface AlarmRequirement {
  namespace: string;
  metricName: string;
  /**
   * Whether an alarm on the metric is about this anchor at all (default: every one is). An alarm that plainly
   * watches another function of the stack is no candidate, so its dimension is not reported as wrong.
   */
  about?(alarm: ResolvedResource, metric: WatchedMetric): boolean;
  /** Problems with one candidate alarm, as [property path, message]; empty when it meets the requirement. */
  problems(alarm: ResolvedResource, metric: WatchedMetric): Array<[string, string]>;
}

/**
 * Finds the alarms on the required metric. None: one finding on `anchor` ("no alarm ..."). Some, but none
 * meets the requirement: each candidate's problems. At least one meets it: nothing.
 */
export function checkRequiredAlarm(
  view: TemplateView,
  anchor: { logicalId: string; what: string },
  requirement: AlarmRequirement,
  add: (logicalId: string, path: string, message: string) => void,
): void {
  const candidates = alarmsWatching(view, requirement.namespace, requirement.metricName).filter(
    (alarm) => !requirement.about || requirement.about(alarm, watchedMetric(alarm)),
  );
  if (candidates.length === 0) {
    add(anchor.logicalId, '', `no alarm watches ${requirement.namespace} ${requirement.metricName} for ${anchor.what}`);
    return;
  }
  const results = candidates.map((alarm) => {
    const problems = requirement.problems(alarm, watchedMetric(alarm));
    if (!notifies(alarm)) problems.push(['Properties.AlarmActions', 'the alarm notifies no one (no AlarmActions or ActionsEnabled false)']);
    return { alarm, problems };
  });
  if (results.some((r) => r.problems.length === 0)) return;
  for (const { alarm, problems } of results) for (const [path, message] of problems) add(alarm.logicalId, path, message);
}

/** Problem entry when a dimension does not point where it should. */
export function dimensionProblem(metric: WatchedMetric, name: string, ok: boolean, what: string): Array<[string, string]> {
  return ok ? [] : [['Properties.Dimensions', `dimension ${name} ${JSON.stringify(metric.dimensions[name] ?? null)} is not ${what}`]];
}

/** The backup's own metrics are published per Environment; an alarm on them must name the stack's one. */
export function environmentDimensionProblem(metric: WatchedMetric, environment: string | undefined): Array<[string, string]> {
  const value = metric.dimensions[ENVIRONMENT_DIMENSION];
  return dimensionProblem(
    metric,
    ENVIRONMENT_DIMENSION,
    environment === undefined ? value !== undefined : value === environment,
    `the stack's Environment (${environment ?? '!Ref Environment'})`,
  );
}

const HOUR = 3600;
/** The window a heartbeat alarm on a daily run may wait before it fires: more than a day, at most two. */
export const HEARTBEAT_MIN_WINDOW_HOURS = 25;
export const HEARTBEAT_MAX_WINDOW_HOURS = 48;

/** An alarm on one of the stack's own metrics: this Environment's dimension, plus the given problems. */
function checkOwnMetricAlarm(
  view: TemplateView,
  anchor: { logicalId: string; what: string },
  metricName: string,
  problems: (alarm: ResolvedResource) => Array<[string, string]>,
  add: (logicalId: string, path: string, message: string) => void,
): void {
  const environment = scenarioValue(view);
  checkRequiredAlarm(view, anchor, { namespace: METRICS_NAMESPACE, metricName, problems: (alarm, metric) => [...environmentDimensionProblem(metric, environment), ...problems(alarm)] }, add);
}

/**
 * A heartbeat alarm on a daily success metric of this Environment (1 on success): it breaches on zero and
 * clears on one, treats missing data as breaching, needs every datapoint of a 25-48 h window to breach, and
 * notifies. The backup's and the restore verifier's heartbeats are checked by this one function.
 */
export function checkHeartbeatAlarm(
  view: TemplateView,
  anchor: { logicalId: string; what: string },
  metricName: string,
  add: (logicalId: string, path: string, message: string) => void,
): void {
  checkOwnMetricAlarm(view, anchor, metricName, (alarm) => {
    const p = alarm.resolved;
    const problems: Array<[string, string]> = [];
    if (p['TreatMissingData'] !== 'breaching') problems.push(['Properties.TreatMissingData', `TreatMissingData is ${JSON.stringify(p['TreatMissingData'] ?? 'missing')}: a run that never happened raises nothing`]);
    if (!breachesAt(alarm, 0) || breachesAt(alarm, 1)) problems.push(['Properties.Threshold', 'the comparison does not breach on zero successes and clear on one']);
    const datapoints = num(p['DatapointsToAlarm']);
    if (datapoints !== undefined && datapoints !== num(p['EvaluationPeriods'])) {
      problems.push(['Properties.DatapointsToAlarm', 'DatapointsToAlarm below EvaluationPeriods fires on the empty hours of a normal day']);
    }
    const window = breachWindowSeconds(alarm);
    if (window === undefined || window < HEARTBEAT_MIN_WINDOW_HOURS * HOUR || window > HEARTBEAT_MAX_WINDOW_HOURS * HOUR) {
      problems.push(['Properties.EvaluationPeriods', `silence alarms after ${window === undefined ? '?' : window / HOUR} h, not within ${HEARTBEAT_MIN_WINDOW_HOURS}-${HEARTBEAT_MAX_WINDOW_HOURS} h of a daily schedule`]);
    }
    return problems;
  }, add);
}

/**
 * An alarm on one of the stack's own count metrics (this Environment's dimension) that fires on the first one:
 * the failed-documents and failed-verification alarms.
 */
export function checkFirstCountAlarm(
  view: TemplateView,
  anchor: { logicalId: string; what: string },
  metricName: string,
  what: string,
  add: (logicalId: string, path: string, message: string) => void,
): void {
  checkOwnMetricAlarm(view, anchor, metricName, (alarm) => (!breachesAt(alarm, 1) || breachesAt(alarm, 0) ? [['Properties.Threshold', `the alarm does not fire on one ${what}`]] : []), add);
}
