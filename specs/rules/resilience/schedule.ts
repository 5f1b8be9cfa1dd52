// Parses EventBridge schedule expressions: rate(N unit) and the six-field cron(...) of EventBridge.

export type Schedule =
  | { kind: 'rate'; value: number; unit: 'minute' | 'hour' | 'day' }
  | { kind: 'cron'; fields: string[] };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Returns the parsed schedule, or an error message saying what is wrong. */
export function parseSchedule(expression: string): Schedule | { error: string } {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    if (value < 1) return { error: 'a rate must be at least 1' };
    if ((value === 1) !== !unit.endsWith('s')) return { error: `rate(${value} ${unit}) must use the ${value === 1 ? 'singular' : 'plural'} unit` };
    return { kind: 'rate', value, unit: unit.replace(/s$/, '') as 'minute' | 'hour' | 'day' };
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return { error: 'not rate(...) or cron(...)' };
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) return { error: `cron needs 6 fields (minutes hours day-of-month month day-of-week year), found ${fields.length}` };
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) return { error: 'exactly one of day-of-month and day-of-week must be ?' };
  const checks: Array<[string, string, number, number, string[]?, RegExp?]> = [
    ['minutes', min, 0, 59],
    ['hours', hour, 0, 23],
    ['day-of-month', dom, 1, 31, undefined, /^(\?|L|LW|\d{1,2}W)$/],
    ['month', month, 1, 12, MONTHS],
    ['day-of-week', dow, 1, 7, DAYS, /^(\?|L|[1-7]L|[1-7]#[1-5]|(SUN|MON|TUE|WED|THU|FRI|SAT)#[1-5])$/],
    ['year', year, 1970, 2199],
  ];
  for (const [name, value, lo, hi, names, special] of checks) {
    if (special?.test(value)) continue;
    if (!validField(value, lo, hi, names)) return { error: `cron ${name} field ${JSON.stringify(value)} is not valid (${lo}-${hi}${names ? ` or ${names[0]}-${names.at(-1)}` : ''}, with , - / *)` };
  }
  return { kind: 'cron', fields };
}

function validField(value: string, lo: number, hi: number, names?: string[]): boolean {
  const atom = (a: string): number | undefined => {
    if (/^\d+$/.test(a)) return Number(a);
    const i = names?.indexOf(a.toUpperCase()) ?? -1;
    return i >= 0 ? i + lo : undefined;
  };
  return value.split(',').every((part) => {
    const [range, step] = part.split('/');
    if (step !== undefined && !/^\d+$/.test(step)) return false;
    if (range === '*') return true;
    const bounds = range!.split('-');
    if (bounds.length > 2) return false;
    const nums = bounds.map(atom);
    return nums.every((n) => n !== undefined && n >= lo && n <= hi) && (nums.length === 1 || nums[0]! <= nums[1]!);
  });
}

/** True when the schedule fires exactly once per day: rate(1 day), or a cron with one fixed minute and hour, every day. */
export function firesOncePerDay(schedule: Schedule): boolean {
  if (schedule.kind === 'rate') return schedule.unit === 'day' && schedule.value === 1;
  const [min, hour, dom, month, dow, year] = schedule.fields as [string, string, string, string, string, string];
  const single = (v: string) => /^\d+$/.test(v);
  const every = (v: string) => v === '*' || v === '?';
  return single(min) && single(hour) && every(dom) && every(month) && every(dow) && every(year);
}

/** Minutes after midnight (UTC) at which a once-a-day cron fires; undefined for a rate or any other cron. */
export function dailyMinuteOfDay(schedule: Schedule): number | undefined {
  if (schedule.kind !== 'cron' || !firesOncePerDay(schedule)) return undefined;
  return Number(schedule.fields[1]) * 60 + Number(schedule.fields[0]);
}

/** `hh:mm` of a minute of the day. */
export function clockTime(minuteOfDay: number): string {
  return `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
}
