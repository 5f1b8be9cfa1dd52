import type { Rule } from '../types.ts';
import { rule as accountId } from './PORT-NO-LITERAL-ACCOUNT-ID.ts';
import { rule as region } from './PORT-NO-LITERAL-REGION.ts';
import { rule as partition } from './PORT-NO-LITERAL-PARTITION.ts';
import { rule as literalArn } from './PORT-NO-LITERAL-ARN.ts';
import { rule as urlSuffix } from './PORT-USE-URL-SUFFIX.ts';
import { rule as az } from './PORT-NO-LITERAL-AZ.ts';
import { rule as pseudo } from './PORT-NO-PSEUDO-AS-STRING.ts';
import { rule as subSyntax } from './PORT-NO-SUB-SYNTAX-OUTSIDE-SUB.ts';

// Rules of this area, in the order RULES.md lists them.
export const RULES: Rule[] = [accountId, region, partition, literalArn, urlSuffix, az, pseudo, subSyntax];
