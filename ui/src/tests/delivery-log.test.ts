import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { DeliveryRow } from '../backend';
import { createMockBackend } from '../backend/mock';
import { MOCK_OUTCOMES, mockEndpoint } from '../backend/mock-webhooks';
import DeliveryTable, { ROW_HEIGHT } from '../components/DeliveryTable.svelte';
import { fromLocalInput } from '../lib/delivery-filter';
import { renderApp } from './render-app';

const PMS = mockEndpoint({ id: 'ep_pms', url: 'https://pms.example.com/hooks', description: 'PMS' });
const LAB = mockEndpoint({ id: 'ep_lab', url: 'https://lab.example.com/hooks', description: 'Lab', createdAt: '2026-11-20T09:31:00Z' });

function backendWith(count = 0) {
  const backend = createMockBackend({}, { webhooks: { endpoints: [{ endpoint: PMS }, { endpoint: LAB }], deliveries: [] } });
  const ids = count > 0 ? backend.addDeliveries(count, { endpointId: 'ep_pms' }) : [];
  return { backend, ids };
}

function rowsShown(): HTMLElement[] {
  return screen.queryAllByTestId('delivery-row');
}

function row(id: string): HTMLElement {
  const found = rowsShown().find((r) => r.dataset.id === id);
  if (!found) throw new Error(`row ${id} is not shown`);
  return found;
}

function bulkRow(i: number): DeliveryRow {
  return {
    id: String(10_000 - i),
    eventId: `evt_${i}`,
    eventType: 'appointment.created',
    endpointId: 'ep_pms',
    endpointUrl: PMS.url,
    status: i % 5 === 0 ? 'dead' : 'succeeded',
    attempts: 1,
    lastStatus: 200,
    lastError: null,
    lastDurationMs: 80,
    nextAttemptAt: null,
    createdAt: new Date(Date.now() - i * 60_000).toISOString(),
    updatedAt: new Date(Date.now() - i * 60_000).toISOString(),
  };
}

describe('the delivery table', () => {
  it('keeps only the rows in view in the page, of 10,000 loaded', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => bulkRow(i));
    const onneedmore = vi.fn();
    render(DeliveryTable, {
      props: { rows, endpoints: [PMS], now: Date.now(), hasMore: false, loadingMore: false, moreError: null, selectedId: null, resending: {}, canResend: true, onneedmore, onopen: vi.fn(), onresend: vi.fn() },
    });
    expect(screen.getByTestId('delivery-table')).toHaveAttribute('aria-rowcount', '10001');
    const first = rowsShown();
    expect(first.length).toBeGreaterThan(5);
    expect(first.length).toBeLessThan(40);
    expect(first[0]).toHaveAttribute('data-id', '10000');

    const viewport = screen.getByTestId('delivery-viewport');
    viewport.scrollTop = 5000 * ROW_HEIGHT;
    await fireEvent.scroll(viewport);
    const middle = rowsShown();
    expect(middle.length).toBeLessThan(40);
    expect(middle.map((r) => Number(r.getAttribute('aria-rowindex')))).toContain(5002);
    expect(middle[0]).toHaveAttribute('data-id', String(10_000 - (5000 - 8)));
    expect(onneedmore).not.toHaveBeenCalled();
    expect(screen.getByTestId('delivery-table-foot')).toHaveTextContent('All 10,000 deliveries shown.');
  });
});

describe('the delivery log page', () => {
  it('asks for one page, then the next one (with its cursor) when scrolled near the end', async () => {
    const { backend, ids } = backendWith(1000);
    const list = vi.spyOn(backend, 'listDeliveries');
    renderApp({ backend, page: 'delivery-log' });
    await waitFor(() => expect(rowsShown().length).toBeGreaterThan(0));
    expect(list).toHaveBeenCalledTimes(1);
    expect(list).toHaveBeenLastCalledWith({}, null, 100);
    expect(rowsShown().length).toBeLessThan(40);
    expect(screen.getByTestId('delivery-count')).toHaveTextContent('100+ deliveries');

    const viewport = screen.getByTestId('delivery-viewport');
    viewport.scrollTop = 90 * ROW_HEIGHT;
    await fireEvent.scroll(viewport);
    await waitFor(() => expect(list).toHaveBeenCalledTimes(2));
    expect(list).toHaveBeenLastCalledWith({}, ids[99], 100);
    await waitFor(() => expect(screen.getByTestId('delivery-table')).toHaveAttribute('data-rows', '200'));
    expect(rowsShown().length).toBeLessThan(40);
  });

  it('asks core for exactly the filter chosen', async () => {
    const user = userEvent.setup();
    const { backend } = backendWith(5);
    const list = vi.spyOn(backend, 'listDeliveries');
    const { router } = renderApp({ backend, page: 'delivery-log' });
    await waitFor(() => expect(rowsShown()).toHaveLength(5));
    await waitFor(() => expect(screen.getByTestId('filter-endpoint').querySelectorAll('option')).toHaveLength(3));

    await user.selectOptions(screen.getByTestId('filter-endpoint'), 'ep_lab');
    await waitFor(() => expect(list).toHaveBeenLastCalledWith({ endpointId: 'ep_lab' }, null, 100));
    expect(await screen.findByTestId('delivery-log-no-match')).toHaveTextContent('Nothing in the log to Lab.');
    expect(router.item).toBe('endpoint=ep_lab');

    await user.selectOptions(screen.getByTestId('filter-endpoint'), 'ep_pms');
    await user.selectOptions(screen.getByTestId('filter-type'), 'appointment.created');
    await user.selectOptions(screen.getByTestId('filter-status'), 'dead');
    await waitFor(() =>
      expect(list).toHaveBeenLastCalledWith({ endpointId: 'ep_pms', eventType: 'appointment.created', status: 'dead' }, null, 100),
    );

    await fireEvent.change(screen.getByTestId('filter-from'), { target: { value: '2026-11-20T09:00' } });
    await fireEvent.change(screen.getByTestId('filter-to'), { target: { value: '2026-11-21T17:30' } });
    await waitFor(() =>
      expect(list).toHaveBeenLastCalledWith(
        {
          endpointId: 'ep_pms',
          eventType: 'appointment.created',
          status: 'dead',
          from: fromLocalInput('2026-11-20T09:00'),
          to: fromLocalInput('2026-11-21T17:30'),
        },
        null,
        100,
      ),
    );
    expect(fromLocalInput('2026-11-20T09:00')).toMatch(/^2026-11-2\dT\d\d:\d\d:00Z$/);

    await user.click(screen.getByTestId('clear-filters'));
    await waitFor(() => expect(list).toHaveBeenLastCalledWith({}, null, 100));
    await user.type(screen.getByTestId('filter-event-id'), 'evt_bulk3');
    await waitFor(() => expect(list).toHaveBeenLastCalledWith({ eventId: 'evt_bulk3' }, null, 100));
    await waitFor(() => expect(rowsShown()).toHaveLength(1));
    expect(rowsShown()[0]).toHaveAttribute('data-event-id', 'evt_bulk3');
  });

  it('opens filtered when linked to (the dashboard’s “deliveries of this endpoint”)', async () => {
    const { backend } = backendWith(3);
    const list = vi.spyOn(backend, 'listDeliveries');
    renderApp({ backend, route: { page: 'delivery-log', item: 'endpoint=ep_pms&status=succeeded' } });
    await waitFor(() => expect(rowsShown()).toHaveLength(3));
    expect(list).toHaveBeenCalledWith({ endpointId: 'ep_pms', status: 'succeeded' }, null, 100);
    expect(screen.getByTestId('filter-status')).toHaveValue('succeeded');
  });

  it('shows a delivery’s payload and every attempt, with what failed in words', async () => {
    const user = userEvent.setup();
    const { backend } = backendWith();
    await backend.sendEvent({ type: 'invoice.paid', data: '{"invoice_id":"inv_1","amount":"84.50"}' });
    const failures = [MOCK_OUTCOMES.dns, MOCK_OUTCOMES.connect, MOCK_OUTCOMES.tls, MOCK_OUTCOMES.timeout, MOCK_OUTCOMES.redirect, MOCK_OUTCOMES.blocked, MOCK_OUTCOMES.http500];
    for (const outcome of failures) backend.deliverPending(() => outcome, { includeRetrying: true });
    renderApp({ backend, route: { page: 'delivery-log', item: 'endpoint=ep_pms' } });
    await waitFor(() => expect(rowsShown()).toHaveLength(1));
    const r = rowsShown()[0] as HTMLElement;
    expect(r).toHaveAttribute('data-status', 'retrying');
    expect(within(r).getByTestId('delivery-status')).toHaveTextContent('Failed, will retry');
    expect(within(r).getByTestId('delivery-last-code')).toHaveTextContent('500');

    await user.click(r);
    const detail = await screen.findByTestId('delivery-detail');
    await waitFor(() => expect(within(detail).getAllByTestId('attempt-row')).toHaveLength(7));
    expect(within(detail).getAllByTestId('attempt-outcome').map((o) => o.textContent?.trim())).toEqual([
      'HTTP 500',
      'Blocked: private address',
      'Redirect not followed (HTTP 301)',
      'Timed out',
      'TLS certificate problem',
      'Connection refused',
      'DNS lookup failed',
    ]);
    const [latest] = within(detail).getAllByTestId('attempt-row');
    expect(within(latest as HTMLElement).getByTestId('attempt-error')).toHaveTextContent('The receiver answered HTTP 500.');
    expect(within(latest as HTMLElement).getByTestId('attempt-next')).toHaveTextContent('Next try:');
    expect(within(latest as HTMLElement).getByTestId('attempt-response')).toHaveTextContent('{"error":"internal server error"}');
    expect(within(latest as HTMLElement).getByTestId('attempt-headers')).toHaveTextContent('webhook-signature<redacted>');
    expect(within(latest as HTMLElement).getByTestId('attempt-duration')).toHaveTextContent('212 ms');

    const payload = within(detail).getByTestId('delivery-payload');
    expect(payload.textContent).toContain('"invoice_id": "inv_1"');
    await user.click(within(detail).getByTestId('payload-exact'));
    expect(payload.textContent).toMatch(/^\{"id":"evt_[0-9a-f]+","event":"invoice.paid","timestamp":"[^"]+","data":\{"invoice_id":"inv_1","amount":"84.50"\}\}$/);

    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('delivery-detail')).not.toBeInTheDocument();
  });

  it('resends one failed delivery from its row or its detail', async () => {
    const user = userEvent.setup();
    const { backend, ids } = backendWith(3);
    backend.markDeliveries([ids[0] ?? '', ids[1] ?? ''], 'dead', MOCK_OUTCOMES.connect);
    const resend = vi.spyOn(backend, 'resendDeliveries');
    renderApp({ backend, page: 'delivery-log' });
    await waitFor(() => expect(rowsShown()).toHaveLength(3));
    expect(row(ids[2] ?? '')).toHaveAttribute('data-status', 'succeeded');
    expect(within(row(ids[2] ?? '')).queryByTestId('resend-row')).not.toBeInTheDocument();
    expect(within(row(ids[0] ?? '')).getByTestId('delivery-status')).toHaveTextContent('Failed, gave up');

    await user.click(within(row(ids[0] ?? '')).getByTestId('resend-row'));
    expect(resend).toHaveBeenLastCalledWith([ids[0]], null);
    await waitFor(() => expect(row(ids[0] ?? '')).toHaveAttribute('data-status', 'pending'));
    expect(screen.getByTestId('resend-row-result')).toHaveTextContent('Queued appointment.created to PMS to be sent again.');
    expect(screen.queryByTestId('delivery-detail')).not.toBeInTheDocument();

    await user.click(within(row(ids[1] ?? '')).getByRole('button', { name: /Details of/ }));
    const detail = await screen.findByTestId('delivery-detail');
    await user.click(await within(detail).findByTestId('resend-delivery'));
    expect(resend).toHaveBeenLastCalledWith([ids[1]], null);
    expect(await within(detail).findByTestId('resend-delivery-result')).toHaveTextContent('Queued to be sent again.');
    await waitFor(() => expect(detail).toHaveAttribute('data-status', 'pending'));
    expect(row(ids[1] ?? '')).toHaveAttribute('data-status', 'pending');
  });

  it('resends every failed delivery matching the filter, after saying how many', async () => {
    const user = userEvent.setup();
    const { backend, ids } = backendWith(6);
    backend.markDeliveries(ids.slice(0, 2), 'dead');
    backend.markDeliveries(ids.slice(2, 3), 'retrying');
    const resend = vi.spyOn(backend, 'resendDeliveries');
    renderApp({ backend, route: { page: 'delivery-log', item: 'endpoint=ep_pms' } });
    await waitFor(() => expect(rowsShown()).toHaveLength(6));

    await user.click(screen.getByTestId('resend-matching'));
    const dialog = screen.getByTestId('confirm-dialog');
    await waitFor(() => expect(dialog).toHaveTextContent('Resend 3 failed deliveries?'));
    expect(within(dialog).getByTestId('resend-scope')).toHaveTextContent('Switchboard queues again every delivery that failed (still retrying, or gave up) to PMS, with a fresh retry schedule');
    expect(resend).not.toHaveBeenCalled();
    await user.click(within(dialog).getByTestId('confirm-resend'));

    expect(resend).toHaveBeenCalledWith([], { endpointId: 'ep_pms' });
    expect(await screen.findByTestId('resend-result')).toHaveTextContent('Queued 3 deliveries to be sent again.');
    expect(rowsShown().filter((r) => r.dataset.status === 'pending')).toHaveLength(3);

    // Nothing left to resend: the dialog says so and cannot be confirmed.
    await user.click(screen.getByTestId('resend-matching'));
    await waitFor(() => expect(screen.getByTestId('confirm-dialog')).toHaveTextContent('No failed deliveries match'));
    expect(screen.getByTestId('confirm-resend')).toBeDisabled();
  });

  it('exports what matches and says where it was written', async () => {
    const user = userEvent.setup();
    const { backend } = backendWith(4);
    const exportSpy = vi.spyOn(backend, 'exportDeliveries');
    renderApp({ backend, route: { page: 'delivery-log', item: 'status=succeeded' } });
    await waitFor(() => expect(rowsShown()).toHaveLength(4));
    await user.click(screen.getByTestId('export-csv'));
    const result = await screen.findByTestId('export-result');
    expect(exportSpy).toHaveBeenCalledWith({ status: 'succeeded' }, 'csv');
    expect(result).toHaveTextContent(/^Wrote 4 rows to \/home\/frontdesk\/Downloads\/switchboard-deliveries-[\d-]+\.csv/);
    await user.click(screen.getByTestId('export-json'));
    await waitFor(() => expect(screen.getByTestId('export-path')).toHaveTextContent(/\.json$/));
    expect(exportSpy).toHaveBeenLastCalledWith({ status: 'succeeded' }, 'json');
  });

  it('refreshes when the worker reports a batch (deliveriesChanged), not by polling', async () => {
    const { backend } = backendWith();
    await backend.sendEvent({ type: 'test.ping', data: '{}' });
    await backend.sendEvent({ type: 'invoice.paid', data: '{}' });
    const list = vi.spyOn(backend, 'listDeliveries');
    renderApp({ backend, page: 'delivery-log' });
    await waitFor(() => expect(rowsShown()).toHaveLength(4));
    expect(rowsShown().map((r) => r.dataset.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(list).toHaveBeenCalledTimes(1);

    backend.deliverPending((r) => (r.endpointId === 'ep_lab' ? MOCK_OUTCOMES.timeout : MOCK_OUTCOMES.ok));
    await waitFor(() => expect(rowsShown().map((r) => r.dataset.status).sort()).toEqual(['retrying', 'retrying', 'succeeded', 'succeeded']), {
      timeout: 2000,
    });
    expect(list).toHaveBeenCalledTimes(2);
  });
});
