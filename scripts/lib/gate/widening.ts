// Whether an update widens what the policies allow: the permission matrix (scripts/lib/matrix) of the deployed
// template and of the new one, each for the parameter values that stack has or will have, compared row by row.
// A row the deployed template denies and the new one allows is a widening, whatever the contract says (a row
// the contract already allowed can still be a widening here only if it was denied before); a row only the new
// template has (its guard now holds) counts when it is allowed and the contract denies it. What the matrix
// cannot evaluate in the new template (an attached policy without a document) fails closed.
import type { Template } from '../cfn/template.ts';
import { CONTRACT } from '../matrix/contract.ts';
import { ConcretiseError } from '../matrix/concretise.ts';
import { EvaluationError } from '../matrix/evaluate.ts';
import { runMatrix, type MatrixResult, type MatrixRow } from '../matrix/matrix.ts';
import { StackShapeError } from '../matrix/stack.ts';
import { GateInputError } from './replacement.ts';

export interface Widening {
  /** Rows that became allowed (new template's row, with its deciding statements). */
  widened: MatrixRow[];
  /** What the new template's matrix could not evaluate: the gate fails closed on it. */
  incomplete: string[];
  rows: number;
}

const rowKey = (r: MatrixRow) => [r.id, r.resource, r.context].join('\u0000');

async function matrixOf(which: string, template: Template, parameters: Record<string, string>, stackName: string): Promise<MatrixResult> {
  // Only the parameters this template declares: concretise refuses a name it does not know.
  const mine = Object.fromEntries(Object.entries(parameters).filter(([k]) => k in template.parameters));
  try {
    return await runMatrix(template, CONTRACT, { parameters: mine, stackName });
  } catch (error) {
    if (error instanceof ConcretiseError || error instanceof StackShapeError || error instanceof EvaluationError) {
      throw new GateInputError(`the permission matrix cannot evaluate the ${which} template: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

export async function compareMatrices(
  before: { template: Template; parameters: Record<string, string> },
  after: { template: Template; parameters: Record<string, string> },
  stackName: string,
): Promise<Widening> {
  const old = await matrixOf('deployed', before.template, before.parameters, stackName);
  const now = await matrixOf('new', after.template, after.parameters, stackName);
  const previous = new Map(old.rows.map((r) => [rowKey(r), r]));
  const widened = now.rows.filter((r) => {
    if (r.actual !== 'allowed') return false;
    const was = previous.get(rowKey(r));
    return was ? was.actual === 'denied' : r.expected === 'denied';
  });
  const incomplete = now.unreadable.map((u) => `cannot evaluate attached policy ${u.arn}: ${u.reason}`);
  return { widened, incomplete, rows: now.rows.length };
}

/** One line per widened row: what, on what, by whom, because of which statement. */
export function wideningLine(r: MatrixRow): string {
  return `became allowed: ${r.action} on ${r.resource} by ${r.principal}${r.context === '-' ? '' : ` (${r.context})`} [${r.id}] - ${r.deciding.join('; ') || 'no statement named'}`;
}
