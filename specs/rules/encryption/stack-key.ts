// Shared predicate of the "encrypted with a KMS key of this stack" rules (not a rule itself).
import type { ResolvedResource, TemplateView } from '../../../scripts/lib/cfn/intrinsics.ts';
import type { RuleFinding } from '../types.ts';
import { stackKeyOf } from '../helpers.ts';

export function stackKeyFindings(
  view: TemplateView,
  r: ResolvedResource,
  property: string,
  options: { arnOnly?: boolean; applies?: (props: Record<string, unknown>) => boolean; what: string },
): RuleFinding[] {
  if (!(options.applies?.(r.resolved) ?? true)) return [];
  const value = r.resolved[property];
  if (stackKeyOf(view, value, options.arnOnly)) return [];
  const why =
    value === undefined
      ? `${options.what} has no ${property}`
      : options.arnOnly && stackKeyOf(view, value)
        ? `${property} must be the ARN of the stack key (!GetAtt Key.Arn), not its id or alias`
        : typeof value === 'string' && value.startsWith('alias/aws/')
          ? `${property} is the AWS-managed ${value}`
          : `${property} ${JSON.stringify(value)} is not a KMS key of this stack`;
  return [{ logicalId: r.logicalId, path: `Properties.${property}`, message: `${why}; encrypt with the stack's customer-managed key` }];
}
