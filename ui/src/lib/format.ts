/** "20 Nov 2026, 09:12" in the computer's locale and time zone; the raw text if unparseable. */
export function formatWhen(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "20 Nov 2026, 09:12:05", to the second, local; for tooltips and the test history. */
export function formatExact(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * How long ago, in words a glance can take in: "just now", "4 min ago", "1 hour ago",
 * "3 days ago", then the date. `null` (it never happened) is "never". A time a little in the
 * future (another computer's clock) is "just now". `now` is passed in so callers control when
 * the text changes, and tests can fix the clock.
 */
export function formatRelative(iso: string | null, now: number): string {
  if (iso === null) return 'never';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const ago = Math.max(0, now - at);
  if (ago < MINUTE_MS) return 'just now';
  if (ago < HOUR_MS) return `${Math.floor(ago / MINUTE_MS)} min ago`;
  if (ago < DAY_MS) {
    const hours = Math.floor(ago / HOUR_MS);
    return hours === 1 ? '1 hour ago' : `${hours} hours ago`;
  }
  if (ago < 30 * DAY_MS) {
    const days = Math.floor(ago / DAY_MS);
    return days === 1 ? 'yesterday' : `${days} days ago`;
  }
  return `on ${new Date(at).toLocaleDateString(undefined, { dateStyle: 'medium' })}`;
}

/** "230 ms"; from a second on, "1.2 s". */
export function formatLatency(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Who did something, for people: core records OS users as `os:<name>`. */
export function formatActor(actor: string): string {
  return actor.replace(/^os:/, '');
}

/** "09:12:05" (or "9:12:05 AM"): a log row's time of day, local, to the second. */
export function formatClock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit', second: '2-digit' });
}

/** "20 Nov" (or "Nov 20"), with the year only when it is not this one: a log row's day. */
export function formatDay(iso: string, now: number = Date.now()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  return date.toLocaleDateString(undefined, sameYear ? { day: 'numeric', month: 'short' } : { dateStyle: 'medium' });
}

/** How long until a time, in words: "in 4 min", "in 2 hours", "due now" once it is due. */
export function formatUntil(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const ahead = at - now;
  if (ahead < 60_000) return ahead <= 0 ? 'due now' : 'in under a minute';
  if (ahead < 3_600_000) return `in ${Math.round(ahead / 60_000)} min`;
  const hours = Math.round(ahead / 3_600_000);
  return hours === 1 ? 'in 1 hour' : `in ${hours} hours`;
}
