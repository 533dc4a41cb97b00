/** "20 Nov 2026, 09:12" in the computer's locale and time zone; the raw text if unparseable. */
export function formatWhen(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Who did something, for people: core records OS users as `os:<name>`. */
export function formatActor(actor: string): string {
  return actor.replace(/^os:/, '');
}
