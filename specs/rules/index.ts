// The rule list: every rule the harness knows, grouped by area. RULES.md is generated from it.
import type { Rule } from './types.ts';
import { RULES as iam } from './iam/index.ts';
import { RULES as portability } from './portability/index.ts';
import { RULES as encryption } from './encryption/index.ts';
import { RULES as s3 } from './s3/index.ts';
import { RULES as logging } from './logging/index.ts';
import { RULES as lambda } from './lambda/index.ts';
import { RULES as resilience } from './resilience/index.ts';
import { RULES as tagging } from './tagging/index.ts';
import { RULES as contract } from './contract/index.ts';
import { RULES as template } from './template/index.ts';

export const AREAS: Record<string, readonly Rule[]> = {
  iam, portability, encryption, s3, logging, lambda, resilience, tagging, template, contract,
};

export const RULES: readonly Rule[] = Object.values(AREAS).flat();
