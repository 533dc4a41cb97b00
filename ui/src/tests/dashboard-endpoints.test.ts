import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { createMockBackend, mockIntegration } from '../backend/mock';
import { MOCK_OUTCOMES, mockEndpoint, sampleWebhooks } from '../backend/mock-webhooks';
import { renderApp } from './render-app';

function endpointCard(id: string): HTMLElement {
  const found = screen.getAllByTestId('dashboard-endpoint').find((c) => c.dataset.id === id);
  if (!found) throw new Error(`no card for ${id}`);
  return found;
}

describe('dashboard endpoint cards', () => {
  it('show each endpoint’s level, reason, 24-hour rate and counts below the integrations', async () => {
    renderApp({ backend: createMockBackend({}, { integrations: [mockIntegration()], webhooks: sampleWebhooks() }) });
    await waitFor(() => expect(screen.getAllByTestId('dashboard-endpoint')).toHaveLength(5));
    // The integration cards are still there, first.
    expect(screen.getByTestId('dashboard-integration')).toBeInTheDocument();
    expect(screen.getAllByTestId('dashboard-endpoint').map((c) => c.dataset.level)).toEqual(['green', 'yellow', 'red', 'red', 'off']);
    expect(screen.getByTestId('endpoint-summary')).toHaveTextContent('1 working · 1 needs attention · 2 not working · 1 off');

    const pms = within(endpointCard('ep_sample_pms'));
    expect(pms.getByTestId('status-badge')).toHaveTextContent('Working');
    expect(pms.getByTestId('endpoint-reason')).toHaveTextContent('100% delivered in the last 24 hours.');
    expect(pms.getByTestId('endpoint-success-rate')).toHaveTextContent('100%');
    expect(pms.getByTestId('endpoint-pending')).toHaveTextContent('2');
    expect(pms.queryByTestId('acknowledge-dead')).not.toBeInTheDocument();

    const reminders = within(endpointCard('ep_sample_reminders'));
    expect(reminders.getByTestId('status-badge')).toHaveTextContent('Check');
    expect(reminders.getByTestId('endpoint-retrying')).toHaveTextContent('4');
    expect(reminders.getByTestId('endpoint-success-rate')).not.toHaveTextContent('100%');

    const crm = within(endpointCard('ep_sample_crm'));
    expect(crm.getByTestId('endpoint-reason')).toHaveTextContent('Disabled by Switchboard: The receiver answered 410 Gone');
    expect(crm.getByTestId('endpoint-action')).toHaveTextContent('enable the endpoint again');

    expect(within(endpointCard('ep_sample_accounting')).getByTestId('status-badge')).toHaveTextContent('Off');
  });

  it('acknowledge the deliveries that gave up', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({}, { webhooks: sampleWebhooks() });
    const acknowledge = vi.spyOn(backend, 'acknowledgeDeadDeliveries');
    renderApp({ backend });
    await waitFor(() => expect(screen.getAllByTestId('dashboard-endpoint')).toHaveLength(5));
    const lab = endpointCard('ep_sample_lab');
    expect(lab).toHaveAttribute('data-level', 'red');
    expect(within(lab).getByTestId('endpoint-dead')).toHaveTextContent('2');
    expect(within(lab).getByTestId('endpoint-reason')).toHaveTextContent('2 deliveries gave up after every retry.');

    await user.click(within(lab).getByTestId('acknowledge-dead'));
    expect(acknowledge).toHaveBeenCalledWith('ep_sample_lab');
    expect(await within(endpointCard('ep_sample_lab')).findByTestId('acknowledge-result')).toHaveTextContent('Acknowledged 2 deliveries');
    await waitFor(() => expect(endpointCard('ep_sample_lab')).not.toHaveAttribute('data-level', 'red'));
    expect(within(endpointCard('ep_sample_lab')).getByTestId('endpoint-dead')).toHaveTextContent('0');
    expect(within(endpointCard('ep_sample_lab')).queryByTestId('acknowledge-dead')).not.toBeInTheDocument();
  });

  it('link to the Delivery log filtered to the endpoint', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({}, { webhooks: sampleWebhooks() });
    const list = vi.spyOn(backend, 'listDeliveries');
    const { router } = renderApp({ backend });
    await waitFor(() => expect(screen.getAllByTestId('dashboard-endpoint')).toHaveLength(5));
    await user.click(within(endpointCard('ep_sample_reminders')).getByTestId('endpoint-log-link'));
    expect(router.current).toBe('delivery-log');
    await waitFor(() => expect(list).toHaveBeenCalledWith({ endpointId: 'ep_sample_reminders' }, null, 100));
    await waitFor(() => expect(screen.getAllByTestId('delivery-row').length).toBeGreaterThan(5));
    expect(screen.getByTestId('filter-endpoint')).toHaveValue('ep_sample_reminders');
  });

  it('follow deliveriesChanged, even with no integrations yet', async () => {
    const backend = createMockBackend({}, { webhooks: { endpoints: [{ endpoint: mockEndpoint({ id: 'ep_1' }) }], deliveries: [] } });
    await backend.sendEvent({ type: 'test.ping', data: '{}' });
    renderApp({ backend });
    await screen.findByTestId('dashboard-empty');
    const card = await screen.findByTestId('dashboard-endpoint');
    expect(within(card).getByTestId('endpoint-pending')).toHaveTextContent('1');

    backend.deliverPending(() => MOCK_OUTCOMES.gone);

    await waitFor(() => expect(screen.getByTestId('dashboard-endpoint')).toHaveAttribute('data-level', 'red'), { timeout: 2000 });
    expect(within(screen.getByTestId('dashboard-endpoint')).getByTestId('endpoint-reason')).toHaveTextContent('Disabled by Switchboard: The receiver answered 410 Gone');
    expect(within(screen.getByTestId('dashboard-endpoint')).getByTestId('endpoint-pending')).toHaveTextContent('0');
  });
});
