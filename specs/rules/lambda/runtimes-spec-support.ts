// What runtimes.spec.ts needs, in one import.
import DEPRECATED from './LAMBDA-RUNTIME-DEPRECATED.ts';
import EXPIRING from './LAMBDA-RUNTIME-EXPIRING.ts';

export { clock, daysUntil, resetClock, runtimeStatus, EXPIRY_WARNING_DAYS } from './runtimes.ts';
export const RULES = [DEPRECATED, EXPIRING];
