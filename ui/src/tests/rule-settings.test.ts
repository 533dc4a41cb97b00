// A sync rule's settings on the integration's page, against the mock: the rule's catalogue fields
// saved as a patch of only those values with core's errors per field, read-only for the front
// desk; the live SMS preview; QuickBooks dropdowns (and the text fallback when QuickBooks cannot
// be reached); the opt-out list on Twilio pages.
import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Role } from '../backend';
import { createMockBackend, sampleIntegrations } from '../backend/mock';
import { sampleOptOuts, type MockRulesSeed } from '../backend/mock-rules';
import { sampleSync } from '../backend/mock-sync';
import { renderApp } from './render-app';

function backendAs(role: Role, rules: MockRulesSeed = { optOuts: sampleOptOuts() }) {
  return createMockBackend(
    {},
    { signedIn: role, integrations: sampleIntegrations(), sync: sampleSync(), rules, settings: { clinicName: 'Maple Vet' } },
  );
}

function control(field: string, within: ParentNode = document): HTMLInputElement {
  const found = within.querySelector<HTMLInputElement>(`[data-field="${field}"]`);
  if (!found) throw new Error(`no control for ${field}`);
  return found;
}

const SLOW = 20_000;

describe('the appointment texts’ settings', () => {
  it('shows each template with a live preview that counts segments and flags UCS-2 and bad placeholders', async () => {
    const user = userEvent.setup();
    renderApp({ backend: backendAs('manager'), route: { page: 'dashboard', item: 'int_sample_twilio' } });
    const settings = await screen.findByTestId('rule-settings');
    await waitFor(() => expect(control('confirmation_template', settings)).toBeInTheDocument());
    const preview = within(screen.getByTestId('sms-preview-confirmation_template'));
    await waitFor(() => expect(preview.getByTestId('sms-preview-text')).toHaveTextContent(/^Maple Vet: Rex's appointment is booked for \w+day, /));
    expect(preview.getByTestId('sms-preview-count')).toHaveTextContent(/\d+ characters · GSM-7 · 1 segment$/);
    expect(preview.getByTestId('sms-preview-count')).toHaveAttribute('data-encoding', 'GSM-7');

    await user.clear(control('confirmation_template'));
    await user.type(control('confirmation_template'), 'Hi {{owner_name}, {{pet_name} is booked 🐶');
    await waitFor(() => expect(preview.getByTestId('sms-preview-text')).toHaveTextContent('Hi Jane Doe, Rex is booked 🐶'));
    expect(preview.getByTestId('sms-preview-count')).toHaveTextContent('28 characters · UCS-2 · 1 segment');
    expect(preview.getByTestId('sms-preview-count')).toHaveAttribute('data-encoding', 'UCS-2');
    expect(preview.getByTestId('sms-preview-issue')).toHaveAttribute('data-severity', 'warning');

    await user.clear(control('confirmation_template'));
    await user.type(control('confirmation_template'), 'Hi {{owner}');
    await waitFor(() => expect(preview.getByTestId('sms-preview-issue')).toHaveTextContent('Unknown placeholder {owner}'));
    expect(preview.getByTestId('sms-preview-issue')).toHaveAttribute('data-severity', 'error');

    // Emptied, the catalogue's default is what is sent, and what the preview shows.
    await user.clear(control('confirmation_template'));
    await waitFor(() => expect(screen.getByTestId('sms-preview-confirmation_template')).toHaveTextContent('the default text is sent'));
    await waitFor(() => expect(preview.getByTestId('sms-preview-text')).toHaveTextContent(/^Maple Vet: Rex's appointment is booked/));
  }, SLOW);

  it('saves only the rule’s changed values, and shows core’s error on its field', async () => {
    const user = userEvent.setup();
    const backend = backendAs('manager');
    const update = vi.spyOn(backend, 'updateIntegration');
    renderApp({ backend, route: { page: 'dashboard', item: 'int_sample_twilio' } });
    const settings = await screen.findByTestId('rule-settings');
    await waitFor(() => expect(control('reminder_hours', settings)).toHaveValue('24'));

    await user.click(within(settings).getByTestId('rule-settings-save'));
    expect(await within(settings).findByTestId('rule-settings-unchanged')).toBeInTheDocument();
    expect(update).not.toHaveBeenCalled();

    await user.clear(control('reminder_hours'));
    await user.type(control('reminder_hours'), '500');
    await user.click(within(settings).getByTestId('rule-settings-save'));
    expect(await within(settings).findByTestId('error-reminder_hours')).toHaveTextContent(/168/);
    expect(update).not.toHaveBeenCalled();

    await user.clear(control('reminder_hours'));
    await user.type(control('reminder_hours'), '48');
    expect(within(settings).queryByTestId('error-reminder_hours')).toBeNull();
    await user.click(within(settings).getByTestId('rule-settings-save'));
    expect(await within(settings).findByTestId('rule-settings-saved')).toBeInTheDocument();
    expect(update).toHaveBeenCalledTimes(1);
    expect(update.mock.calls[0]?.[1]).toEqual({ expectedRevision: expect.any(Number), values: { reminder_hours: '48' } });
    const stored = await backend.getIntegration('int_sample_twilio');
    expect(stored.status === 'ok' && stored.data.settings.reminder_hours).toBe('48');
  }, SLOW);

  it('shows the front desk the values and the preview, with nothing to edit', async () => {
    renderApp({ backend: backendAs('front_desk'), route: { page: 'dashboard', item: 'int_sample_twilio' } });
    const readonly = await screen.findByTestId('rule-settings-readonly');
    expect(within(readonly).getByTestId('rule-value-reminder_hours')).toHaveTextContent('24');
    expect(readonly.querySelector('input, select, textarea')).toBeNull();
    expect(screen.queryByTestId('rule-settings-save')).toBeNull();
    await waitFor(() => expect(within(screen.getByTestId('sms-preview-reminder_template')).getByTestId('sms-preview-count')).toHaveTextContent('GSM-7'));
  });
});

describe('the QuickBooks invoices’ settings', () => {
  it('offers Items, payment methods and deposit accounts from QuickBooks, and saves the chosen Id', async () => {
    const user = userEvent.setup();
    const backend = backendAs('manager');
    const update = vi.spyOn(backend, 'updateIntegration');
    renderApp({ backend, route: { page: 'dashboard', item: 'int_sample_quickbooks' } });
    const item = await screen.findByTestId('qb-select-item_service');
    expect(within(item).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Not set',
      'Services',
      'Veterinary services',
      'Pet food and supplies',
      'Clinic fees',
    ]);
    expect(within(screen.getByTestId('qb-select-payment_method_card')).getByRole('option', { name: 'Visa' })).toBeInTheDocument();
    // Only Bank and Other Current Asset accounts take deposits.
    expect(within(screen.getByTestId('qb-select-deposit_account')).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Not set',
      'Checking',
      'Undeposited Funds',
    ]);

    // The time of day only matters once the schedule is daily.
    expect(document.querySelector('[data-field="daily_at"]')).toBeNull();
    await user.click(screen.getByRole('radio', { name: 'Once a day' }));
    expect(control('daily_at')).toHaveValue('18:00');
    await user.click(screen.getByRole('radio', { name: 'Real time' }));

    await user.selectOptions(item, 'Veterinary services');
    await user.selectOptions(screen.getByTestId('qb-select-deposit_account'), 'Checking');
    await user.click(screen.getByTestId('rule-settings-save'));
    expect(await screen.findByTestId('rule-settings-saved')).toBeInTheDocument();
    expect(update.mock.calls[0]?.[1]).toEqual({
      expectedRevision: expect.any(Number),
      values: { item_service: '19', deposit_account: '35' },
    });
  }, SLOW);

  it('says so when QuickBooks cannot be reached, keeps plain Id inputs, and Reload fills the dropdowns', async () => {
    const user = userEvent.setup();
    const backend = backendAs('manager', { quickbooks: { unreachable: 'QuickBooks is not connected.' } });
    renderApp({ backend, route: { page: 'dashboard', item: 'int_sample_quickbooks' } });
    expect(await screen.findByTestId('qb-choices-error')).toHaveTextContent('QuickBooks could not be reached');
    expect(screen.getByTestId('qb-choices-error')).toHaveTextContent('QuickBooks is not connected.');
    expect(control('item_service')).toHaveAttribute('type', 'text');
    expect(screen.queryByTestId('qb-select-item_service')).toBeNull();

    backend.setQuickbooksChoices({
      items: [{ Id: '7', Name: 'Exam', kind: 'Service', Active: true }],
      accounts: [],
      paymentMethods: [],
    });
    await user.click(screen.getByTestId('qb-choices-reload'));
    const item = await screen.findByTestId('qb-select-item_service');
    expect(within(item).getByRole('option', { name: 'Exam' })).toBeInTheDocument();
    expect(screen.queryByTestId('qb-choices-error')).toBeNull();
  });
});

describe('the opt-out list', () => {
  it('lists masked numbers on Twilio pages; a manager adds and clears numbers', async () => {
    const user = userEvent.setup();
    renderApp({ backend: backendAs('manager'), route: { page: 'dashboard', item: 'int_sample_twilio' } });
    const panel = await screen.findByTestId('opt-outs');
    await waitFor(() => expect(within(panel).getAllByTestId('opt-out')).toHaveLength(2));
    expect(within(panel).getAllByTestId('opt-out-phone').map((p) => p.textContent)).toEqual(['…3321', '…8842']);
    expect(within(panel).getAllByTestId('opt-out-source').map((p) => p.textContent)).toEqual(['Replied STOP', 'Added by maria']);
    expect(panel.innerHTML).not.toContain('5550133321');

    await user.type(control('phone', panel), '555-0107');
    await user.click(within(panel).getByTestId('opt-out-add-button'));
    expect(await within(panel).findByTestId('error-phone')).toHaveTextContent('international form');

    await user.clear(control('phone', panel));
    await user.type(control('phone', panel), '+1 555 010 7788');
    await user.click(within(panel).getByTestId('opt-out-add-button'));
    await waitFor(() => expect(within(panel).getAllByTestId('opt-out')).toHaveLength(3));
    expect(within(panel).getAllByTestId('opt-out-phone')[0]).toHaveTextContent('…7788');
    expect(control('phone', panel)).toHaveValue('');

    await user.type(control('phone', panel), '+15550107788');
    await user.click(within(panel).getByTestId('opt-out-add-button'));
    expect(await within(panel).findByTestId('opt-out-add-error')).toHaveTextContent('already on the opt-out list');

    await user.click(within(panel).getByRole('button', { name: 'Clear …3321' }));
    await user.click(within(panel).getByTestId('opt-out-clear-confirm'));
    await waitFor(() => expect(within(panel).getAllByTestId('opt-out-phone').map((p) => p.textContent)).toEqual(['…7788', '…8842']));
  }, SLOW);

  it('is read-only for the front desk and absent on other providers’ pages', async () => {
    renderApp({ backend: backendAs('front_desk'), route: { page: 'dashboard', item: 'int_sample_twilio' } });
    const panel = await screen.findByTestId('opt-outs');
    await waitFor(() => expect(within(panel).getAllByTestId('opt-out')).toHaveLength(2));
    expect(within(panel).queryByTestId('opt-out-clear')).toBeNull();
    expect(within(panel).queryByTestId('opt-out-add')).toBeNull();
    expect(panel).toHaveTextContent('A practice manager or an admin adds or clears numbers.');
  });

  it('is not on a QuickBooks page', async () => {
    renderApp({ backend: backendAs('manager'), route: { page: 'dashboard', item: 'int_sample_quickbooks' } });
    await screen.findByTestId('sync-rules');
    expect(screen.queryByTestId('opt-outs')).toBeNull();
  });
});
