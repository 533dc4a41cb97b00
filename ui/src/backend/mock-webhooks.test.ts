import { describe, expect, it } from 'vitest';
import { createMockBackend } from './mock';

describe('the mock backend’s webhooks', () => {
  it('refuses plain http unless allowed, and returns a new endpoint’s secret once', async () => {
    const backend = createMockBackend();
    expect(await backend.createEndpoint({ url: 'http://192.168.1.20/hooks' })).toMatchObject({
      status: 'error',
      error: { code: 'validation', field: 'url' },
    });
    const created = await backend.createEndpoint({ url: 'http://192.168.1.20/hooks', allowHttp: true });
    expect(created.status === 'ok' && created.data.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const list = await backend.listEndpoints();
    expect(JSON.stringify(list)).not.toContain('whsec_');
  });

  it('queues one delivery per subscribed, enabled endpoint and lists them newest first', async () => {
    const backend = createMockBackend();
    const all = await backend.createEndpoint({ url: 'https://a.example/hooks' });
    await backend.createEndpoint({ url: 'https://b.example/hooks', eventTypes: ['invoice.paid'] });
    const sent = await backend.sendEvent({ type: 'test.ping', data: '{"hello":"world"}' });
    expect(sent.status === 'ok' && sent.data.deliveries).toBe(1);
    expect(await backend.sendEvent({ type: 'nope', data: '{}' })).toMatchObject({ status: 'error', error: { field: 'type' } });
    expect(await backend.sendEvent({ type: 'test.ping', data: '{' })).toMatchObject({ status: 'error', error: { field: 'data' } });
    await backend.sendEvent({ type: 'invoice.paid', data: '{}' });

    const page = await backend.listDeliveries({}, null, 10);
    expect(page.status === 'ok' && page.data.rows.map((r) => r.eventType)).toEqual(['invoice.paid', 'invoice.paid', 'test.ping']);
    const mine = await backend.listDeliveries({ endpointId: all.status === 'ok' ? all.data.endpoint.id : '' }, null, 1);
    expect(mine.status === 'ok' && [mine.data.rows.length, mine.data.nextCursor !== null]).toEqual([1, true]);
  });

  it('gives each endpoint a status by core’s rules', async () => {
    const backend = createMockBackend();
    const on = await backend.createEndpoint({ url: 'https://a.example/hooks', description: 'PMS' });
    const off = await backend.createEndpoint({ url: 'https://b.example/hooks' });
    if (on.status !== 'ok' || off.status !== 'ok') throw new Error('not created');
    await backend.setEndpointEnabled(off.data.endpoint.id, false);
    await backend.sendEvent({ type: 'test.ping', data: '{}' });
    const statuses = await backend.endpointStatuses();
    expect(statuses.status === 'ok' && statuses.data.map((s) => [s.url, s.level, s.reason, s.pending])).toEqual([
      ['https://a.example/hooks', 'green', 'No deliveries in the last 24 hours.', 1],
      ['https://b.example/hooks', 'off', 'Turned off by a user.', 0],
    ]);
    expect(await backend.acknowledgeDeadDeliveries(on.data.endpoint.id)).toEqual({ status: 'ok', data: 0 });
  });
});
