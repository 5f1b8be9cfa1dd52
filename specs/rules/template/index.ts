import type { Rule } from '../types.ts';
import { rule as logicalId } from './TEMPLATE-LOGICAL-ID.ts';

// Rules about the template's own structure, in the order RULES.md lists them.
export const RULES: Rule[] = [logicalId];
