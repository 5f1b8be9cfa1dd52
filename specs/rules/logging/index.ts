import type { Rule } from '../types.ts';

// Rules of this area, in the order RULES.md lists them.
export const RULES: Rule[] = [];
