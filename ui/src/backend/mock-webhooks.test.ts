import { describe, expect, it } from 'vitest';
import type { DeliveriesChanged } from './types';
import { createMockBackend } from './mock';
import { GONE_REASON, MOCK_OUTCOMES, mockEndpoint, sampleWebhooks } from './mock-webhooks';

async function created(backend: ReturnType<typeof createMockBackend>, url: string, more = {}) {
  const result = await backend.createEndpoint({ url, ...more });
  if (result.status !== 'ok') throw new Error(result.error.message);
  return result.data.endpoint;
}

describe('the mock backend’s webhooks', () => {
  it('refuses plain http and private addresses unless allowed, and returns a new endpoint’s secret once', async () => {
    const backend = createMockBackend();
    expect(await backend.createEndpoint({ url: 'http://lab.example/hooks' })).toMatchObject({
      status: 'error',
      error: { code: 'validation', field: 'url', message: expect.stringContaining('allow plain HTTP') },
    });
    expect(await backend.createEndpoint({ url: 'https://192.168.1.20/hooks' })).toMatchObject({
      status: 'error',
      error: { field: 'url', message: '192.168.1.20 is a private or local address. Allow private/LAN addresses for this endpoint to send there.' },
    });
    expect(await backend.createEndpoint({ url: 'https://localhost:9000/' })).toMatchObject({ error: { field: 'url' } });
    expect(await backend.createEndpoint({ url: 'https://user:pw@a.example/' })).toMatchObject({ error: { field: 'url' } });
    expect(await backend.createEndpoint({ url: '' })).toMatchObject({ error: { field: 'url', message: 'URL is required.' } });
    expect(await backend.createEndpoint({ url: 'https://a.example/', timeoutSecs: 90 })).toMatchObject({ error: { field: 'timeout_secs' } });
    expect(await backend.createEndpoint({ url: 'https://a.example/', headers: { 'webhook-id': 'x' } })).toMatchObject({ error: { field: 'headers' } });
    expect(await backend.createEndpoint({ url: 'https://a.example/', eventTypes: ['nope'] })).toMatchObject({ error: { field: 'event_types' } });
    expect(await backend.createEndpoint({ url: 'https://a.example/', secret: 'short' })).toMatchObject({ error: { field: 'secret' } });

    const ok = await backend.createEndpoint({ url: 'http://192.168.1.20/hooks', allowHttp: true, allowPrivate: true, headers: { Authorization: 'Bearer s3cret' } });
    expect(ok.status === 'ok' && ok.data.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(ok.status === 'ok' && ok.data.endpoint).toMatchObject({ eventTypes: ['*'], headerNames: ['Authorization'] });
    const list = JSON.stringify(await backend.listEndpoints());
    expect(list).not.toContain('whsec_');
    expect(list).not.toContain('s3cret');
  });

  it('queues one delivery per subscribed, enabled endpoint and lists them newest first', async () => {
    const backend = createMockBackend();
    const all = await created(backend, 'https://a.example/hooks');
    await created(backend, 'https://b.example/hooks', { eventTypes: ['invoice.paid'] });
    const sent = await backend.sendEvent({ type: 'test.ping', data: '{"hello":"world"}' });
    expect(sent.status === 'ok' && sent.data.deliveries).toBe(1);
    expect(await backend.sendEvent({ type: 'nope', data: '{}' })).toMatchObject({ status: 'error', error: { field: 'type' } });
    expect(await backend.sendEvent({ type: 'test.ping', data: '{' })).toMatchObject({ status: 'error', error: { field: 'data' } });
    await backend.sendEvent({ type: 'invoice.paid', data: '{}' });

    const page = await backend.listDeliveries({}, null, 10);
    expect(page.status === 'ok' && page.data.rows.map((r) => r.eventType)).toEqual(['invoice.paid', 'invoice.paid', 'test.ping']);
    const mine = await backend.listDeliveries({ endpointId: all.id }, null, 1);
    expect(mine.status === 'ok' && [mine.data.rows.length, mine.data.nextCursor !== null]).toEqual([1, true]);

    const detail = await backend.getDelivery(page.status === 'ok' ? (page.data.rows[2]?.id ?? '') : '');
    expect(detail.status === 'ok' && JSON.parse(detail.data.payload)).toMatchObject({ event: 'test.ping', data: { hello: 'world' } });
  });

  it('pages by keyset: each page continues after the cursor, as core’s', async () => {
    const backend = createMockBackend();
    await created(backend, 'https://a.example/hooks');
    const ids = backend.addDeliveries(250);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let n = 0; n < 5; n++) {
      const page = await backend.listDeliveries({}, cursor, 100);
      if (page.status !== 'ok') throw new Error('page');
      seen.push(...page.data.rows.map((r) => r.id));
      cursor = page.data.nextCursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual(ids);
    expect(cursor).toBeNull();
    expect(await backend.listDeliveries({ from: 'yesterday' }, null, 10)).toMatchObject({ error: { field: 'from' } });
  });

  it('plays the worker: attempts are logged, failures retried by core’s schedule, 410 disables the endpoint', async () => {
    const backend = createMockBackend();
    const heard: DeliveriesChanged[] = [];
    await backend.onDeliveriesChanged((p) => heard.push(p));
    const a = await created(backend, 'https://a.example/hooks');
    const b = await created(backend, 'https://b.example/hooks');
    await backend.sendEvent({ type: 'test.ping', data: '{}' });

    const report = backend.deliverPending((row) => (row.endpointId === a.id ? MOCK_OUTCOMES.dns : MOCK_OUTCOMES.gone));
    expect(report).toEqual({ sent: 2, succeeded: 0, failed: 2, disabled: [{ endpointId: b.id, url: b.url, reason: GONE_REASON }] });
    expect(heard).toHaveLength(1);

    const page = await backend.listDeliveries({}, null, 10);
    const rows = page.status === 'ok' ? page.data.rows : [];
    expect(rows.map((r) => [r.endpointId, r.status])).toEqual(
      expect.arrayContaining([
        [a.id, 'retrying'],
        [b.id, 'dead'],
      ]),
    );
    const retrying = rows.find((r) => r.endpointId === a.id);
    const detail = await backend.getDelivery(retrying?.id ?? '');
    expect(detail.status === 'ok' && detail.data.attempts).toEqual([
      expect.objectContaining({ attempt: 1, errorClass: 'dns', statusCode: null, nextAttemptAt: expect.any(String) }),
    ]);
    expect(detail.status === 'ok' && JSON.parse(detail.data.attempts[0]?.requestHeaders ?? '{}')).toMatchObject({
      'webhook-signature': '<redacted>',
    });

    const statuses = await backend.endpointStatuses();
    expect(statuses.status === 'ok' && statuses.data.map((s) => [s.level, s.reason])).toEqual([
      ['yellow', '1 delivery failed and will be retried.'],
      ['red', `Disabled by Switchboard: ${GONE_REASON}`],
    ]);

    backend.markDeliveries([retrying?.id ?? ''], 'dead');
    const after = await backend.endpointStatuses();
    expect(after.status === 'ok' && after.data[0]).toMatchObject({ level: 'red', dead: 1, successRate24h: 0, attempts24h: 2 });
    expect(await backend.acknowledgeDeadDeliveries(a.id)).toEqual({ status: 'ok', data: 1 });
    expect(await backend.resendDeliveries([], { endpointId: a.id })).toEqual({ status: 'ok', data: 1 });
    backend.deliverPending();
    const healed = await backend.endpointStatuses();
    expect(healed.status === 'ok' && healed.data[0]).toMatchObject({ level: 'yellow', successRate24h: 100 / 3, pending: 0 });
  });

  it('gives each endpoint a status by core’s rules', async () => {
    const backend = createMockBackend();
    const on = await created(backend, 'https://a.example/hooks', { description: 'PMS' });
    const off = await created(backend, 'https://b.example/hooks');
    await backend.setEndpointEnabled(off.id, false);
    await backend.sendEvent({ type: 'test.ping', data: '{}' });
    const statuses = await backend.endpointStatuses();
    expect(statuses.status === 'ok' && statuses.data.map((s) => [s.url, s.level, s.reason, s.pending])).toEqual([
      ['https://a.example/hooks', 'green', 'No deliveries in the last 24 hours.', 1],
      ['https://b.example/hooks', 'off', 'Turned off by a user.', 0],
    ]);
    expect(await backend.acknowledgeDeadDeliveries(on.id)).toEqual({ status: 'ok', data: 0 });
  });

  it('starts the preview with an endpoint at every level and a log with every status', async () => {
    const backend = createMockBackend({}, { webhooks: sampleWebhooks() });
    const statuses = await backend.endpointStatuses();
    expect(statuses.status === 'ok' && statuses.data.map((s) => s.level)).toEqual(['green', 'yellow', 'red', 'red', 'off']);
    const page = await backend.listDeliveries({}, null, 500);
    const found = new Set(page.status === 'ok' ? page.data.rows.map((r) => r.status) : []);
    expect([...found].sort()).toEqual(['dead', 'pending', 'retrying', 'succeeded']);
    const endpoint = mockEndpoint();
    expect(endpoint.eventTypes).toEqual(['*']);
  });
});
