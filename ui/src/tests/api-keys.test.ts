import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { createMockBackend } from '../backend/mock';
import { sampleApiKeys } from '../backend/mock-api-keys';
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
});
