// The contract every compliance rule follows (modelled on cdk-nag and cfn-lint): a small pure function
// with an id, a title and a rationale, returning findings for one template.
import type { Template } from '../../scripts/lib/cfn/template.ts';
import type { TemplateView } from '../../scripts/lib/cfn/intrinsics.ts';

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
  suppressed?: { reason: string };
}

/** What a rule sees: the parsed template and one resolved view per parameter scenario. */
export interface RuleContext {
  template: Template;
  views: TemplateView[];
}

/** A rule reports problems as partial findings; the runner fills in ruleId and severity. */
export type RuleFinding = Pick<Finding, 'logicalId' | 'path' | 'message'>;

export interface Rule {
  /** Stable id, upper-case words joined by hyphens, e.g. `S3-KMS-ENCRYPTION`. */
  id: string;
  pack: Pack;
  severity: Severity;
  /** One line: what compliant looks like. */
  title: string;
  /** Why it matters, and which known tools check it (or that none does). */
  rationale: string;
  /** Resource types it looks at, for RULES.md (empty for template-wide rules). */
  resourceTypes: string[];
  check(ctx: RuleContext): RuleFinding[];
}
