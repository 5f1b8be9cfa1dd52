// References between resources in one resolved view: Ref, GetAtt, ARNs, literal resolution, scenario values.
import type { Json } from '../../../scripts/lib/cfn/template.ts';
import { Resolver, type ResolvedResource, type TemplateView } from '../../../scripts/lib/cfn/intrinsics.ts';
import type { RuleContext } from '../types.ts';

/** True when `value` is exactly what `!Ref logicalId` resolves to in this view. */
export function isRefTo(view: TemplateView, value: unknown, logicalId: string): boolean {
  return value !== undefined && value !== null && value === view.resolve({ Ref: logicalId });
}

/** True when `value` is exactly what `!GetAtt logicalId.attr` resolves to in this view (ARNs canonicalised). */
export function isGetAttOf(view: TemplateView, value: unknown, logicalId: string, attr = 'Arn'): boolean {
  return value !== undefined && value !== null && value === view.resolve({ 'Fn::GetAtt': [logicalId, attr] });
}

/** The resource of one of `types` that `value` is exactly a Ref or GetAtt `attr` of, in this view. */
export function targetOf(
  view: TemplateView,
  value: unknown,
  types: readonly string[],
  attrs: Array<'Ref' | string> = ['Ref', 'Arn'],
): ResolvedResource | undefined {
  if (value === undefined || value === null) return undefined;
  return view.resources.find(
    (r) => types.includes(r.type) && attrs.some((a) => (a === 'Ref' ? isRefTo(view, value, r.logicalId) : isGetAttOf(view, value, r.logicalId, a))),
  );
}

/** The resource `value` refers to by Ref or GetAtt Arn, if it has one of `types`. */
export function pointsAt(view: TemplateView, value: unknown, ...types: string[]): ResolvedResource | undefined {
  return targetOf(view, value, types);
}

/** The value of `Environment` (or another parameter) in a view, when the scenario fixes it. */
export function scenarioValue(view: TemplateView, parameter = 'Environment'): string | undefined {
  return view.scenario.parameters[parameter];
}

/**
 * Resolves `value` in the view's scenario without turning physical names back into `{{Ref:Id}}`, for rules
 * that compare the names themselves (e.g. `/aws/lambda/<function name>`, names that carry the environment).
 */
export function resolveLiteral(ctx: RuleContext, view: TemplateView, value: Json): Json {
  return new Resolver({ ...ctx.template, resources: {} }, view.scenario).resolve(value);
}

/** One ARN field in a resolved string: tokens such as `{{AWS::Region}}` contain colons, so `[^:]*` is not enough. */
export const ARN_FIELD = '(?:\\{\\{[^}]*\\}\\}|[^:{])*';

/** Splits a resolved ARN into its fields (partition, service, region, account, resource), or undefined. */
export function arnParts(value: string): { partition: string; service: string; region: string; account: string; resource: string } | undefined {
  const m = new RegExp(`^arn:(${ARN_FIELD}):(${ARN_FIELD}):(${ARN_FIELD}):(${ARN_FIELD}):(.+)$`, 's').exec(value.trim());
  if (!m) return undefined;
  return { partition: m[1]!, service: m[2]!, region: m[3]!, account: m[4]!, resource: m[5]! };
}
