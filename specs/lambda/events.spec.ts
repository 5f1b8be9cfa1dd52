// Event parsing: the scheduled EventBridge event, the manual event, and everything else rejected.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '../fixtures.ts';
import { parseBackupEvent } from '../../lambda/src/events.ts';
import { InvalidEventError } from '../../lambda/src/errors.ts';

const EVENTS = join(import.meta.dirname, '..', '..', 'fixtures', 'events');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(EVENTS, name), 'utf8'));
const now = new Date('2026-11-28T23:59:59.999Z');
const opts = { sourcePrefix: '', now };

function rejection(event: unknown, sourcePrefix = ''): InvalidEventError {
  try {
    parseBackupEvent(event, { sourcePrefix, now });
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEventError);
    expect((err as Error).message).not.toContain('\n');
    return err as InvalidEventError;
  }
  throw new Error('expected the event to be rejected');
}

test.describe('backup events', () => {
  test('the scheduled event runs for the UTC date of its time', () => {
    expect(parseBackupEvent(fixture('scheduled.json'), { sourcePrefix: 'docs/', now })).toEqual({
      trigger: 'scheduled',
      runDate: '2026-11-27',
      prefix: 'docs/',
      dryRun: false,
    });
    const late = { ...(fixture('scheduled.json') as object), time: '2026-11-27T21:30:00-05:00' };
    expect(parseBackupEvent(late, opts).runDate).toBe('2026-11-28');
  });

  test('manual events: date, default date (today UTC), dry run, narrowed prefix', () => {
    expect(parseBackupEvent(fixture('manual.json'), opts)).toEqual({ trigger: 'manual', runDate: '2026-11-27', prefix: '', dryRun: false });
    expect(parseBackupEvent(fixture('manual-dry-run.json'), opts).dryRun).toBe(true);
    expect(parseBackupEvent({}, opts)).toEqual({ trigger: 'manual', runDate: '2026-11-28', prefix: '', dryRun: false });
    expect(parseBackupEvent({ prefix: 'docs/legal/' }, { sourcePrefix: 'docs/', now }).prefix).toBe('docs/legal/');
    expect(parseBackupEvent({}, { sourcePrefix: 'docs/', now }).prefix).toBe('docs/');
  });

  test('invalid fixture events are rejected with a named error', () => {
    expect(rejection(fixture('invalid-unknown-field.json')).message).toMatch(/^Invalid manual event .*Unrecognized key.*dryrun/);
    expect(rejection(fixture('invalid-date.json')).message).toMatch(/date: is not a calendar date/);
    expect(rejection(fixture('invalid-scheduled-source.json')).message).toMatch(/^Invalid scheduled event: .*source/);
  });

  test('malformed events of every shape are rejected', () => {
    expect(rejection(null).message).toBe('Invalid event: expected a JSON object, got null');
    expect(rejection([]).message).toBe('Invalid event: expected a JSON object, got an array');
    expect(rejection('2026-11-27').message).toBe('Invalid event: expected a JSON object, got string');
    expect(rejection({ date: '27/11/2026' }).message).toMatch(/date: must be a date as YYYY-MM-DD/);
    expect(rejection({ dryRun: 'yes' }).message).toMatch(/dryRun/);
    expect(rejection({ prefix: 42 }).message).toMatch(/prefix/);
    expect(rejection({ source: 'aws.events', 'detail-type': 'Scheduled Event', time: 'yesterday' }).message).toMatch(/time/);
  });

  test('a manual prefix outside SOURCE_PREFIX is rejected', () => {
    expect(rejection({ prefix: 'other/' }, 'docs/').message).toBe('Invalid manual event: prefix "other/" is outside SOURCE_PREFIX "docs/"');
    expect(rejection({ prefix: '/docs/' }, '').message).toMatch(/prefix: must not start with "\/"/);
  });
});
