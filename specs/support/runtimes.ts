// What runtimes.spec.ts needs, in one import.
import DEPRECATED from '../rules/lambda/LAMBDA-RUNTIME-DEPRECATED.ts';
import EXPIRING from '../rules/lambda/LAMBDA-RUNTIME-EXPIRING.ts';

export { clock, daysUntil, resetClock, runtimeStatus, EXPIRY_WARNING_DAYS } from '../rules/lambda/runtimes.ts';
export const RULES = [DEPRECATED, EXPIRING];
