// What each role sees and may press. The UI decides from the signed-in user's permissions; these
// tests sign in as the sample user of each role.
import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createMockBackend, mockIntegration, SAMPLE_OUTCOMES } from '../backend/mock';
import { sampleWebhooks } from '../backend/mock-webhooks';
import type { Role } from '../backend';
import { renderApp } from './render-app';

function backendAs(role: Role) {
  return createMockBackend({}, {
    signedIn: role,
    integrations: [mockIntegration({ id: 'int_sq', provider: 'square' })],
    testOutcomes: { int_sq: [SAMPLE_OUTCOMES.squareUnauthorized] },
    webhooks: sampleWebhooks(),
  });
}

function endpointCard(id: string): HTMLElement {
  const found = screen.getAllByTestId('dashboard-endpoint').find((c) => c.dataset.id === id);
  if (!found) throw new Error(`no card for ${id}`);
  return found;
}

describe('the front desk', () => {
  it('sees the statuses and can press Test now (and Retry), but nothing that changes the configuration', async () => {
    const user = userEvent.setup();
    renderApp({ backend: backendAs('front_desk') });
    const card = await screen.findByTestId('dashboard-integration');
    await waitFor(() => expect(screen.getAllByTestId('dashboard-endpoint')).toHaveLength(5));

    await user.click(within(card).getByTestId('test-now'));
    expect(await within(card).findByTestId('test-result')).toHaveAttribute('data-kind', 'credentials_rejected');
    expect(within(card).getByTestId('retry-test')).toBeInTheDocument();

    expect(screen.queryByRole('button', { name: 'Manage integrations' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Manage endpoints' })).not.toBeInTheDocument();
    // The lab server's deliveries gave up: they can look at them, not acknowledge them.
    const lab = endpointCard('ep_sample_lab');
    expect(within(lab).getByTestId('endpoint-dead-link')).toBeInTheDocument();
    expect(within(lab).queryByTestId('acknowledge-dead')).not.toBeInTheDocument();
    expect(screen.queryByTestId('send-test-event')).not.toBeInTheDocument();
  });

  it('reads the delivery log without Resend or Export', async () => {
    const user = userEvent.setup();
    renderApp({ backend: backendAs('front_desk'), route: { page: 'delivery-log', item: 'status=dead' } });
    const rows = await screen.findAllByTestId('delivery-row');
    expect(rows.length).toBeGreaterThan(0);
    expect(screen.queryByTestId('resend-row')).not.toBeInTheDocument();
    expect(screen.queryByTestId('resend-matching')).not.toBeInTheDocument();
    expect(screen.queryByTestId('export-csv')).not.toBeInTheDocument();
    expect(screen.queryByTestId('export-json')).not.toBeInTheDocument();

    // The detail of a failed delivery: every attempt, no Resend.
    await user.click(within(rows[0] as HTMLElement).getAllByRole('button')[0] as HTMLElement);
    const detail = await screen.findByTestId('delivery-detail');
    expect(await within(detail).findAllByTestId('attempt-row')).not.toHaveLength(0);
    expect(within(detail).queryByTestId('resend-delivery')).not.toBeInTheDocument();
  });
});

describe('a manager', () => {
  it('configures and resends, but sees neither Users nor Security', async () => {
    renderApp({ backend: backendAs('manager'), page: 'settings' });
    expect(await screen.findByTestId('settings-form')).toBeInTheDocument();
    expect(await screen.findByTestId('api-keys')).toBeInTheDocument();
    expect(screen.queryByTestId('users-panel')).not.toBeInTheDocument();
    expect(screen.queryByTestId('security-panel')).not.toBeInTheDocument();
  });

  it('has the dashboard’s configure links and Acknowledge', async () => {
    renderApp({ backend: backendAs('manager') });
    await waitFor(() => expect(screen.getAllByTestId('dashboard-endpoint')).toHaveLength(5));
    expect(screen.getByRole('button', { name: 'Manage integrations' })).toBeInTheDocument();
    expect(within(endpointCard('ep_sample_lab')).getByTestId('acknowledge-dead')).toBeInTheDocument();
  });

  it('has Resend and Export in the delivery log', async () => {
    renderApp({ backend: backendAs('manager'), route: { page: 'delivery-log', item: 'status=dead' } });
    await screen.findAllByTestId('delivery-row');
    expect(screen.getAllByTestId('resend-row').length).toBeGreaterThan(0);
    expect(screen.getByTestId('export-csv')).toBeInTheDocument();
  });
});

describe('an admin', () => {
  it('sees Users and Security below the clinic settings', async () => {
    renderApp({ page: 'settings' });
    expect(await screen.findByTestId('users-panel')).toBeInTheDocument();
    expect(screen.getByTestId('security-panel')).toBeInTheDocument();
    expect(await screen.findByTestId('settings-form')).toBeInTheDocument();
  });
});
