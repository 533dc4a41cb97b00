import { describe, expect, it } from 'vitest';
import { formatExact, formatLatency, formatRelative } from './format';

const NOW = Date.parse('2026-11-24T15:30:00Z');
const before = (ms: number) => new Date(NOW - ms).toISOString();
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('formatRelative', () => {
  it.each([
    [0, 'just now'],
    [59 * SECOND, 'just now'],
    [60 * SECOND, '1 min ago'],
    [4 * MINUTE + 30 * SECOND, '4 min ago'],
    [59 * MINUTE + 59 * SECOND, '59 min ago'],
    [HOUR, '1 hour ago'],
    [2 * HOUR + 59 * MINUTE, '2 hours ago'],
    [23 * HOUR + 59 * MINUTE, '23 hours ago'],
    [DAY, 'yesterday'],
    [47 * HOUR, 'yesterday'],
    [2 * DAY, '2 days ago'],
    [29 * DAY, '29 days ago'],
  ])('%d ms ago is "%s"', (ago, text) => {
    expect(formatRelative(before(ago), NOW)).toBe(text);
  });

  it('says "never" when it never happened', () => {
    expect(formatRelative(null, NOW)).toBe('never');
  });

  it('changes as the clock moves on, for the same time', () => {
    const at = before(0);
    expect(formatRelative(at, NOW + 30 * SECOND)).toBe('just now');
    expect(formatRelative(at, NOW + 90 * SECOND)).toBe('1 min ago');
    expect(formatRelative(at, NOW + 4 * MINUTE)).toBe('4 min ago');
  });

  it('calls a time slightly in the future (another clock) "just now"', () => {
    expect(formatRelative(before(-5 * SECOND), NOW)).toBe('just now');
  });

  it('gives the date after a month, and the raw text when it is not a time', () => {
    expect(formatRelative(before(40 * DAY), NOW)).toMatch(/^on .*2026/);
    expect(formatRelative('yesterday-ish', NOW)).toBe('yesterday-ish');
  });
});

describe('formatExact', () => {
  it('gives the local date and time to the second', () => {
    const text = formatExact('2026-11-24T15:30:07Z');
    const local = new Date('2026-11-24T15:30:07Z');
    expect(text).toContain(String(local.getSeconds()).padStart(2, '0'));
    expect(text).toContain('2026');
    expect(formatExact('not a time')).toBe('not a time');
  });
});

describe('formatLatency', () => {
  it.each([
    [0, '0 ms'],
    [230, '230 ms'],
    [999.4, '999 ms'],
    [1000, '1.0 s'],
    [1234, '1.2 s'],
    [20_000, '20.0 s'],
  ])('%d → %s', (ms, text) => {
    expect(formatLatency(ms)).toBe(text);
  });
});
