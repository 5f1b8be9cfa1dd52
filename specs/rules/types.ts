// The contract every compliance rule follows (modelled on cdk-nag and cfn-lint): an id, a title, a rationale,
// a remediation, a severity, a pack, the resource types it reads, and a predicate. The engine (engine.ts) does
// the iteration over scenarios and resources, the merge across scenarios and the suppressions.
import type { Template } from '../../scripts/lib/cfn/template.ts';
import type { ResolvedResource, TemplateView } from '../../scripts/lib/cfn/intrinsics.ts';

export type Severity = 'error' | 'warning';
export type Pack = 'generic' | 'backup-stack';

export interface Finding {
  ruleId: string;
  /** Logical id of the resource (or `Parameters.X`, `Outputs.X`, `Template`) the finding is about. */
  logicalId: string;
  /** Property path inside it, e.g. `Properties.PolicyDocument.Statement[2].Resource`. */
  path: string;
  message: string;
  severity: Severity;
  /** Set when the resource's Metadata suppresses this rule; the finding is still listed. */
  suppressed?: { reason: string; expires?: string };
  /** Set when the resource's only suppression of this rule expired: the finding counts (see suppressions.ts). */
  suppressionExpired?: { reason: string; expires: string };
}

/** Settings a user may give the rules (`npm run check --required-tags`, `--config FILE`). */
export interface RuleSettings {
  /** Tag keys TAGS-REQUIRED requires; unset: this product's three (the CLI always sets it, see tagging/tags.ts). */
  requiredTags?: readonly string[];
}

/** What a rule sees: the parsed template, one resolved view per parameter scenario, and the date it runs on. */
export interface RuleContext {
  template: Template;
  views: TemplateView[];
  /** The day the check runs for (the CLI passes the real date, specs a fixed one); no rule reads a clock. */
  today: Date;
  settings?: RuleSettings;
}

/** The context of one scenario: a RuleContext plus the view being checked. */
export interface ViewContext extends RuleContext {
  view: TemplateView;
}

/** A rule reports problems as partial findings; the engine fills in ruleId and severity. */
export type RuleFinding = Pick<Finding, 'logicalId' | 'path' | 'message'>;

/** What a predicate returns: no finding, one, or several. */
export type Found = RuleFinding | readonly RuleFinding[] | undefined | void;

export interface Rule {
  /** Stable id, upper-case words joined by hyphens, e.g. `S3-KMS-ENCRYPTION`. */
  readonly id: string;
  readonly pack: Pack;
  readonly severity: Severity;
  /** No Metadata suppresses it; a suppression of it is itself a SUPPRESSION-OF-MANDATORY finding. */
  readonly mandatory?: boolean;
  /** One line: what compliant looks like. */
  readonly title: string;
  /** Why it matters, and which known tools check it (or that none does). */
  readonly rationale: string;
  /** One line: what to change in the template to comply. */
  readonly remediation: string;
  /** Resource types it reads; `resource` predicates run on each resource of these types (empty: whole template). */
  readonly resourceTypes: readonly string[];
  /** Predicate over one resolved resource of `resourceTypes`, in one scenario. */
  readonly resource?: (resource: ResolvedResource, ctx: ViewContext) => Found;
  /** Predicate over one scenario's resolved template, for cross-resource rules. */
  readonly template?: (view: TemplateView, ctx: ViewContext) => Found;
  /** Predicate over the template as written, run once (parameters, mappings, logical ids): no scenario merge. */
  readonly once?: (ctx: RuleContext) => Found;
}
