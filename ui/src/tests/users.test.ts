import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { createMockBackend } from '../backend/mock';
import { renderApp } from './render-app';

const STRONG = 'maple window copper lantern';

function userRow(username: string): HTMLElement {
  const found = screen.getAllByTestId('user-row').find((r) => r.dataset.username === username);
  if (!found) throw new Error(`no row for ${username}`);
  return found;
}

async function openUsers(backend = createMockBackend()) {
  renderApp({ backend, page: 'settings' });
  const panel = await screen.findByTestId('users-panel');
  await within(panel).findAllByTestId('user-row');
  return { panel, backend };
}

describe('Settings › Users', () => {
  it('lists every user with their name, role, state and last sign-in', async () => {
    const { panel } = await openUsers();
    expect(within(panel).getAllByTestId('user-row').map((r) => r.dataset.username)).toEqual(['dana', 'jordan', 'maria', 'sam']);
    const sam = within(userRow('sam'));
    expect(userRow('sam')).toHaveTextContent('Sam Patel');
    expect(sam.getByTestId('user-role-select')).toHaveValue('front_desk');
    expect(sam.getByTestId('user-state')).toHaveTextContent('Enabled');
    expect(sam.getByTestId('user-last-sign-in')).toHaveTextContent('3 days ago');
    expect(within(userRow('jordan')).getByTestId('user-state')).toHaveTextContent('Disabled');
    expect(within(userRow('jordan')).getByTestId('user-toggle-enabled')).toHaveTextContent('Enable');
  });

  it('adds a user; a weak password is refused on its field', async () => {
    const user = userEvent.setup();
    const { panel, backend } = await openUsers();
    const createUser = vi.spyOn(backend, 'createUser');

    await user.click(within(panel).getByTestId('add-user'));
    await user.type(screen.getByTestId('user-username'), 'lee');
    await user.type(screen.getByTestId('user-display-name'), 'Lee Chen');
    await user.selectOptions(screen.getByTestId('user-role'), 'manager');
    await user.type(screen.getByTestId('user-password'), 'password123');
    await user.type(screen.getByTestId('user-password-confirm'), 'password123');
    await user.click(screen.getByTestId('user-save'));

    expect(await within(panel).findByTestId('error-password')).toHaveTextContent(/too common or too easy to guess/);
    expect(screen.getByTestId('user-password')).toHaveFocus();
    expect(screen.getByTestId('user-password')).toHaveAttribute('aria-invalid', 'true');

    await user.clear(screen.getByTestId('user-password'));
    await user.type(screen.getByTestId('user-password'), STRONG);
    await user.clear(screen.getByTestId('user-password-confirm'));
    await user.type(screen.getByTestId('user-password-confirm'), STRONG);
    await user.click(screen.getByTestId('user-save'));

    expect(await within(panel).findByTestId('user-added')).toHaveTextContent('Added Lee Chen (lee) as manager.');
    expect(createUser).toHaveBeenLastCalledWith({ username: 'lee', displayName: 'Lee Chen', role: 'manager', password: STRONG });
    expect(within(userRow('lee')).getByTestId('user-role-select')).toHaveValue('manager');
    expect(screen.queryByTestId('user-username')).not.toBeInTheDocument();
  });

  it('shows a taken username on its field', async () => {
    const user = userEvent.setup();
    const { panel } = await openUsers();
    await user.click(within(panel).getByTestId('add-user'));
    await user.type(screen.getByTestId('user-username'), 'maria');
    await user.type(screen.getByTestId('user-password'), STRONG);
    await user.type(screen.getByTestId('user-password-confirm'), STRONG);
    await user.click(screen.getByTestId('user-save'));
    expect(await within(panel).findByTestId('error-username')).toHaveTextContent('The username "maria" is taken.');
  });

  it('changes a role and disables a user', async () => {
    const user = userEvent.setup();
    const { backend } = await openUsers();

    await user.selectOptions(within(userRow('sam')).getByTestId('user-role-select'), 'manager');
    await waitFor(() => expect(userRow('sam')).toHaveAttribute('data-role', 'manager'));
    await user.click(within(userRow('maria')).getByTestId('user-toggle-enabled'));
    await waitFor(() => expect(within(userRow('maria')).getByTestId('user-state')).toHaveTextContent('Disabled'));

    const stored = await backend.listUsers();
    expect(stored.status === 'ok' && stored.data.map((u) => [u.username, u.role, u.enabled])).toEqual([
      ['dana', 'admin', true],
      ['jordan', 'front_desk', false],
      ['maria', 'manager', false],
      ['sam', 'manager', true],
    ]);
  });

  it('shows core’s refusal to demote or disable the last admin next to the row, and keeps the role shown', async () => {
    const user = userEvent.setup();
    await openUsers();

    await user.selectOptions(within(userRow('dana')).getByTestId('user-role-select'), 'front_desk');
    const error = await within(userRow('dana')).findByTestId('user-row-error');
    expect(error).toHaveTextContent('dana is the last admin. Make someone else an admin first, so the clinic can still manage users.');
    expect(error).toHaveAttribute('data-field', 'role');
    expect(within(userRow('dana')).getByTestId('user-role-select')).toHaveValue('admin');
    // The header still says Admin.
    expect(screen.getByTestId('current-role')).toHaveTextContent('Admin');

    await user.click(within(userRow('dana')).getByTestId('user-toggle-enabled'));
    await waitFor(() => expect(within(userRow('dana')).getByTestId('user-row-error')).toHaveAttribute('data-field', 'enabled'));
    expect(within(userRow('dana')).getByTestId('user-state')).toHaveTextContent('Enabled');
    expect(within(userRow('sam')).queryByTestId('user-row-error')).not.toBeInTheDocument();
  });

  it('sets a new password for someone who forgot theirs', async () => {
    const user = userEvent.setup();
    const { backend } = await openUsers();
    const reset = vi.spyOn(backend, 'resetPassword');

    await user.click(within(userRow('sam')).getByTestId('user-reset-password'));
    const dialog = await screen.findByTestId('reset-password-dialog');
    expect(dialog).toHaveTextContent('New password for Sam Patel (sam)');
    await user.type(within(dialog).getByTestId('reset-password'), 'sam-password-1');
    await user.type(within(dialog).getByTestId('reset-password-confirm'), 'sam-password-1');
    await user.click(within(dialog).getByTestId('reset-password-save'));
    expect(await within(dialog).findByTestId('error-password')).toHaveTextContent(/too common or too easy to guess/);

    await user.clear(within(dialog).getByTestId('reset-password'));
    await user.type(within(dialog).getByTestId('reset-password'), STRONG);
    await user.clear(within(dialog).getByTestId('reset-password-confirm'));
    await user.type(within(dialog).getByTestId('reset-password-confirm'), STRONG);
    await user.click(within(dialog).getByTestId('reset-password-save'));
    expect(await within(dialog).findByTestId('reset-password-success')).toBeInTheDocument();
    expect(reset).toHaveBeenLastCalledWith('usr_sample_sam', STRONG);
  });
});

describe('Settings › Security and record keeping', () => {
  it('saves the idle lock and retention, and the window follows the new idle lock', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend();
    const updateSettings = vi.spyOn(backend, 'updateSettings');
    renderApp({ backend, page: 'settings' });
    const panel = await screen.findByTestId('security-panel');
    const idle = await within(panel).findByTestId('idle-lock-minutes');
    expect(idle).toHaveValue(10);
    expect(within(panel).getByTestId('retention-days')).toHaveValue(365);

    await user.clear(idle);
    await user.type(idle, '500');
    await user.click(within(panel).getByTestId('security-save'));
    expect(await within(panel).findByTestId('error-idle_lock_minutes')).toHaveTextContent('between 1 and 240 minutes');
    expect(idle).toHaveFocus();

    await user.clear(idle);
    await user.type(idle, '30');
    await user.clear(within(panel).getByTestId('retention-days'));
    await user.type(within(panel).getByTestId('retention-days'), '730');
    await user.click(within(panel).getByTestId('security-save'));
    expect(await within(panel).findByTestId('security-success')).toHaveTextContent('Saved.');
    expect(updateSettings).toHaveBeenLastCalledWith({ clinicName: null, checkIntervalMinutes: 15, idleLockMinutes: 30, retentionDays: 730 });
    const state = await backend.sessionState();
    expect(state.status === 'ok' && state.data.idleLockMinutes).toBe(30);
  });

  it('prunes now and says what was removed', async () => {
    const user = userEvent.setup();
    const old = new Date(Date.now() - 400 * 24 * 3600 * 1000).toISOString();
    const backend = createMockBackend({}, {
      audit: [
        { at: old, actor: 'dana', action: 'session.login', objectType: 'user' },
        { at: old, actor: 'dana', action: 'session.logout', objectType: 'session' },
        { actor: 'dana', action: 'session.login', objectType: 'user' },
      ],
    });
    renderApp({ backend, page: 'settings' });
    const panel = await screen.findByTestId('security-panel');
    await user.click(await within(panel).findByTestId('prune-now'));
    expect(await within(panel).findByTestId('prune-result')).toHaveTextContent(
      /^Removed 2 audit rows, 0 delivery attempts and 0 deliveries from before .+\.$/,
    );
  });
});
