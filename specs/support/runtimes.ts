// What runtimes.spec.ts needs, in one import.
import DEPRECATED from '../rules/lambda/LAMBDA-RUNTIME-DEPRECATED.ts';
import EXPIRING from '../rules/lambda/LAMBDA-RUNTIME-EXPIRING.ts';

export { daysUntil, runtimeStatus, EXPIRY_WARNING_DAYS, RUNTIMES, RUNTIMES_SOURCE } from '../rules/lambda/runtimes.ts';
export const RULES = [DEPRECATED, EXPIRING];
