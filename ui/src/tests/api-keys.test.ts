import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { createMockBackend } from '../backend/mock';
import { sampleApiKeys, type MockKeyUses } from '../backend/mock-api-keys';
import { renderApp } from './render-app';

function keyRow(name: string): HTMLElement {
  const found = screen.getAllByTestId('api-key-row').find((r) => r.dataset.name === name);
  if (!found) throw new Error(`no row for ${name}`);
  return found;
}

describe('Settings › API keys', () => {
  it('lists each key’s name, prefix, scopes, expiry, last use and state, never the key', async () => {
    renderApp({ page: 'settings', backend: createMockBackend({}, { apiKeys: sampleApiKeys() }) });
    await waitFor(() => expect(screen.getAllByTestId('api-key-row')).toHaveLength(3));
    const pms = within(keyRow('Practice management system'));
    expect(pms.getByTestId('api-key-prefix')).toHaveTextContent('sbk_Xq3v…');
    expect(pms.getByTestId('api-key-scopes')).toHaveTextContent('All events');
    expect(pms.getByTestId('api-key-last-used')).toHaveTextContent('14 min ago');
    expect(pms.getByTestId('api-key-state')).toHaveTextContent('Active');
    const phones = within(keyRow('Phone system'));
    expect(phones.getByTestId('api-key-scopes')).toHaveTextContent('call.completed, emergency.detected');
    expect(phones.getByTestId('api-key-state')).toHaveTextContent('Expired');
    expect(within(keyRow('Old kiosk')).getByTestId('api-key-state')).toHaveTextContent(/Revoked .* by admin/);
    expect(within(keyRow('Old kiosk')).queryByTestId('revoke-api-key')).not.toBeInTheDocument();
  });

  it('creates a key, shows it once, and forgets it when closed; core’s errors land on the field', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend();
    const create = vi.spyOn(backend, 'createApiKey');
    renderApp({ page: 'settings', backend });
    expect(await screen.findByTestId('api-keys-empty')).toBeInTheDocument();
    await user.click(screen.getByTestId('add-api-key'));
    const form = screen.getByTestId('api-key-form');
    await user.type(within(form).getByRole('textbox', { name: /Name/ }), 'Kiosk <1>');
    await user.click(within(form).getByRole('checkbox', { name: /All events/ }));
    await user.click(within(form).getByRole('checkbox', { name: 'appointment.created' }));
    await user.clear(within(form).getByRole('spinbutton'));
    await user.type(within(form).getByRole('spinbutton'), '30');
    await user.click(screen.getByTestId('create-api-key'));
    expect(await screen.findByTestId('error-name')).toHaveTextContent('Name must not contain < or >.');
    expect(within(form).getByRole('textbox', { name: /Name/ })).toHaveValue('Kiosk <1>');

    await user.clear(within(form).getByRole('textbox', { name: /Name/ }));
    await user.type(within(form).getByRole('textbox', { name: /Name/ }), 'Front desk kiosk');
    await user.click(screen.getByTestId('create-api-key'));
    const once = await screen.findByTestId('api-key-secret-once');
    expect(create).toHaveBeenLastCalledWith({ name: 'Front desk kiosk', scopes: ['appointment.created'], expiresInDays: 30 });
    const answer = await create.mock.results[1]?.value;
    const secret = answer.status === 'ok' ? (answer.data.secret as string) : 'none';
    expect(secret).toMatch(/^sbk_/);
    expect(within(once).getByTestId('api-key-secret')).toHaveValue(secret);
    expect(once).toHaveTextContent('Shown once.');
    expect(within(keyRow('Front desk kiosk')).getByTestId('api-key-prefix')).toHaveTextContent(`${secret.slice(0, 8)}…`);

    await user.click(within(once).getByTestId('close-api-key-secret'));
    expect(screen.queryByTestId('api-key-secret-once')).not.toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(secret);
  });

  it('revokes a key after a confirmation', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({}, { apiKeys: sampleApiKeys() });
    const revoke = vi.spyOn(backend, 'revokeApiKey');
    renderApp({ page: 'settings', backend });
    await waitFor(() => expect(screen.getAllByTestId('api-key-row')).toHaveLength(3));
    await user.click(within(keyRow('Practice management system')).getByTestId('revoke-api-key'));
    expect(screen.getByTestId('confirm-dialog')).toHaveTextContent('Any program using sbk_Xq3v… is refused from now on.');
    expect(revoke).not.toHaveBeenCalled();
    await user.click(screen.getByTestId('confirm-revoke'));
    expect(revoke).toHaveBeenCalledWith('key_sample_pms');
    await waitFor(() => expect(keyRow('Practice management system')).toHaveAttribute('data-state', 'revoked'));
    expect(screen.queryByTestId('confirm-dialog')).not.toBeInTheDocument();
  });

  it('shows a key’s recent uses newest first, pages back, and its refusal count from the audit', async () => {
    const user = userEvent.setup();
    const uses: MockKeyUses = {
      uses: Array.from({ length: 25 }, (_, i) => ({
        seq: i + 1,
        at: new Date(Date.UTC(2026, 10, 20, 9, i)).toISOString(),
        eventType: i % 2 === 0 ? 'appointment.created' : 'invoice.paid',
        eventId: `evt_use_${i + 1}`,
      })),
      refused: 7,
    };
    const backend = createMockBackend({}, { apiKeys: sampleApiKeys(), apiKeyUses: { key_sample_pms: uses } });
    const read = vi.spyOn(backend, 'apiKeyUses');
    renderApp({ page: 'settings', backend });
    await waitFor(() => expect(screen.getAllByTestId('api-key-row')).toHaveLength(3));
    const toggle = within(keyRow('Practice management system')).getByTestId('show-api-key-uses');
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const panel = await screen.findByTestId('api-key-uses');
    await waitFor(() => expect(within(panel).getAllByTestId('api-key-use')).toHaveLength(20));
    expect(read).toHaveBeenLastCalledWith('key_sample_pms', null, 20);
    const first = within(panel).getAllByTestId('api-key-use')[0];
    expect(first).toHaveTextContent('evt_use_25');
    expect(first).toHaveTextContent('appointment.created');
    expect(within(panel).getByTestId('api-key-refused')).toHaveTextContent('7 requests with this key were refused');

    await user.click(within(panel).getByTestId('api-key-uses-more'));
    await waitFor(() => expect(within(panel).getAllByTestId('api-key-use')).toHaveLength(25));
    expect(read).toHaveBeenLastCalledWith('key_sample_pms', 6, 20);
    expect(within(panel).getAllByTestId('api-key-use').at(-1)).toHaveTextContent('evt_use_1');
    expect(within(panel).queryByTestId('api-key-uses-more')).not.toBeInTheDocument();

    // Another key that sent nothing says so; one panel at a time.
    await user.click(within(keyRow('Old kiosk')).getByTestId('show-api-key-uses'));
    expect(await screen.findByTestId('api-key-uses-empty')).toHaveTextContent('No events sent with this key yet.');
    expect(screen.getAllByTestId('api-key-uses')).toHaveLength(1);
    expect(screen.getByTestId('api-key-refused')).toHaveTextContent('No requests with this key were refused.');
  });
});
