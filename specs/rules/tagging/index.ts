import type { Rule } from '../types.ts';
import TAGS_REQUIRED from './TAGS-REQUIRED.ts';
import TAGS_ENVIRONMENT_VALUE from './TAGS-ENVIRONMENT-VALUE.ts';
import TAGS_NO_SECRETS from './TAGS-NO-SECRETS.ts';
import NAMES_CARRY_ENVIRONMENT from './NAMES-CARRY-ENVIRONMENT.ts';

// Rules of this area, in the order RULES.md lists them.
export const RULES: Rule[] = [TAGS_REQUIRED, TAGS_ENVIRONMENT_VALUE, TAGS_NO_SECRETS, NAMES_CARRY_ENVIRONMENT];
