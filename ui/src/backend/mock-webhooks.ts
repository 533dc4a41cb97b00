// The mock's webhook commands: endpoints, "Send test event", the delivery log and endpoint health,
// in memory. A stand-in for core's (crates/core/src/webhooks), close enough that the UI can be
// built and tested against it; core is the authority on every rule.
//
// Nothing is sent anywhere. Deliveries move on only when something plays the worker:
// tests call `deliverPending` / `markDeliveries`, and the browser preview (option
// `workerDelayMs`) attempts queued deliveries a moment after they are queued, using each
// endpoint's scripted outcome. Every such batch fires `deliveriesChanged`, as the app does.
import type {
  AppError,
  AttemptRow,
  BatchReport,
  Commands,
  DeliveryFilter,
  DeliveryRow,
  DeliveryStatus,
  Endpoint,
  EndpointDraft,
  EndpointPatch,
  EndpointStatus,
  ErrorCode,
  Level,
  Result,
  Scheme,
} from './types';
import { checkEventData } from './mock-events';
import { domain, EVENT_TYPES, RETRY_SCHEDULE_MS, type EndpointFacts } from './domain';

/** Core's event catalogue, from the export. */
export const MOCK_EVENT_TYPES = EVENT_TYPES;
export { RETRY_SCHEDULE_MS };
/** Core's largest page of the delivery log. */
export const MAX_PAGE = domain.limits.deliveryLogMaxPage;
const { rotationGraceMs: ROTATION_GRACE_MS, defaultTimeoutSecs: DEFAULT_TIMEOUT_SECS } = domain.limits;
const DAY_MS = 24 * 3600 * 1000;
const RESERVED_HEADERS = [
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-webhook-signature',
];
export const GONE_REASON = 'The receiver answered 410 Gone: it no longer wants these webhooks.';

type WebhookCommands = Pick<
  Commands,
  | 'listEventTypes'
  | 'listEventCatalogue'
  | 'listEndpoints'
  | 'createEndpoint'
  | 'updateEndpoint'
  | 'setEndpointEnabled'
  | 'deleteEndpoint'
  | 'rotateEndpointSecret'
  | 'sendEvent'
  | 'listDeliveries'
  | 'getDelivery'
  | 'resendDeliveries'
  | 'exportDeliveries'
  | 'endpointStatuses'
  | 'acknowledgeDeadDeliveries'
>;

/** What one attempt found, as the worker records it. */
export interface MockAttemptOutcome {
  /** The HTTP status the receiver answered; absent when no answer came. */
  statusCode?: number | null;
  /** dns, connect, tls, timeout, redirect, http or blocked; absent on success. */
  errorClass?: string | null;
  error?: string | null;
  response?: string;
  durationMs?: number;
}

/** Attempt outcomes worded as core words them, for the preview and for tests. */
export const MOCK_OUTCOMES = {
  ok: { statusCode: 200, response: '{"received":true}', durationMs: 84 },
  http500: {
    statusCode: 500,
    errorClass: 'http',
    error: 'The receiver answered HTTP 500.',
    response: '{"error":"internal server error"}',
    durationMs: 212,
  },
  http503: {
    statusCode: 503,
    errorClass: 'http',
    error: 'The receiver answered HTTP 503.',
    response: '<html><body><h1>503 Service Unavailable</h1>The server is temporarily down for maintenance.</body></html>',
    durationMs: 95,
  },
  gone: { statusCode: 410, errorClass: 'http', error: 'The receiver answered HTTP 410.', response: 'Gone', durationMs: 61 },
  dns: {
    errorClass: 'dns',
    error: 'error sending request: dns error: failed to lookup address information: Name or service not known',
    durationMs: 18,
  },
  connect: {
    errorClass: 'connect',
    error: 'error sending request: tcp connect error: Connection refused (os error 111)',
    durationMs: 3,
  },
  tls: { errorClass: 'tls', error: 'invalid peer certificate: certificate expired', durationMs: 41 },
  timeout: { errorClass: 'timeout', error: 'operation timed out', durationMs: 30_000 },
  redirect: {
    statusCode: 301,
    errorClass: 'redirect',
    error: 'The receiver redirected to https://new.example.com/hooks; redirects are not followed. Update the endpoint URL.',
    durationMs: 57,
  },
  blocked: {
    errorClass: 'blocked',
    error: 'pms.clinic.lan is a private or local address (192.168.1.20); allow private/LAN addresses for this endpoint to send there',
    durationMs: 0,
  },
} as const satisfies Record<string, MockAttemptOutcome>;

/** A delivery the mock keeps: the row the log shows, plus what only the detail shows. */
interface Stored {
  /** The numeric id, as core's (ids grow with creation; the log's keyset cursor). */
  seq: number;
  row: DeliveryRow;
  payload: string;
  attempts: AttemptRow[];
  /** Attempts in the current schedule (a resend starts a new one). */
  scheduleAttempts: number;
  acknowledged: boolean;
}

/** An endpoint in the seed, with what its receiver answers. */
export interface MockEndpointSeed {
  endpoint: Endpoint;
  /** What the preview's worker finds when delivering to it (a 200 unless given). */
  outcome?: MockAttemptOutcome;
}

/** A delivery in the seed: created at `createdAt`, then attempted at the given times. */
export interface MockDeliverySeed {
  endpointId: string;
  type: string;
  data?: unknown;
  createdAt: string;
  attempts?: { at: string; outcome: MockAttemptOutcome }[];
  acknowledged?: boolean;
}

export interface MockWebhookSeed {
  endpoints: MockEndpointSeed[];
  /** In any order. */
  deliveries: MockDeliverySeed[];
}

/** A delivery added in bulk by tests: every field has a default. */
export interface BulkDelivery {
  endpointId?: string;
  type?: string;
  status?: DeliveryStatus;
  /** Newest first, one `stepMs` apart, starting here. */
  newest?: number;
  stepMs?: number;
}

/** What tests (and the preview) use to play the delivery worker. */
export interface WebhookControls {
  /**
   * Attempts every queued delivery (pending, and retrying ones that are due — all retrying ones
   * with `{ includeRetrying: true }`), as one worker batch, then fires `deliveriesChanged`.
   */
  deliverPending(
    outcomeFor?: (row: DeliveryRow) => MockAttemptOutcome,
    options?: { includeRetrying?: boolean },
  ): BatchReport;
  /**
   * Records a failed attempt on each delivery and leaves it retrying or dead (dead: as after the
   * last retry). Fires `deliveriesChanged`.
   */
  markDeliveries(ids: string[], status: 'retrying' | 'dead', outcome?: MockAttemptOutcome): void;
  /** Adds `count` deliveries at once (for a log of thousands); returns their ids, newest first. */
  addDeliveries(count: number, template?: BulkDelivery): string[];
  /** What an endpoint's receiver answers from now on. */
  setEndpointOutcome(endpointId: string, outcome: MockAttemptOutcome): void;
}

interface Helpers {
  /** Who is changing things now (the signed-in user). */
  actor: () => string;
  /** The mock's delay and copy: what every answer goes through. */
  answer: <T>(value: T) => Promise<T>;
  /** Fires `deliveriesChanged` to every listener. */
  emit: (report: BatchReport) => void;
  seed?: MockWebhookSeed;
  /** When set, queued deliveries are attempted this long after they are queued (the preview). */
  workerDelayMs?: number;
}

const ok = <T>(data: T): Result<T, AppError> => ({ status: 'ok', data });
const fail = (code: ErrorCode, message: string, field: string | null = null): Result<never, AppError> => ({
  status: 'error',
  error: { code, message, field },
});

function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  crypto.getRandomValues(bytes);
  return bytes;
}

function newSecret(): string {
  return `whsec_${btoa(String.fromCharCode(...randomBytes(24)))}`;
}

function randomId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`;
}

const isKnownType = (t: string) => EVENT_TYPES.includes(t);

/**
 * The IPv4 address inside an IPv4-mapped IPv6 one, dotted, as Rust prints it: `URL` writes
 * `[::ffff:192.168.1.1]` as `[::ffff:c0a8:101]`.
 */
function mappedV4(h: string): string | null {
  const dotted = h.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) return dotted[1] ?? null;
  const hex = h.match(/^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/);
  if (!hex) return null;
  const [hi, lo] = [parseInt(hex[1] ?? '0', 16), parseInt(hex[2] ?? '0', 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Core's `is_private` for literal addresses: loopback, RFC 1918, link-local, CGNAT, ULA, … */
export function isPrivateHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  const v4 = h.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 127 ||
      a === 10 ||
      a === 0 ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b < 128) ||
      h === '255.255.255.255'
    );
  }
  if (h.includes(':')) {
    if (h === '::1' || h === '::') return true;
    const first = parseInt(h.split(':')[0] || '0', 16);
    if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80) return true;
    const mapped = mappedV4(h);
    return mapped ? isPrivateHost(mapped) : false;
  }
  return false;
}

/** Core's `check_url`: the URL as stored, or the problem with it. */
export function checkUrl(raw: string, allowHttp: boolean, allowPrivate: boolean): { value: string | null; problem: string | null } {
  const problem = urlProblem(raw, allowHttp, allowPrivate);
  return problem ? { value: null, problem } : { value: new URL(raw.trim()).toString(), problem };
}

/** Core's `check_url`: https (http when allowed), a host, no credentials, private only when allowed. */
function urlProblem(raw: string, allowHttp: boolean, allowPrivate: boolean): string | null {
  const value = raw.trim();
  if (value === '') return 'URL is required.';
  if (value.length > 2048 || /\s/.test(value)) return 'URL must be one line without spaces, at most 2048 characters.';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'URL is not valid; it must look like https://example.com/webhooks.';
  }
  if (url.protocol === 'http:' && !allowHttp) {
    return "URL must use https://. To send to a server on the clinic's own network over plain http, allow plain HTTP for this endpoint.";
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'URL must start with https:// (or http:// when allowed).';
  if (!url.hostname) return 'URL must include a host name.';
  if (url.username || url.password) return 'URL must not contain a user name or password; use a custom header instead.';
  if (isPrivateHost(url.hostname) && !allowPrivate) {
    const bare = url.hostname.replace(/^\[|\]$/g, '');
    const mapped = mappedV4(bare);
    const ip = url.hostname === 'localhost' ? '127.0.0.1' : mapped ? `::ffff:${mapped}` : bare;
    return `${ip} is a private or local address. Allow private/LAN addresses for this endpoint to send there.`;
  }
  return null;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Core's `webhooks::health::compute`: an endpoint's level, reason and action from its counts. */
export function endpointStatusFrom(f: EndpointFacts): { level: Level; reason: string; action: string; successRate24h: number | null } {
  const rate = f.attempts24h > 0 ? (100 * f.succeeded24h) / f.attempts24h : null;
  const status = (level: Level, reason: string, action: string) => ({ level, reason, action, successRate24h: rate });
  if (!f.enabled) {
    return f.disabledReason
      ? status('red', `Disabled by Switchboard: ${f.disabledReason}`, 'Fix the receiver, then enable the endpoint again on the Webhooks page and resend what failed.')
      : status('off', 'Turned off by a user.', 'Enable it on the Webhooks page to deliver again.');
  }
  if (f.dead > 0) {
    return status('red', `${plural(f.dead, 'delivery', 'deliveries')} gave up after every retry.`, 'Open the Delivery log, fix the receiver and resend them, or acknowledge them.');
  }
  if (f.retrying > 0) {
    return status('yellow', `${plural(f.retrying, 'delivery', 'deliveries')} failed and will be retried.`, 'Check the receiver; Switchboard retries automatically.');
  }
  if (rate !== null && rate < 95) {
    return status('yellow', `Only ${rate.toFixed(0)}% of deliveries succeeded in the last 24 hours.`, "Check the receiver's recent errors in the Delivery log.");
  }
  return status('green', rate === null ? 'No deliveries in the last 24 hours.' : `${rate.toFixed(0)}% delivered in the last 24 hours.`, 'Nothing to do.');
}

interface Candidate {
  url: string;
  description: string;
  eventTypes: string[];
  headers: Record<string, string>;
  timeoutSecs: number;
  allowHttp: boolean;
  allowPrivate: boolean;
}

/** Core's `check`: the first problem with an endpoint's settings, with its field. */
function check(c: Candidate): { field: string; message: string } | { url: string; eventTypes: string[]; description: string } {
  const checkedUrl = checkUrl(c.url, c.allowHttp, c.allowPrivate);
  if (checkedUrl.value === null) return { field: 'url', message: checkedUrl.problem ?? 'URL is not valid.' };
  const description = c.description.trim();
  // eslint-disable-next-line no-control-regex
  if ([...description].length > 200 || /[\u0000-\u001f\u007f]/.test(description)) {
    return { field: 'description', message: 'Description must be one line of at most 200 characters.' };
  }
  let types = [...new Set(c.eventTypes.map((t) => t.trim()).filter((t) => t !== ''))].sort();
  if (types.length === 0 || types.includes('*')) types = ['*'];
  else {
    const bad = types.find((t) => !isKnownType(t));
    if (bad) {
      return { field: 'event_types', message: `“${bad}” is not an event type. Known types: ${MOCK_EVENT_TYPES.join(', ')}.` };
    }
  }
  for (const [name, value] of Object.entries(c.headers)) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) {
      return { field: 'headers', message: `Header name “${name}” may only contain letters, digits, - and _.` };
    }
    if (RESERVED_HEADERS.includes(name.toLowerCase())) {
      return { field: 'headers', message: `Header “${name}” is set by Switchboard and cannot be overridden.` };
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(value) || value.length > 4096) {
      return { field: 'headers', message: `The value of header “${name}” must be one line of at most 4096 characters.` };
    }
  }
  if (Object.keys(c.headers).length > 20) return { field: 'headers', message: 'At most 20 custom headers.' };
  if (!(Number.isInteger(c.timeoutSecs) && c.timeoutSecs >= 1 && c.timeoutSecs <= 60)) {
    return { field: 'timeout_secs', message: 'Timeout must be between 1 and 60 seconds.' };
  }
  return { url: checkedUrl.value, eventTypes: types, description };
}

/** Core's check of a secret given instead of a generated one. */
function secretProblem(secret: string, scheme: Scheme): string | null {
  if (scheme === 'standard_webhooks') {
    if (!secret.startsWith('whsec_')) return 'A signing secret must start with whsec_.';
    let bytes: number;
    try {
      bytes = atob(secret.slice('whsec_'.length)).length;
    } catch {
      return 'The signing secret after whsec_ must be base64.';
    }
    return bytes >= 24 && bytes <= 64 ? null : 'A signing secret must hold 24 to 64 bytes.';
  }
  return secret.length < 16 || /\s/.test(secret) ? 'A shared secret needs at least 16 characters, without spaces.' : null;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseTime(value: string): number | null {
  const trimmed = value.trim();
  if (!RFC3339.test(trimmed)) return null;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? null : ms;
}

function matches(row: DeliveryRow, f: DeliveryFilter | null, from: number | null, to: number | null): boolean {
  if (!f) return true;
  if (f.endpointId && row.endpointId !== f.endpointId) return false;
  if (f.eventType && row.eventType !== f.eventType) return false;
  if (f.status && row.status !== f.status) return false;
  if (f.eventId?.trim() && row.eventId !== f.eventId.trim()) return false;
  const created = Date.parse(row.createdAt);
  if (from !== null && created < from) return false;
  if (to !== null && created >= to) return false;
  return true;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function createWebhookCommands({ actor, answer, emit, seed, workerDelayMs }: Helpers): {
  commands: WebhookCommands;
  controls: WebhookControls;
} {
  const endpoints = new Map<string, Endpoint>();
  /** What each endpoint's receiver answers (the preview's worker; `deliverPending`'s default). */
  const outcomes = new Map<string, MockAttemptOutcome>();
  /** Newest first (highest seq first). */
  let deliveries: Stored[] = [];
  const bySeq = new Map<number, Stored>();
  /** Event id → when it was queued (an id seen before is a duplicate). */
  const events = new Map<string, { type: string; body: string }>();
  let nextSeq = 1;
  let lastCreated = 0;
  let workerTimer: ReturnType<typeof setTimeout> | null = null;

  const notFound = (what: string, id: string) => answer(fail('not_found', `${what} ${id} was not found.`));

  function requestHeaders(endpoint: Endpoint | undefined, eventId: string, atMs: number): string {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (endpoint?.scheme === 'hmac_sha256_hex') headers['x-webhook-signature'] = '<redacted>';
    else {
      headers['webhook-id'] = eventId;
      headers['webhook-signature'] = '<redacted>';
      headers['webhook-timestamp'] = String(Math.floor(atMs / 1000));
    }
    for (const name of endpoint?.headerNames ?? []) headers[name] = '<redacted>';
    return JSON.stringify(Object.fromEntries(Object.entries(headers).sort(([a], [b]) => a.localeCompare(b))));
  }

  /** Core's `record`: logs the attempt and moves the delivery on; 410 disables the endpoint. */
  function attempt(d: Stored, outcome: MockAttemptOutcome, atMs: number, report: BatchReport) {
    const code = outcome.statusCode ?? null;
    const succeeded = code !== null && code >= 200 && code < 300;
    const gone = code === 410;
    d.scheduleAttempts += 1;
    let status: DeliveryStatus;
    let next: number | null = null;
    if (succeeded) status = 'succeeded';
    else if (gone) status = 'dead';
    else {
      const delay = RETRY_SCHEDULE_MS[d.scheduleAttempts - 1];
      if (delay === undefined) status = 'dead';
      else [status, next] = ['retrying', atMs + delay];
    }
    const endpoint = endpoints.get(d.row.endpointId);
    const durationMs = outcome.durationMs ?? 80;
    d.attempts.push({
      attempt: d.attempts.length + 1,
      at: iso(atMs),
      durationMs,
      requestHeaders: requestHeaders(endpoint, d.row.eventId, atMs),
      statusCode: code,
      errorClass: succeeded ? null : (outcome.errorClass ?? (code !== null ? 'http' : null)),
      error: succeeded ? null : (outcome.error ?? (code !== null ? `The receiver answered HTTP ${code}.` : null)),
      response: outcome.response ?? '',
      nextAttemptAt: next === null ? null : iso(next),
    });
    d.row = {
      ...d.row,
      status,
      attempts: d.row.attempts + 1,
      lastStatus: code,
      lastError: succeeded ? null : (outcome.error ?? null),
      lastDurationMs: durationMs,
      nextAttemptAt: next === null ? null : iso(next),
      updatedAt: iso(atMs),
    };
    report.sent += 1;
    if (succeeded) report.succeeded += 1;
    else report.failed += 1;
    if (gone && endpoint?.enabled) {
      endpoints.set(endpoint.id, {
        ...endpoint,
        enabled: false,
        disabledReason: GONE_REASON,
        revision: endpoint.revision + 1,
        updatedAt: iso(atMs),
        updatedBy: 'system',
      });
      report.disabled.push({ endpointId: endpoint.id, url: endpoint.url, reason: GONE_REASON });
    }
  }

  const emptyReport = (): BatchReport => ({ sent: 0, succeeded: 0, failed: 0, disabled: [] });

  function insert(endpoint: Endpoint, eventId: string, type: string, body: string, createdMs: number): Stored {
    const seq = nextSeq++;
    const stored: Stored = {
      seq,
      row: {
        id: String(seq),
        eventId,
        eventType: type,
        endpointId: endpoint.id,
        endpointUrl: endpoint.url,
        status: 'pending',
        attempts: 0,
        lastStatus: null,
        lastError: null,
        lastDurationMs: null,
        nextAttemptAt: iso(createdMs),
        createdAt: iso(createdMs),
        updatedAt: iso(createdMs),
      },
      payload: body,
      attempts: [],
      scheduleAttempts: 0,
      acknowledged: false,
    };
    bySeq.set(seq, stored);
    return stored;
  }

  const sortDeliveries = () => {
    deliveries = [...bySeq.values()].sort((a, b) => b.seq - a.seq);
  };

  const envelope = (id: string, type: string, atMs: number, data: string) =>
    `{"id":${JSON.stringify(id)},"event":${JSON.stringify(type)},"timestamp":${JSON.stringify(
      iso(Math.round(atMs / 1000) * 1000).replace('.000Z', 'Z'),
    )},"data":${data.trim()}}`;

  /** The preview's worker: attempts what is queued a moment later, as the app's would. */
  function scheduleWorker() {
    if (!workerDelayMs || workerTimer !== null) return;
    workerTimer = setTimeout(() => {
      workerTimer = null;
      controls.deliverPending();
    }, workerDelayMs);
  }

  // The seed: endpoints as stored, deliveries replayed through the same rules as live ones.
  for (const { endpoint, outcome } of seed?.endpoints ?? []) {
    endpoints.set(endpoint.id, structuredClone(endpoint));
    if (outcome) outcomes.set(endpoint.id, outcome);
  }
  const seeded = [...(seed?.deliveries ?? [])].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  for (const s of seeded) {
    const endpoint = endpoints.get(s.endpointId);
    if (!endpoint) continue;
    const created = Date.parse(s.createdAt);
    const eventId = randomId('evt');
    const body = envelope(eventId, s.type, created, JSON.stringify(s.data ?? {}));
    events.set(eventId, { type: s.type, body });
    const d = insert(endpoint, eventId, s.type, body, created);
    for (const a of s.attempts ?? []) attempt(d, a.outcome, Date.parse(a.at), emptyReport());
    d.acknowledged = Boolean(s.acknowledged);
  }
  sortDeliveries();

  const commands: WebhookCommands = {
    async listEventTypes() {
      return answer([...MOCK_EVENT_TYPES]);
    },

    async listEventCatalogue() {
      return answer(structuredClone(domain.eventCatalogue));
    },

    async listEndpoints() {
      return answer(ok([...endpoints.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))));
    },

    async createEndpoint(draft: EndpointDraft) {
      const scheme = draft.scheme ?? 'standard_webhooks';
      const checked = check({
        url: draft.url,
        description: draft.description ?? '',
        eventTypes: draft.eventTypes ?? [],
        headers: draft.headers ?? {},
        timeoutSecs: draft.timeoutSecs ?? DEFAULT_TIMEOUT_SECS,
        allowHttp: draft.allowHttp ?? false,
        allowPrivate: draft.allowPrivate ?? false,
      });
      if ('field' in checked) return answer(fail('validation', checked.message, checked.field));
      const given = draft.secret?.trim();
      if (given) {
        const problem = secretProblem(given, scheme);
        if (problem) return answer(fail('validation', problem, 'secret'));
      }
      // Strictly increasing, so endpoints created in the same millisecond keep their order.
      lastCreated = Math.max(Date.now(), lastCreated + 1);
      const now = iso(lastCreated);
      const endpoint: Endpoint = {
        id: randomId('ep'),
        url: checked.url,
        description: checked.description,
        eventTypes: checked.eventTypes,
        scheme,
        headerNames: Object.keys(draft.headers ?? {}),
        timeoutSecs: draft.timeoutSecs ?? DEFAULT_TIMEOUT_SECS,
        allowHttp: draft.allowHttp ?? false,
        allowPrivate: draft.allowPrivate ?? false,
        enabled: true,
        disabledReason: null,
        previousSecretValidUntil: null,
        revision: 1,
        createdAt: now,
        createdBy: actor(),
        updatedAt: now,
        updatedBy: actor(),
      };
      endpoints.set(endpoint.id, endpoint);
      return answer(ok({ endpoint, secret: given || newSecret() }));
    },

    async updateEndpoint(id: string, patch: EndpointPatch) {
      const stored = endpoints.get(id);
      if (!stored) return notFound('Endpoint', id);
      if (patch.expectedRevision != null && patch.expectedRevision !== stored.revision) {
        return answer(fail('conflict', `This endpoint was changed by ${stored.updatedBy} after you opened it. Reload to see that change.`));
      }
      const allowHttp = patch.allowHttp ?? stored.allowHttp;
      const allowPrivate = patch.allowPrivate ?? stored.allowPrivate;
      const checked = check({
        url: patch.url ?? stored.url,
        description: patch.description ?? stored.description,
        eventTypes: patch.eventTypes ?? stored.eventTypes,
        // Stored header values are not known here; their names are all the checks need.
        headers: patch.headers ?? Object.fromEntries(stored.headerNames.map((n) => [n, 'x'])),
        timeoutSecs: patch.timeoutSecs ?? stored.timeoutSecs,
        allowHttp,
        allowPrivate,
      });
      if ('field' in checked) return answer(fail('validation', checked.message, checked.field));
      const updated: Endpoint = {
        ...stored,
        url: checked.url,
        description: checked.description,
        eventTypes: checked.eventTypes,
        scheme: patch.scheme ?? stored.scheme,
        headerNames: patch.headers ? Object.keys(patch.headers) : stored.headerNames,
        timeoutSecs: patch.timeoutSecs ?? stored.timeoutSecs,
        allowHttp,
        allowPrivate,
        revision: stored.revision + 1,
        updatedAt: iso(Date.now()),
        updatedBy: actor(),
      };
      endpoints.set(id, updated);
      for (const d of deliveries) if (d.row.endpointId === id) d.row = { ...d.row, endpointUrl: updated.url };
      return answer(ok(updated));
    },

    async setEndpointEnabled(id: string, enabled: boolean) {
      const stored = endpoints.get(id);
      if (!stored) return notFound('Endpoint', id);
      const updated: Endpoint =
        stored.enabled === enabled
          ? stored
          : { ...stored, enabled, disabledReason: null, revision: stored.revision + 1, updatedAt: iso(Date.now()), updatedBy: actor() };
      endpoints.set(id, updated);
      return answer(ok(updated));
    },

    async deleteEndpoint(id: string) {
      if (!endpoints.delete(id)) return notFound('Endpoint', id);
      // As core's ON DELETE CASCADE: its deliveries go with it.
      for (const d of deliveries) if (d.row.endpointId === id) bySeq.delete(d.seq);
      sortDeliveries();
      return answer(ok(null));
    },

    async rotateEndpointSecret(id: string) {
      const stored = endpoints.get(id);
      if (!stored) return notFound('Endpoint', id);
      const now = Date.now();
      endpoints.set(id, {
        ...stored,
        previousSecretValidUntil: iso(now + ROTATION_GRACE_MS),
        revision: stored.revision + 1,
        updatedAt: iso(now),
        updatedBy: actor(),
      });
      return answer(ok(newSecret()));
    },

    async sendEvent(request) {
      const type = request.type.trim();
      if (!isKnownType(type)) {
        return answer(fail('validation', `“${type}” is not an event type. Known types: ${MOCK_EVENT_TYPES.join(', ')}.`, 'type'));
      }
      let data: unknown;
      try {
        data = JSON.parse(request.data);
      } catch (e) {
        return answer(fail('validation', `The event data is not valid JSON: ${(e as Error).message}.`, 'data'));
      }
      const issues = checkEventData(type, data);
      if (issues.length > 0) {
        const listed = issues.map((i) => `${i.path} ${i.message}`).join('; ');
        return answer(fail('validation', `The event data does not match its type's schema: ${listed}.`, issues[0]?.path ?? 'data'));
      }
      const given = request.id?.trim();
      if (given && !/^evt_[A-Za-z0-9_-]{1,64}$/.test(given)) {
        return answer(fail('validation', 'An event id must be evt_ followed by up to 64 letters, digits, - or _.', 'id'));
      }
      const eventId = given || randomId('evt');
      if (events.has(eventId)) return answer(ok({ eventId, duplicate: true, deliveries: 0, syncJobs: 0 }));
      const now = Date.now();
      const body = envelope(eventId, type, now, request.data);
      events.set(eventId, { type, body });
      const targets = [...endpoints.values()].filter((e) => e.enabled && (e.eventTypes.includes('*') || e.eventTypes.includes(type)));
      for (const endpoint of targets) insert(endpoint, eventId, type, body, now);
      sortDeliveries();
      if (targets.length > 0) scheduleWorker();
      return answer(ok({ eventId, duplicate: false, deliveries: targets.length, syncJobs: 0 }));
    },

    async listDeliveries(filter: DeliveryFilter, cursor: string | null, limit: number) {
      const from = filter.from?.trim() ? parseTime(filter.from) : null;
      if (filter.from?.trim() && from === null) return answer(fail('validation', 'Use a date and time like 2026-11-23T09:00:00Z.', 'from'));
      const to = filter.to?.trim() ? parseTime(filter.to) : null;
      if (filter.to?.trim() && to === null) return answer(fail('validation', 'Use a date and time like 2026-11-23T09:00:00Z.', 'to'));
      let before = Number.POSITIVE_INFINITY;
      if (cursor) {
        before = Number(cursor);
        if (!Number.isInteger(before)) return answer(fail('validation', 'Not a delivery id.', 'cursor'));
      }
      const size = Math.min(Math.max(limit, 1), MAX_PAGE);
      const rows: DeliveryRow[] = [];
      for (const d of deliveries) {
        if (d.seq >= before) continue;
        if (!matches(d.row, filter, from, to)) continue;
        rows.push(d.row);
        if (rows.length === size) break;
      }
      // As core: a full page always carries a cursor (the next page may be empty).
      const nextCursor = rows.length === size ? (rows[rows.length - 1]?.id ?? null) : null;
      return answer(ok({ rows, nextCursor }));
    },

    async getDelivery(id: string) {
      const found = bySeq.get(Number(id));
      if (!found) return notFound('Delivery', id);
      return answer(ok({ delivery: found.row, payload: found.payload, attempts: found.attempts }));
    },

    async resendDeliveries(ids: string[], filter: DeliveryFilter | null) {
      const from = filter?.from?.trim() ? parseTime(filter.from) : null;
      const to = filter?.to?.trim() ? parseTime(filter.to) : null;
      const chosen = new Set<Stored>();
      for (const id of ids) {
        const d = bySeq.get(Number(id));
        if (d) chosen.add(d);
      }
      if (filter) for (const d of deliveries) if (matches(d.row, filter, from, to)) chosen.add(d);
      const now = iso(Date.now());
      let count = 0;
      for (const d of chosen) {
        if (d.row.status !== 'retrying' && d.row.status !== 'dead') continue;
        d.row = { ...d.row, status: 'pending', nextAttemptAt: now, updatedAt: now };
        d.scheduleAttempts = 0;
        count += 1;
      }
      if (count > 0) scheduleWorker();
      return answer(ok(count));
    },

    // Core's rules (crates/core/src/webhooks/health.rs).
    async endpointStatuses() {
      const since = Date.now() - DAY_MS;
      const statuses = [...endpoints.values()]
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
        .map((e): EndpointStatus => {
          const mine = deliveries.filter((d) => d.row.endpointId === e.id);
          const count = (status: DeliveryStatus) => mine.filter((d) => d.row.status === status).length;
          const dead = mine.filter((d) => d.row.status === 'dead' && !d.acknowledged).length;
          const [pending, retrying] = [count('pending'), count('retrying')];
          const recent = mine.flatMap((d) => d.attempts).filter((a) => Date.parse(a.at) >= since);
          const succeeded = recent.filter((a) => a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300).length;
          const { level, reason, action, successRate24h } = endpointStatusFrom({
            enabled: e.enabled,
            disabledReason: e.disabledReason,
            attempts24h: recent.length,
            succeeded24h: succeeded,
            pending,
            retrying,
            dead,
          });
          return {
            endpointId: e.id,
            url: e.url,
            description: e.description,
            level,
            reason,
            action,
            successRate24h,
            attempts24h: recent.length,
            pending,
            retrying,
            dead,
          };
        });
      return answer(ok(statuses));
    },

    async acknowledgeDeadDeliveries(endpointId: string) {
      if (!endpoints.has(endpointId)) return notFound('Endpoint', endpointId);
      // Acknowledged dead deliveries stay in the log but no longer count against the endpoint.
      let n = 0;
      for (const d of deliveries) {
        if (d.row.endpointId === endpointId && d.row.status === 'dead' && !d.acknowledged) {
          d.acknowledged = true;
          n += 1;
        }
      }
      return answer(ok(n));
    },

    async exportDeliveries(filter: DeliveryFilter, format) {
      const from = filter.from?.trim() ? parseTime(filter.from) : null;
      const to = filter.to?.trim() ? parseTime(filter.to) : null;
      const rows = deliveries.filter((d) => matches(d.row, filter, from, to)).length;
      const stamp = iso(Date.now()).slice(0, 19).replaceAll(':', '').replace('T', '-');
      return answer(ok({ path: `/home/frontdesk/Downloads/switchboard-deliveries-${stamp}.${format}`, rows }));
    },
  };

  const controls: WebhookControls = {
    deliverPending(outcomeFor, options = {}) {
      const now = Date.now();
      const report = emptyReport();
      // Oldest first, as the worker claims them.
      for (const d of [...deliveries].reverse()) {
        const endpoint = endpoints.get(d.row.endpointId);
        if (!endpoint?.enabled) continue;
        const due =
          d.row.status === 'pending' ||
          (d.row.status === 'retrying' && (options.includeRetrying || Date.parse(d.row.nextAttemptAt ?? '') <= now));
        if (!due) continue;
        attempt(d, outcomeFor?.(d.row) ?? outcomes.get(d.row.endpointId) ?? MOCK_OUTCOMES.ok, now, report);
      }
      emit(report);
      return report;
    },

    markDeliveries(ids, status, outcome = MOCK_OUTCOMES.http500) {
      const report = emptyReport();
      const now = Date.now();
      for (const id of ids) {
        const d = bySeq.get(Number(id));
        if (!d) throw new Error(`markDeliveries: no delivery ${id}`);
        if (status === 'dead') d.scheduleAttempts = RETRY_SCHEDULE_MS.length;
        else d.scheduleAttempts = Math.min(d.scheduleAttempts, RETRY_SCHEDULE_MS.length - 1);
        attempt(d, outcome, now, report);
      }
      emit(report);
    },

    addDeliveries(count, template = {}) {
      const endpoint =
        (template.endpointId ? endpoints.get(template.endpointId) : [...endpoints.values()][0]) ??
        (() => {
          throw new Error('addDeliveries: add an endpoint first');
        })();
      const type = template.type ?? 'appointment.created';
      const step = template.stepMs ?? 60_000;
      const newest = template.newest ?? Date.now();
      const ids: string[] = [];
      for (let i = count - 1; i >= 0; i--) {
        const created = newest - i * step;
        const eventId = `evt_bulk${nextSeq}`;
        const body = envelope(eventId, type, created, '{}');
        events.set(eventId, { type, body });
        const d = insert(endpoint, eventId, type, body, created);
        const status = template.status ?? 'succeeded';
        if (status !== 'pending') {
          d.row = {
            ...d.row,
            status,
            attempts: 1,
            lastStatus: status === 'succeeded' ? 200 : 500,
            lastDurationMs: 90,
            nextAttemptAt: status === 'retrying' ? iso(created + 5000) : null,
          };
        }
        ids.unshift(d.row.id);
      }
      sortDeliveries();
      return ids;
    },

    setEndpointOutcome(endpointId, outcome) {
      outcomes.set(endpointId, outcome);
    },
  };

  return { commands, controls };
}

/** An endpoint as stored, for tests and the preview: a subscribed-to-everything one unless told otherwise. */
export function mockEndpoint(patch: Partial<Endpoint> = {}): Endpoint {
  return {
    id: 'ep_sample',
    url: 'https://pms.example.com/webhooks/switchboard',
    description: '',
    eventTypes: ['*'],
    scheme: 'standard_webhooks',
    headerNames: [],
    timeoutSecs: 30,
    allowHttp: false,
    allowPrivate: false,
    enabled: true,
    disabledReason: null,
    previousSecretValidUntil: null,
    revision: 1,
    createdAt: '2026-11-20T09:30:00Z',
    createdBy: 'os:manager',
    updatedAt: '2026-11-20T09:30:00Z',
    updatedBy: 'os:manager',
    ...patch,
  };
}

/**
 * What the browser preview starts with: an endpoint at every level and a log with every status.
 * - the practice-management system: all delivered (Working), two deliveries just queued;
 * - the reminder service: answering 503 at the moment, so deliveries are retrying (Check);
 * - the lab server on the clinic's network: refused connections until deliveries gave up (Not working);
 * - an old CRM that answered 410 Gone, so Switchboard disabled it (Not working);
 * - the accounting bridge, turned off by a user (Off).
 */
export function sampleWebhooks(now: number = Date.now(), extra = 0): MockWebhookSeed {
  const MIN = 60_000;
  const at = (minutesAgo: number) => iso(now - minutesAgo * MIN);
  const endpoints: MockEndpointSeed[] = [
    {
      endpoint: mockEndpoint({
        id: 'ep_sample_pms',
        url: 'https://pms.riverside-vet.example/webhooks/switchboard',
        description: 'Practice management system',
        createdAt: '2026-11-18T10:00:00Z',
        headerNames: ['Authorization'],
      }),
      outcome: MOCK_OUTCOMES.ok,
    },
    {
      endpoint: mockEndpoint({
        id: 'ep_sample_reminders',
        url: 'https://hooks.remindly.example.com/clinic/4412',
        description: 'Appointment reminder service',
        eventTypes: ['appointment.cancelled', 'appointment.created', 'appointment.updated'],
        createdAt: '2026-11-18T10:05:00Z',
        timeoutSecs: 15,
      }),
      outcome: MOCK_OUTCOMES.http503,
    },
    {
      endpoint: mockEndpoint({
        id: 'ep_sample_lab',
        url: 'http://192.168.1.20:8080/switchboard',
        description: 'Lab server in the back office',
        eventTypes: ['record.finalized', 'test.ping'],
        scheme: 'hmac_sha256_hex',
        allowHttp: true,
        allowPrivate: true,
        createdAt: '2026-11-18T10:10:00Z',
        previousSecretValidUntil: iso(now + 20 * 60 * MIN),
      }),
      outcome: MOCK_OUTCOMES.connect,
    },
    {
      endpoint: mockEndpoint({
        id: 'ep_sample_crm',
        url: 'https://old-crm.example.net/api/webhook',
        description: 'Old CRM (replaced in October)',
        eventTypes: ['patient.created', 'patient.updated'],
        enabled: false,
        disabledReason: GONE_REASON,
        createdAt: '2026-11-18T10:15:00Z',
        updatedBy: 'system',
      }),
      outcome: MOCK_OUTCOMES.gone,
    },
    {
      endpoint: mockEndpoint({
        id: 'ep_sample_accounting',
        url: 'https://bridge.ledgerly.example.org/v1/events',
        description: 'Accounting bridge',
        eventTypes: ['invoice.created', 'invoice.paid', 'payment.completed', 'payment.failed'],
        enabled: false,
        createdAt: '2026-11-18T10:20:00Z',
      }),
    },
  ];
  const deliveries: MockDeliverySeed[] = [];
  const types = ['appointment.created', 'invoice.paid', 'patient.updated', 'payment.completed', 'appointment.updated', 'record.finalized'];
  // The practice-management system: a steady stream, every one delivered.
  for (let i = 0; i < 120; i++) {
    const minutes = 9 + i * 17;
    deliveries.push({
      endpointId: 'ep_sample_pms',
      type: types[i % types.length] ?? 'test.ping',
      data: { id: `apt_${1000 + i}`, owner_id: `own_${300 + (i % 40)}` },
      createdAt: at(minutes),
      attempts: [{ at: at(minutes - 0.01), outcome: { ...MOCK_OUTCOMES.ok, durationMs: 60 + ((i * 37) % 140) } }],
    });
  }
  deliveries.push({ endpointId: 'ep_sample_pms', type: 'appointment.created', data: { id: 'apt_2001' }, createdAt: at(0.2) });
  deliveries.push({
    endpointId: 'ep_sample_pms',
    type: 'invoice.paid',
    data: { invoice_id: 'inv_5521', amount: '84.50', currency: 'USD' },
    createdAt: at(0.5),
  });
  // The reminder service: fine until an hour ago, failing since (retrying).
  for (let i = 0; i < 30; i++) {
    const minutes = 70 + i * 45;
    deliveries.push({
      endpointId: 'ep_sample_reminders',
      type: 'appointment.created',
      data: { id: `apt_${900 + i}` },
      createdAt: at(minutes),
      attempts: [{ at: at(minutes - 0.01), outcome: { ...MOCK_OUTCOMES.ok, durationMs: 120 + i } }],
    });
  }
  for (let i = 0; i < 4; i++) {
    const minutes = 55 - i * 12;
    deliveries.push({
      endpointId: 'ep_sample_reminders',
      type: i % 2 ? 'appointment.updated' : 'appointment.created',
      data: { id: `apt_${1950 + i}`, start_at: '2026-12-01T15:30:00Z' },
      createdAt: at(minutes),
      attempts: [
        { at: at(minutes - 0.01), outcome: MOCK_OUTCOMES.http503 },
        { at: at(minutes - 0.1), outcome: MOCK_OUTCOMES.timeout },
        ...(i < 2 ? [{ at: at(minutes - 5.2), outcome: MOCK_OUTCOMES.http503 }] : []),
      ],
    });
  }
  // The lab server: refused connections for over a day; two deliveries gave up.
  for (let i = 0; i < 2; i++) {
    const minutes = 30 * 60 + i * 90;
    const schedule = [0, 0.1, 5.1, 35.1, 155.1, 455.1, 1055.1, 1655.1];
    deliveries.push({
      endpointId: 'ep_sample_lab',
      type: 'record.finalized',
      data: { id: `rec_${77 + i}`, patient_id: 'pat_311', kind: 'bloodwork' },
      createdAt: at(minutes),
      attempts: schedule.map((offset, n) => ({
        at: at(minutes - offset - 0.01),
        outcome: n === 3 ? MOCK_OUTCOMES.timeout : n === 5 ? MOCK_OUTCOMES.dns : MOCK_OUTCOMES.connect,
      })),
    });
  }
  // The old CRM: a redirect and a TLS problem last week, then 410 Gone.
  deliveries.push({
    endpointId: 'ep_sample_crm',
    type: 'patient.created',
    data: { id: 'pat_420' },
    createdAt: at(3 * 24 * 60),
    attempts: [
      { at: at(3 * 24 * 60 - 0.01), outcome: MOCK_OUTCOMES.redirect },
      { at: at(3 * 24 * 60 - 0.1), outcome: MOCK_OUTCOMES.tls },
      { at: at(3 * 24 * 60 - 5.1), outcome: MOCK_OUTCOMES.gone },
    ],
    acknowledged: true,
  });
  // The accounting bridge before it was turned off: one blocked attempt, then delivered.
  deliveries.push({
    endpointId: 'ep_sample_accounting',
    type: 'invoice.created',
    data: { id: 'inv_5400', currency: 'USD', total: '120.00' },
    createdAt: at(2 * 24 * 60),
    attempts: [
      { at: at(2 * 24 * 60 - 0.01), outcome: MOCK_OUTCOMES.blocked },
      { at: at(2 * 24 * 60 - 0.1), outcome: MOCK_OUTCOMES.ok },
    ],
  });
  // `?many`: thousands more, to see the log stay quick.
  for (let i = 0; i < extra; i++) {
    const minutes = 3 * 24 * 60 + 5 + i * 2;
    deliveries.push({
      endpointId: 'ep_sample_pms',
      type: types[i % types.length] ?? 'test.ping',
      data: { n: i },
      createdAt: at(minutes),
      attempts: [{ at: at(minutes - 0.01), outcome: MOCK_OUTCOMES.ok }],
    });
  }
  return { endpoints, deliveries };
}
