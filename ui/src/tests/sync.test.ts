// The sync UI against the mock: the Sync log page (filters in the route, search, Load more, the
// detail with every attempt, Retry / Skip / Acknowledge for managers only, export), the cards'
// sync line (counts, latest failure, Sync now for the front desk too, a link to the filtered log)
// and the Sync rules panel on an integration's page.
import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Role } from '../backend';
import { createMockBackend, mockIntegration, sampleIntegrations } from '../backend/mock';
import { sampleSync } from '../backend/mock-sync';
import { renderApp } from './render-app';

function sampleBackend(role: Role = 'admin') {
  return createMockBackend({}, { signedIn: role, integrations: sampleIntegrations(), sync: sampleSync() });
}

/** Long flows on a busy machine: typing with a debounce, 70 rows. */
const SLOW = 20_000;

/** Succeeded jobs of the sample that core counts as today's (since local midnight). */
function syncedToday(integrationId: string): number {
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  return sampleSync().jobs.filter((j) => j.integrationId === integrationId && j.status === 'succeeded' && Date.parse(j.updatedAt) >= midnight.getTime()).length;
}

function syncRow(text: string): HTMLElement {
  const found = screen.getAllByTestId('sync-row').find((r) => r.textContent?.includes(text));
  if (!found) throw new Error(`no row about ${text}`);
  return found;
}

function card(name: string): HTMLElement {
  const found = screen.getAllByTestId('dashboard-integration').find((c) => c.dataset.name === name);
  if (!found) throw new Error(`no card for ${name}`);
  return found;
}

describe('the Sync log page', () => {
  it('lists every job with its integration, kind, clinic object, status, tries, provider object and why', async () => {
    renderApp({ backend: sampleBackend(), page: 'sync-log' });
    await waitFor(() => expect(screen.getAllByTestId('sync-row').length).toBe(sampleSync().jobs.length));
    const invoice = within(syncRow('VET-1038'));
    expect(invoice.getByTestId('sync-integration')).toHaveTextContent('Accounting');
    expect(invoice.getByTestId('sync-kind')).toHaveTextContent('Invoice');
    expect(invoice.getByTestId('sync-status')).toHaveTextContent('Synced');
    expect(invoice.getByTestId('sync-provider-link')).toHaveAttribute('href', 'https://app.qbo.intuit.com/app/invoice?txnId=145');
    const dead = within(syncRow('VET-1042'));
    expect(dead.getByTestId('sync-status')).toHaveTextContent('Failed');
    expect(dead.getByTestId('sync-reason')).toHaveTextContent('QuickBooks already has invoice number VET-1042 (6140)');
    expect(within(syncRow('apt_2043')).getByTestId('sync-reason')).toHaveTextContent('sms_consent is false');
    expect(screen.getByTestId('sync-count')).toHaveTextContent(`${sampleSync().jobs.length} jobs`);
  });

  it('filters by the route (a card’s link) and by the inputs, and searches the clinic object', async () => {
    const user = userEvent.setup();
    const backend = sampleBackend();
    const list = vi.spyOn(backend, 'listSyncJobs');
    const { router } = renderApp({ backend, route: { page: 'sync-log', item: 'integration=int_sample_quickbooks' } });
    await waitFor(() => expect(screen.getAllByTestId('sync-row').length).toBe(6));
    expect(list).toHaveBeenLastCalledWith({ integrationId: 'int_sample_quickbooks' }, null, 50);
    expect(screen.getAllByTestId('sync-row').every((r) => r.dataset.integration === 'int_sample_quickbooks')).toBe(true);

    await user.selectOptions(screen.getByTestId('sync-filter-status'), 'dead');
    await waitFor(() => expect(screen.getAllByTestId('sync-row')).toHaveLength(1));
    expect(router.item).toBe('integration=int_sample_quickbooks&status=dead');

    await user.click(screen.getByTestId('sync-clear-filters'));
    await user.type(screen.getByTestId('sync-filter-search'), 'jane doe');
    await waitFor(() => expect(screen.getAllByTestId('sync-row')).toHaveLength(2));
    expect(list).toHaveBeenLastCalledWith({ search: 'jane doe' }, null, 50);

    await user.clear(screen.getByTestId('sync-filter-search'));
    await user.type(screen.getByTestId('sync-filter-search'), 'nothing like this');
    expect(await screen.findByTestId('sync-log-no-match')).toBeInTheDocument();
  }, SLOW);

  it('loads older jobs with Load more, by keyset', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({}, { integrations: [mockIntegration({ id: 'int_q', provider: 'quickbooks' })] });
    const ids = backend.addSyncJobs(70, { integrationId: 'int_q' });
    const list = vi.spyOn(backend, 'listSyncJobs');
    renderApp({ backend, page: 'sync-log' });
    await waitFor(() => expect(screen.getAllByTestId('sync-row')).toHaveLength(50));
    await user.click(screen.getByTestId('sync-load-more'));
    await waitFor(() => expect(screen.getAllByTestId('sync-row')).toHaveLength(70));
    expect(list).toHaveBeenLastCalledWith({}, ids[49], 50);
    expect(screen.queryByTestId('sync-load-more')).not.toBeInTheDocument();
    expect(screen.getByTestId('sync-table-foot')).toHaveTextContent('All 70 jobs shown.');
  }, SLOW);

  it('opens a job’s detail with every attempt, and retries it there as a manager', async () => {
    const user = userEvent.setup();
    renderApp({ backend: sampleBackend('manager'), page: 'sync-log' });
    await waitFor(() => expect(screen.getAllByTestId('sync-row').length).toBeGreaterThan(5));
    await user.click(within(syncRow('VET-1045')).getAllByRole('button')[0] as HTMLElement);
    const detail = await screen.findByTestId('sync-detail');
    await waitFor(() => expect(within(detail).getAllByTestId('sync-attempt')).toHaveLength(2));
    expect(within(detail).getAllByTestId('sync-attempt-outcome')[0]).toHaveTextContent('Timed out');
    expect(within(detail).getAllByTestId('sync-attempt-request')[0]).toHaveTextContent('/invoice?requestid=');
    expect(within(detail).getByTestId('sync-detail-next')).toBeInTheDocument();
    await user.click(within(detail).getByTestId('sync-retry'));
    expect(await within(detail).findByTestId('sync-action-result')).toHaveTextContent('Queued to be tried again now.');
    await waitFor(() => expect(syncRow('VET-1045')).toHaveAttribute('data-status', 'pending'));
  });

  it('lets a manager retry, skip and acknowledge from the rows, each only where core allows it', async () => {
    const user = userEvent.setup();
    const backend = sampleBackend('manager');
    const retry = vi.spyOn(backend, 'retrySyncJobs');
    renderApp({ backend, page: 'sync-log' });
    await waitFor(() => expect(screen.getAllByTestId('sync-row').length).toBeGreaterThan(5));
    const synced = within(syncRow('VET-1038'));
    expect(synced.queryByTestId('sync-retry-row')).not.toBeInTheDocument();
    expect(synced.queryByTestId('sync-skip-row')).not.toBeInTheDocument();
    expect(within(syncRow('VET-1046')).getByTestId('sync-skip-row')).toBeInTheDocument();

    await user.click(within(syncRow('VET-1042')).getByTestId('sync-acknowledge-row'));
    expect(await screen.findByTestId('sync-row-result')).toHaveTextContent('Acknowledged the failed invoice');
    await waitFor(() => expect(within(syncRow('VET-1042')).getByTestId('sync-acknowledged')).toBeInTheDocument());
    expect(within(syncRow('VET-1042')).queryByTestId('sync-acknowledge-row')).not.toBeInTheDocument();

    const dead = syncRow('VET-1042');
    await user.click(within(dead).getByTestId('sync-retry-row'));
    expect(retry).toHaveBeenCalledWith([dead.dataset.id]);
    await waitFor(() => expect(syncRow('VET-1042')).toHaveAttribute('data-status', 'pending'));

    await user.click(within(syncRow('VET-1046')).getByTestId('sync-skip-row'));
    await waitFor(() => expect(syncRow('VET-1046')).toHaveAttribute('data-status', 'skipped'));
    expect(within(syncRow('VET-1046')).getByTestId('sync-reason')).toHaveTextContent('Skipped by maria');

    await user.click(screen.getByTestId('sync-export-csv'));
    expect(await screen.findByTestId('sync-export-path')).toHaveTextContent(/switchboard-sync-log-.*\.csv$/);
  });

  it('shows the front desk the log without Retry, Skip, Acknowledge or export', async () => {
    const user = userEvent.setup();
    renderApp({ backend: sampleBackend('front_desk'), page: 'sync-log' });
    await waitFor(() => expect(screen.getAllByTestId('sync-row').length).toBeGreaterThan(5));
    expect(screen.getByTestId('nav-sync-log')).toBeInTheDocument();
    expect(screen.queryByTestId('sync-retry-row')).not.toBeInTheDocument();
    expect(screen.queryByTestId('sync-skip-row')).not.toBeInTheDocument();
    expect(screen.queryByTestId('sync-acknowledge-row')).not.toBeInTheDocument();
    expect(screen.queryByTestId('sync-export-csv')).not.toBeInTheDocument();
    await user.click(within(syncRow('VET-1042')).getAllByRole('button')[0] as HTMLElement);
    const detail = await screen.findByTestId('sync-detail');
    await waitFor(() => expect(within(detail).getAllByTestId('sync-attempt')).toHaveLength(1));
    expect(within(detail).queryByTestId('sync-retry')).not.toBeInTheDocument();
    expect(within(detail).queryByTestId('sync-acknowledge')).not.toBeInTheDocument();
  });

  it('says when nothing has synced yet', async () => {
    renderApp({ page: 'sync-log' });
    expect(await screen.findByTestId('sync-log-empty')).toHaveTextContent('Nothing synced yet');
  });
});

describe('the cards’ sync line', () => {
  it('shows today’s counts and the latest failure; the front desk may press Sync now; the link opens the filtered log', async () => {
    const user = userEvent.setup();
    const backend = sampleBackend('front_desk');
    const syncNow = vi.spyOn(backend, 'syncNow');
    const { router } = renderApp({ backend });
    await waitFor(() => expect(within(card('Accounting')).getByTestId('sync-line')).toBeInTheDocument());
    const accounting = within(card('Accounting'));
    expect(accounting.getByTestId('sync-counts')).toHaveTextContent(`Synced today ${syncedToday('int_sample_quickbooks')} · Waiting 2 · Failed 1`);
    expect(accounting.getByTestId('sync-latest-failure')).toHaveTextContent('QuickBooks did not answer in time.');
    // No rule on and no jobs: no sync line.
    expect(within(card('Appointment reminders')).queryByTestId('sync-line')).not.toBeInTheDocument();

    await user.click(accounting.getByTestId('sync-now'));
    expect(syncNow).toHaveBeenCalledWith('int_sample_quickbooks');
    expect(await accounting.findByTestId('sync-now-result')).toHaveTextContent('Started 1 job now.');

    await user.click(accounting.getByTestId('sync-log-link'));
    expect(router.current).toBe('sync-log');
    expect(router.item).toBe('integration=int_sample_quickbooks');
    await waitFor(() => expect(screen.getAllByTestId('sync-row').every((r) => r.dataset.integration === 'int_sample_quickbooks')).toBe(true));
  });

  it('follows the sync worker (syncChanged) without asking the backend on a timer', async () => {
    const backend = sampleBackend();
    const counts = vi.spyOn(backend, 'syncCounts');
    renderApp({ backend });
    await waitFor(() => expect(within(card('Accounting')).getByTestId('sync-counts')).toHaveTextContent('Waiting 2'));
    const before = counts.mock.calls.length;
    await backend.syncNow('int_sample_quickbooks');
    expect(backend.runDueSyncJobs()).toBeGreaterThan(0);
    await waitFor(() => expect(within(card('Accounting')).getByTestId('sync-counts')).toHaveTextContent('Waiting 0'));
    expect(counts.mock.calls.length).toBe(before + 1);
  });

  it('is on the Integrations page’s cards too', async () => {
    renderApp({ backend: sampleBackend('manager'), page: 'integrations' });
    await waitFor(() => expect(screen.getAllByTestId('sync-line').length).toBe(3));
    const twilio = screen.getAllByTestId('integration-card').find((c) => c.dataset.name === 'Front desk SMS');
    expect(within(twilio as HTMLElement).getByTestId('sync-counts')).toHaveTextContent(`Synced today ${syncedToday('int_sample_twilio')} · Waiting 1 · Failed 0`);
  });
});

describe('the Sync rules panel', () => {
  it('lists the provider’s rules with what each does, and lets a manager turn one off', async () => {
    const user = userEvent.setup();
    const backend = sampleBackend('manager');
    const set = vi.spyOn(backend, 'setSyncRule');
    renderApp({ backend, route: { page: 'dashboard', item: 'int_sample_twilio' } });
    const panel = await screen.findByTestId('sync-rules');
    const rule = await within(panel).findByTestId('sync-rule');
    expect(rule).toHaveAttribute('data-rule', 'appointment_texts');
    expect(rule).toHaveAttribute('data-enabled', 'true');
    expect(rule).toHaveTextContent('Appointment texts');
    expect(rule).toHaveTextContent('a reminder before it');
    await user.click(within(rule).getByTestId('sync-rule-switch'));
    expect(set).toHaveBeenCalledWith('int_sample_twilio', 'appointment_texts', false);
    await waitFor(() => expect(within(panel).getByTestId('sync-rule')).toHaveAttribute('data-enabled', 'false'));
    expect(within(panel).getByTestId('sync-rule-state')).toHaveTextContent('Off');
  });

  it('shows the front desk the rules without letting it change them', async () => {
    renderApp({ backend: sampleBackend('front_desk'), route: { page: 'dashboard', item: 'int_sample_quickbooks' } });
    const rule = await screen.findByTestId('sync-rule');
    expect(rule).toHaveAttribute('data-rule', 'invoices');
    expect(within(rule).getByTestId('sync-rule-switch')).toBeDisabled();
    expect(screen.getByTestId('sync-rules')).toHaveTextContent('A practice manager or an admin turns these on or off.');
  });
});
