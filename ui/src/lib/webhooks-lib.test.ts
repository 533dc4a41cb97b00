import { afterEach, describe, expect, it, vi } from 'vitest';
import { domain } from '../backend/domain';
import { createMockBackend } from '../backend/mock';
import { checkEventData } from '../backend/mock-events';
import { mockEndpoint } from '../backend/mock-webhooks';
import { listenToDeliveries } from './deliveries-changed';
import { filterFromItem, fromLocalInput, itemFromFilter, NO_FILTER, toDeliveryFilter, toLocalInput } from './delivery-filter';
import { blankEndpointForm, formFromEndpoint, headerRow, localIssues, patchChangesSomething, toEndpointDraft, toEndpointPatch } from './endpoint-form';
import { sampleData } from './event-samples';
import { attemptOutcome, formatRate, lastCodeText, subscriptionText } from './webhook-text';
import { visibleRange } from './windowing';

describe('visibleRange', () => {
  it('covers the rows in view plus the overscan, clamped to the list', () => {
    expect(visibleRange(0, 520, 52, 10_000, 8)).toEqual({ start: 0, end: 19 });
    expect(visibleRange(52 * 5000, 520, 52, 10_000, 8)).toEqual({ start: 4992, end: 5019 });
    expect(visibleRange(52 * 9999, 520, 52, 10_000, 8)).toEqual({ start: 9991, end: 10_000 });
    expect(visibleRange(99_999_999, 520, 52, 3, 8)).toEqual({ start: 0, end: 3 });
    expect(visibleRange(0, 520, 52, 0)).toEqual({ start: 0, end: 0 });
  });
});

describe('the delivery filter in the route', () => {
  it('round-trips, ignoring what is not a filter', () => {
    const values = { ...NO_FILTER, endpointId: 'ep_1', status: 'dead' as const, eventId: 'evt_x', from: '2026-11-20T09:00:00Z' };
    const item = itemFromFilter(values);
    expect(item).toBe('endpoint=ep_1&status=dead&from=2026-11-20T09%3A00%3A00Z&event=evt_x');
    expect(filterFromItem(item)).toEqual(values);
    expect(filterFromItem('status=sending&nonsense=1')).toEqual(NO_FILTER);
    expect(itemFromFilter(NO_FILTER)).toBeNull();
    expect(toDeliveryFilter({ ...values, eventId: '  ' })).toEqual({ endpointId: 'ep_1', status: 'dead', from: '2026-11-20T09:00:00Z' });
  });

  it('turns the date inputs’ local time into RFC 3339 and back', () => {
    const iso = fromLocalInput('2026-11-20T09:05');
    expect(iso).toMatch(/Z$/);
    expect(new Date(iso).getHours()).toBe(9);
    expect(toLocalInput(iso)).toBe('2026-11-20T09:05');
    expect(fromLocalInput('')).toBe('');
    expect(fromLocalInput('not a date')).toBe('');
  });
});

describe('the endpoint form', () => {
  it('drafts every field, with ["*"] for all events', () => {
    const form = { ...blankEndpointForm(), url: ' https://a.example/h ', headers: [headerRow('X-Clinic', 'riverside'), headerRow()] };
    expect(toEndpointDraft(form)).toEqual({
      url: 'https://a.example/h',
      description: '',
      eventTypes: ['*'],
      scheme: 'standard_webhooks',
      headers: { 'X-Clinic': 'riverside' },
      timeoutSecs: 30,
      allowHttp: false,
      allowPrivate: false,
    });
    expect(toEndpointDraft({ ...form, ownSecret: true, secret: ' whsec_abc ' }).secret).toBe('whsec_abc');
  });

  it('patches only what changed and leaves stored headers alone unless replaced', () => {
    const stored = mockEndpoint({ eventTypes: ['invoice.paid', 'appointment.created'], headerNames: ['Authorization'], revision: 7 });
    const form = formFromEndpoint(stored);
    expect(form.eventTypes).toEqual(['invoice.paid', 'appointment.created']);
    expect(patchChangesSomething(toEndpointPatch(stored, form))).toBe(false);
    expect(toEndpointPatch(stored, { ...form, eventTypes: ['appointment.created', 'invoice.paid'] })).toEqual({ expectedRevision: 7 });
    expect(toEndpointPatch(stored, { ...form, allEvents: true, timeoutSecs: 10 })).toEqual({ expectedRevision: 7, eventTypes: ['*'], timeoutSecs: 10 });
    expect(toEndpointPatch(stored, { ...form, replaceHeaders: true, headers: [] })).toEqual({ expectedRevision: 7, headers: {} });
  });

  it('catches what core cannot see', () => {
    const base = blankEndpointForm();
    expect(localIssues(base)).toEqual({});
    expect(localIssues({ ...base, allEvents: false })).toEqual({ event_types: 'Choose at least one event, or All events.' });
    expect(localIssues({ ...base, headers: [headerRow('', 'v')] }).headers).toBe('Every custom header needs a name.');
    expect(localIssues({ ...base, headers: [headerRow('A', '1'), headerRow('a', '2')] }).headers).toBe('The header “a” is listed twice.');
    expect(localIssues({ ...base, timeoutSecs: null }).timeout_secs).toMatch(/whole number/);
    expect(localIssues({ ...base, ownSecret: true }).secret).toMatch(/Paste the secret/);
  });
});

describe('webhook words', () => {
  it('name each attempt’s outcome', () => {
    expect(attemptOutcome({ statusCode: 200, errorClass: null })).toBe('HTTP 200');
    expect(attemptOutcome({ statusCode: 503, errorClass: 'http' })).toBe('HTTP 503');
    expect(attemptOutcome({ statusCode: null, errorClass: 'dns' })).toBe('DNS lookup failed');
    expect(attemptOutcome({ statusCode: null, errorClass: 'connect' })).toBe('Connection refused');
    expect(attemptOutcome({ statusCode: null, errorClass: 'reset' })).toBe('Connection cut by the receiver');
    expect(attemptOutcome({ statusCode: null, errorClass: 'tls' })).toBe('TLS certificate problem');
    expect(attemptOutcome({ statusCode: null, errorClass: 'timeout' })).toBe('Timed out');
    expect(attemptOutcome({ statusCode: null, errorClass: 'redirect' })).toBe('Redirect not followed');
    expect(attemptOutcome({ statusCode: 302, errorClass: 'redirect' })).toBe('Redirect not followed (HTTP 302)');
    expect(attemptOutcome({ statusCode: null, errorClass: 'blocked' })).toBe('Blocked: private address');
    expect(attemptOutcome({ statusCode: null, errorClass: 'something_new' })).toBe('Failed (something_new)');
  });

  it('say rates, codes and subscriptions plainly', () => {
    expect(formatRate(null)).toBe('No attempts');
    expect(formatRate(100)).toBe('100%');
    expect(formatRate(99.97)).toBe('99.9%');
    expect(formatRate(100 / 3)).toBe('33.3%');
    expect(formatRate(0)).toBe('0%');
    expect(lastCodeText({ lastStatus: null, lastError: null, attempts: 0 })).toBe('—');
    expect(lastCodeText({ lastStatus: null, lastError: 'refused', attempts: 2 })).toBe('No answer');
    expect(subscriptionText(['*'])).toBe('All events');
  });

  it('offer the catalogue example of every event type, which core would accept', () => {
    const catalogue = domain.eventCatalogue;
    for (const type of [...catalogue.map((t) => t.type), 'unknown.type']) {
      const sample: unknown = JSON.parse(sampleData(catalogue, type));
      if (type !== 'unknown.type') expect(checkEventData(type, sample), type).toEqual([]);
    }
    expect(JSON.parse(sampleData(catalogue, 'test.ping'))).not.toHaveProperty('test');
    expect(JSON.parse(sampleData(catalogue, 'payment.failed'))).toMatchObject({ amount: '84.50', test: true });
  });
});

describe('listenToDeliveries', () => {
  afterEach(() => vi.useRealTimers());

  it('refreshes at most every 500 ms however many batches arrive, with their sum', async () => {
    vi.useFakeTimers();
    const backend = createMockBackend();
    const heard = vi.fn();
    const stop = listenToDeliveries(backend, heard);
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 30; i++) {
      backend.emitDeliveriesChanged({ sent: 2, succeeded: 1, failed: 1 });
      await vi.advanceTimersByTimeAsync(40);
    }
    // 1,200 ms of batches every 40 ms: three refreshes, not thirty, and none waits for a lull.
    expect(heard).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(500);
    expect(heard).toHaveBeenCalledTimes(3);
    const total = heard.mock.calls.reduce((sum, [report]) => sum + (report as { sent: number }).sent, 0);
    expect(total).toBe(60);
    stop();
    backend.emitDeliveriesChanged({ sent: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(heard).toHaveBeenCalledTimes(3);
  });

  it('stops even when stopped before listening had started', async () => {
    const backend = createMockBackend();
    const heard = vi.fn();
    const stop = listenToDeliveries(backend, heard, 0);
    stop();
    await new Promise((resolve) => setTimeout(resolve, 10));
    backend.emitDeliveriesChanged();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(heard).not.toHaveBeenCalled();
  });
});
