// The mock's webhook commands: endpoints, "Send test event" and the delivery log, in memory.
// A small stand-in for core's (crates/core/src/webhooks), enough for the browser preview and for
// tests; core is the authority on every rule. Nothing is sent anywhere: a sent event's deliveries
// stay pending.
import type {
  AppError,
  Commands,
  DeliveryFilter,
  DeliveryRow,
  Endpoint,
  EndpointDraft,
  EndpointPatch,
  EndpointStatus,
  ErrorCode,
  Level,
  Result,
} from './types';

/** Core's event catalogue (crates/core/src/webhooks/mod.rs). */
export const MOCK_EVENT_TYPES = [
  'appointment.created',
  'appointment.updated',
  'appointment.cancelled',
  'appointment.completed',
  'patient.created',
  'patient.updated',
  'record.finalized',
  'invoice.created',
  'invoice.paid',
  'payment.completed',
  'payment.failed',
  'call.completed',
  'emergency.detected',
  'test.ping',
] as const;

type WebhookCommands = Pick<
  Commands,
  | 'listEventTypes'
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

interface Helpers {
  actor: string;
  /** The mock's delay and copy: what every answer goes through. */
  answer: <T>(value: T) => Promise<T>;
}

const ok = <T>(data: T): Result<T, AppError> => ({ status: 'ok', data });
const fail = (code: ErrorCode, message: string, field: string | null = null): Result<never, AppError> => ({
  status: 'error',
  error: { code, message, field },
});

function newSecret(): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

function randomId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`;
}

/** Core's URL rule, in short: https, or http when allowed. */
function urlProblem(url: string, allowHttp: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return 'URL is not valid; it must look like https://example.com/webhooks.';
  }
  if (parsed.protocol === 'https:') return null;
  if (parsed.protocol === 'http:') {
    return allowHttp
      ? null
      : "URL must use https://. To send to a server on the clinic's own network over plain http, allow plain HTTP for this endpoint.";
  }
  return 'URL must start with https:// (or http:// when allowed).';
}

function matches(row: DeliveryRow, filter: DeliveryFilter | null): boolean {
  if (!filter) return true;
  if (filter.endpointId && row.endpointId !== filter.endpointId) return false;
  if (filter.eventType && row.eventType !== filter.eventType) return false;
  if (filter.status && row.status !== filter.status) return false;
  if (filter.eventId && row.eventId !== filter.eventId) return false;
  if (filter.from && row.createdAt < filter.from) return false;
  if (filter.to && row.createdAt >= filter.to) return false;
  return true;
}

export function createWebhookCommands({ actor, answer }: Helpers): WebhookCommands {
  const endpoints = new Map<string, Endpoint>();
  /** Newest first. */
  const deliveries: { row: DeliveryRow; payload: string }[] = [];
  const acknowledged = new Set<string>();
  const notFound = (what: string, id: string) => answer(fail('not_found', `The ${what} “${id}” was not found.`));

  return {
    async listEventTypes() {
      return answer([...MOCK_EVENT_TYPES]);
    },

    async listEndpoints() {
      return answer(ok([...endpoints.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt))));
    },

    async createEndpoint(draft: EndpointDraft) {
      const problem = urlProblem(draft.url, draft.allowHttp ?? false);
      if (problem) return answer(fail('validation', problem, 'url'));
      const unknown = (draft.eventTypes ?? []).find((t) => t !== '*' && !(MOCK_EVENT_TYPES as readonly string[]).includes(t));
      if (unknown) return answer(fail('validation', `“${unknown}” is not an event type.`, 'event_types'));
      const now = new Date().toISOString();
      const endpoint: Endpoint = {
        id: randomId('ep'),
        url: draft.url.trim(),
        description: draft.description ?? '',
        eventTypes: draft.eventTypes?.length ? draft.eventTypes : ['*'],
        scheme: draft.scheme ?? 'standard_webhooks',
        headerNames: Object.keys(draft.headers ?? {}),
        timeoutSecs: draft.timeoutSecs ?? 30,
        allowHttp: draft.allowHttp ?? false,
        allowPrivate: draft.allowPrivate ?? false,
        enabled: true,
        disabledReason: null,
        previousSecretValidUntil: null,
        revision: 1,
        createdAt: now,
        createdBy: actor,
        updatedAt: now,
        updatedBy: actor,
      };
      endpoints.set(endpoint.id, endpoint);
      return answer(ok({ endpoint, secret: draft.secret?.trim() || newSecret() }));
    },

    async updateEndpoint(id: string, patch: EndpointPatch) {
      const stored = endpoints.get(id);
      if (!stored) return notFound('endpoint', id);
      if (patch.expectedRevision != null && patch.expectedRevision !== stored.revision) {
        return answer(fail('conflict', `This endpoint was changed by ${stored.updatedBy} after you opened it. Reload to see that change.`));
      }
      const allowHttp = patch.allowHttp ?? stored.allowHttp;
      const url = patch.url ?? stored.url;
      const problem = urlProblem(url, allowHttp);
      if (problem) return answer(fail('validation', problem, 'url'));
      const updated: Endpoint = {
        ...stored,
        url: url.trim(),
        description: patch.description ?? stored.description,
        eventTypes: patch.eventTypes ?? stored.eventTypes,
        scheme: patch.scheme ?? stored.scheme,
        headerNames: patch.headers ? Object.keys(patch.headers) : stored.headerNames,
        timeoutSecs: patch.timeoutSecs ?? stored.timeoutSecs,
        allowHttp,
        allowPrivate: patch.allowPrivate ?? stored.allowPrivate,
        revision: stored.revision + 1,
        updatedAt: new Date().toISOString(),
        updatedBy: actor,
      };
      endpoints.set(id, updated);
      return answer(ok(updated));
    },

    async setEndpointEnabled(id: string, enabled: boolean) {
      const stored = endpoints.get(id);
      if (!stored) return notFound('endpoint', id);
      const updated: Endpoint =
        stored.enabled === enabled
          ? stored
          : { ...stored, enabled, disabledReason: null, revision: stored.revision + 1, updatedAt: new Date().toISOString(), updatedBy: actor };
      endpoints.set(id, updated);
      return answer(ok(updated));
    },

    async deleteEndpoint(id: string) {
      if (!endpoints.delete(id)) return notFound('endpoint', id);
      return answer(ok(null));
    },

    async rotateEndpointSecret(id: string) {
      const stored = endpoints.get(id);
      if (!stored) return notFound('endpoint', id);
      const validUntil = new Date(Date.now() + 24 * 60 * 60 * 1000).toISOString();
      endpoints.set(id, { ...stored, previousSecretValidUntil: validUntil, revision: stored.revision + 1 });
      return answer(ok(newSecret()));
    },

    async sendEvent(request) {
      const type = request.type.trim();
      if (!(MOCK_EVENT_TYPES as readonly string[]).includes(type)) {
        return answer(fail('validation', `“${type}” is not an event type. Known types: ${MOCK_EVENT_TYPES.join(', ')}.`, 'type'));
      }
      try {
        JSON.parse(request.data);
      } catch (e) {
        return answer(fail('validation', `The event data is not valid JSON: ${(e as Error).message}.`, 'data'));
      }
      const eventId = request.id?.trim() || randomId('evt');
      if (deliveries.some((d) => d.row.eventId === eventId)) {
        return answer(ok({ eventId, duplicate: true, deliveries: 0 }));
      }
      const now = new Date().toISOString();
      const targets = [...endpoints.values()].filter(
        (e) => e.enabled && (e.eventTypes.includes('*') || e.eventTypes.includes(type)),
      );
      for (const endpoint of targets) {
        deliveries.unshift({
          row: {
            id: randomId('dlv'),
            eventId,
            eventType: type,
            endpointId: endpoint.id,
            endpointUrl: endpoint.url,
            status: 'pending',
            attempts: 0,
            lastStatus: null,
            lastError: null,
            lastDurationMs: null,
            nextAttemptAt: now,
            createdAt: now,
            updatedAt: now,
          },
          payload: JSON.stringify({ type, timestamp: now, data: JSON.parse(request.data) }),
        });
      }
      return answer(ok({ eventId, duplicate: false, deliveries: targets.length }));
    },

    async listDeliveries(filter: DeliveryFilter, cursor: string | null, limit: number) {
      const rows = deliveries.map((d) => d.row).filter((r) => matches(r, filter));
      const start = cursor === null ? 0 : Math.max(0, rows.findIndex((r) => r.id === cursor) + 1);
      const page = rows.slice(start, start + limit);
      const more = start + limit < rows.length;
      return answer(ok({ rows: page, nextCursor: more ? (page[page.length - 1]?.id ?? null) : null }));
    },

    async getDelivery(id: string) {
      const found = deliveries.find((d) => d.row.id === id);
      if (!found) return notFound('delivery', id);
      return answer(ok({ delivery: found.row, payload: found.payload, attempts: [] }));
    },

    async resendDeliveries(ids: string[], filter: DeliveryFilter | null) {
      const chosen = deliveries.filter(
        (d) => (d.row.status === 'retrying' || d.row.status === 'dead') && (ids.length > 0 ? ids.includes(d.row.id) : matches(d.row, filter)),
      );
      const now = new Date().toISOString();
      for (const d of chosen) {
        d.row = { ...d.row, status: 'pending', nextAttemptAt: now, updatedAt: now };
        acknowledged.delete(d.row.id);
      }
      return answer(ok(chosen.length));
    },

    // Core's rules (crates/core/src/webhooks/health.rs) for the counts the mock keeps; nothing is
    // attempted here, so the 24-hour rate is always "none".
    async endpointStatuses() {
      const statuses = [...endpoints.values()].map((e): EndpointStatus => {
        const mine = deliveries.filter((d) => d.row.endpointId === e.id);
        const count = (status: DeliveryRow['status']) => mine.filter((d) => d.row.status === status).length;
        const dead = mine.filter((d) => d.row.status === 'dead' && !acknowledged.has(d.row.id)).length;
        const [pending, retrying] = [count('pending') + count('sending'), count('retrying')];
        let [level, reason, action]: [Level, string, string] = ['green', 'No deliveries in the last 24 hours.', 'Nothing to do.'];
        if (!e.enabled) {
          [level, reason, action] = e.disabledReason
            ? ['red', `Disabled by Switchboard: ${e.disabledReason}`, 'Fix the receiver, then enable the endpoint again on the Webhooks page and resend what failed.']
            : ['off', 'Turned off by a user.', 'Enable it on the Webhooks page to deliver again.'];
        } else if (dead > 0) {
          [level, reason, action] = ['red', `${dead} deliveries gave up after every retry.`, 'Open the Delivery log, fix the receiver and resend them, or acknowledge them.'];
        } else if (retrying > 0) {
          [level, reason, action] = ['yellow', `${retrying} deliveries failed and will be retried.`, 'Check the receiver; Switchboard retries automatically.'];
        }
        return {
          endpointId: e.id,
          url: e.url,
          description: e.description,
          level,
          reason,
          action,
          successRate24h: null,
          attempts24h: 0,
          pending,
          retrying,
          dead,
        };
      });
      return answer(ok(statuses));
    },

    async acknowledgeDeadDeliveries(endpointId: string) {
      if (!endpoints.has(endpointId)) return notFound('endpoint', endpointId);
      // Acknowledged dead deliveries stay in the log but no longer count against the endpoint.
      const dead = deliveries.filter(
        (d) => d.row.endpointId === endpointId && d.row.status === 'dead' && !acknowledged.has(d.row.id),
      );
      for (const d of dead) acknowledged.add(d.row.id);
      return answer(ok(dead.length));
    },

    async exportDeliveries(filter: DeliveryFilter, format) {
      const rows = deliveries.filter((d) => matches(d.row, filter)).length;
      return answer(ok({ path: `~/Downloads/switchboard-deliveries.${format}`, rows }));
    },
  };
}
