// KMS keys of the stack: which key a resolved value designates, and why a value is not a stack key ARN.
import type { ResolvedResource, TemplateView } from '../../../scripts/lib/cfn/intrinsics.ts';
import { arnParts, isRefTo } from './references.ts';

/** Logical ids of the KMS keys that exist in this view. */
export function stackKeyIds(view: TemplateView): string[] {
  return view.resources.filter((r) => r.type === 'AWS::KMS::Key').map((r) => r.logicalId);
}

/**
 * The stack KMS key a resolved value designates (by key id, key ARN, hand-built key ARN or an alias of
 * the stack declared in the stack), or undefined. `arnOnly` demands an ARN (log groups, Lambda).
 */
export function stackKeyOf(view: TemplateView, value: unknown, arnOnly = false, viaAlias = true): string | undefined {
  if (typeof value !== 'string') return undefined;
  const keys = stackKeyIds(view);
  for (const id of keys) {
    if (value === `{{GetAtt:${id}.Arn}}`) return id;
    if (arnParts(value)?.service === 'kms' && arnParts(value)?.resource === `key/{{Ref:${id}}}`) return id;
    if (!arnOnly && (value === `{{Ref:${id}}}` || value === `{{GetAtt:${id}.KeyId}}`)) return id;
  }
  if (arnOnly || !viaAlias) return undefined;
  for (const alias of view.resources.filter((r) => r.type === 'AWS::KMS::Alias')) {
    const target = alias.resolved['TargetKeyId'];
    const key = stackKeyOf(view, target, false, false);
    if (!key) continue;
    const name = alias.resolved['AliasName'];
    if (value === `{{Ref:${alias.logicalId}}}` || (typeof name === 'string' && value === name)) return key;
  }
  return undefined;
}

/** The stack key whose full ARN `value` is (GetAtt Arn, or the same ARN built with Sub), or undefined. */
export function isStackKeyArn(view: TemplateView, value: unknown): ResolvedResource | undefined {
  if (typeof value !== 'string') return undefined;
  return view.resources.find(
    (r) =>
      r.type === 'AWS::KMS::Key' &&
      (value === view.resolve({ 'Fn::GetAtt': [r.logicalId, 'Arn'] }) ||
        value === `arn:{{AWS::Partition}}:kms:{{AWS::Region}}:{{AWS::AccountId}}:key/{{Ref:${r.logicalId}}}`),
  );
}

/** Why a KMS key reference is not the full ARN of a stack key, in a few words. */
export function describeKeyValue(view: TemplateView, value: unknown): string {
  if (value === undefined || value === null) return 'no key is named';
  if (typeof value !== 'string') return 'the key cannot be resolved';
  if (/alias\/aws\//.test(value)) return `${value} is an AWS managed key`;
  if (/alias\//.test(value)) return `${value} is an alias, not the key ARN (an alias can be repointed)`;
  const alias = view.resources.find((r) => r.type === 'AWS::KMS::Alias' && isRefTo(view, value, r.logicalId));
  if (alias) return `!Ref ${alias.logicalId} is an alias, not the key ARN (an alias can be repointed)`;
  const keyRef = view.resources.find((r) => r.type === 'AWS::KMS::Key' && isRefTo(view, value, r.logicalId));
  if (keyRef) return `${value} is the key id of ${keyRef.logicalId}; use its full ARN (!GetAtt ${keyRef.logicalId}.Arn)`;
  return `${value} is not a KMS key of this stack`;
}
