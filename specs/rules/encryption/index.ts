import type { Rule } from '../types.ts';
import { rule as rotation } from './ENC-KMS-KEY-ROTATION.ts';
import { rule as keySpec } from './ENC-KMS-KEY-SPEC.ts';
import { rule as pendingWindow } from './ENC-KMS-PENDING-WINDOW.ts';
import { rule as alias } from './ENC-KMS-ALIAS.ts';
import { rule as sqs } from './ENC-SQS-STACK-KEY.ts';
import { rule as sns } from './ENC-SNS-STACK-KEY.ts';
import { rule as logs } from './ENC-LOGS-STACK-KEY.ts';
import { rule as lambdaEnv } from './ENC-LAMBDA-ENV-STACK-KEY.ts';
import { rule as secrets } from './ENC-NO-SECRET-LITERALS.ts';

// Rules of this area, in the order RULES.md lists them.
export const RULES: Rule[] = [rotation, keySpec, pendingWindow, alias, sqs, sns, logs, lambdaEnv, secrets];
