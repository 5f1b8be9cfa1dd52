// Shared check for the "encrypted with a KMS key of this stack" rules (not a rule itself).
import type { RuleContext, RuleFinding } from '../types.ts';
import { acrossViews, stackKeyOf } from '../helpers.ts';

export function stackKeyFindings(
  ctx: RuleContext,
  type: string,
  property: string,
  options: { arnOnly?: boolean; applies?: (props: Record<string, unknown>) => boolean; what: string },
): RuleFinding[] {
  return acrossViews(ctx, (view) =>
    view.resources
      .filter((r) => r.type === type && (options.applies?.(r.resolved) ?? true))
      .flatMap((r) => {
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
      }),
  );
}
