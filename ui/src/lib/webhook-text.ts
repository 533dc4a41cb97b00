// Webhook words: delivery statuses, attempt outcomes, signing schemes, subscriptions, rates.
import type { AttemptRow, DeliveryFilter, DeliveryRow, DeliveryStatus, Endpoint, Scheme } from '../backend';

/** A delivery's status in words; the colour and icon are only further cues. */
export const DELIVERY_STATUS_LABELS: Record<DeliveryStatus, string> = {
  pending: 'Queued',
  succeeded: 'Delivered',
  retrying: 'Failed, will retry',
  dead: 'Failed, gave up',
};

/** The order the status filter offers them in. */
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'retrying', 'dead'];

/** Failed deliveries the user can send again (core resends only these). */
export function isResendable(status: DeliveryStatus): boolean {
  return status === 'retrying' || status === 'dead';
}

/** What went wrong when no usable answer came, in words (core's error classes). */
export const ERROR_CLASS_LABELS: Record<string, string> = {
  dns: 'DNS lookup failed',
  connect: 'Connection refused',
  reset: 'Connection cut by the receiver',
  tls: 'TLS certificate problem',
  timeout: 'Timed out',
  redirect: 'Redirect not followed',
  blocked: 'Blocked: private address',
  config: 'Endpoint settings problem',
};

/**
 * One attempt's outcome in a few words: "HTTP 200" for an answer (a redirect is named as such),
 * else what failed ("DNS lookup failed", "Timed out", …).
 */
export function attemptOutcome(a: Pick<AttemptRow, 'statusCode' | 'errorClass'>): string {
  if (a.errorClass === 'redirect') {
    return a.statusCode !== null ? `Redirect not followed (HTTP ${a.statusCode})` : ERROR_CLASS_LABELS.redirect ?? 'Redirect';
  }
  if (a.statusCode !== null) return `HTTP ${a.statusCode}`;
  if (a.errorClass) return ERROR_CLASS_LABELS[a.errorClass] ?? `Failed (${a.errorClass})`;
  return 'No answer';
}

export function attemptSucceeded(a: Pick<AttemptRow, 'statusCode'>): boolean {
  return a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300;
}

/** The log's "last HTTP code" cell: the code, or what stopped an answer from coming. */
export function lastCodeText(row: Pick<DeliveryRow, 'lastStatus' | 'lastError' | 'attempts'>): string {
  if (row.lastStatus !== null) return String(row.lastStatus);
  if (row.attempts === 0) return '—';
  return 'No answer';
}

export const SCHEME_LABELS: Record<Scheme, string> = {
  standard_webhooks: 'Standard Webhooks',
  hmac_sha256_hex: 'X-Webhook-Signature sha256 (legacy)',
};

export const SCHEME_HELP: Record<Scheme, string> = {
  standard_webhooks:
    'Recommended. Headers webhook-id, webhook-timestamp and webhook-signature; the receiving system can check them with any Standard Webhooks library.',
  hmac_sha256_hex:
    'For receivers built for the older scheme: one header, X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the body>.',
};

/** Core stores "every event" as ["*"]. */
export function receivesAll(types: readonly string[]): boolean {
  return types.length === 0 || types.includes('*');
}

export function receives(endpoint: Pick<Endpoint, 'eventTypes'>, type: string): boolean {
  return receivesAll(endpoint.eventTypes) || endpoint.eventTypes.includes(type);
}

/** "All events", or the types themselves. */
export function subscriptionText(types: readonly string[]): string {
  return receivesAll(types) ? 'All events' : types.join(', ');
}

/** "98%" (one decimal under 99.95 when it is not whole), or "No attempts" without any. */
export function formatRate(rate: number | null): string {
  if (rate === null) return 'No attempts';
  const rounded = Math.round(rate * 10) / 10;
  if (rounded === 100 && rate < 100) return '99.9%';
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)}%`;
}

/** "1 delivery", "3 deliveries". */
export function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** Where an endpoint sends to, short: the host and path without the scheme. */
export function shortUrl(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\/$/, '');
}

/** An endpoint's name for people: its description, else its address. */
export function endpointName(endpoint: Pick<Endpoint, 'description' | 'url'> | undefined, fallbackUrl = ''): string {
  if (!endpoint) return shortUrl(fallbackUrl) || 'A removed endpoint';
  return endpoint.description.trim() || shortUrl(endpoint.url);
}

/** The filter in words, for "Resend all matching": "to Lab server, of type record.finalized". */
export function filterScope(filter: DeliveryFilter, endpoints: readonly Endpoint[], formatTime: (iso: string) => string): string[] {
  const parts: string[] = [];
  if (filter.endpointId) {
    const endpoint = endpoints.find((e) => e.id === filter.endpointId);
    parts.push(`to ${endpointName(endpoint, filter.endpointId)}`);
  }
  if (filter.eventType) parts.push(`of type ${filter.eventType}`);
  if (filter.status) parts.push(`with status “${DELIVERY_STATUS_LABELS[filter.status]}”`);
  if (filter.eventId) parts.push(`of event ${filter.eventId}`);
  if (filter.from) parts.push(`created from ${formatTime(filter.from)}`);
  if (filter.to) parts.push(`created before ${formatTime(filter.to)}`);
  return parts;
}
