import { act, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMockBackend, fail, mockIntegration } from '../backend/mock';
import { SAMPLE_PASSWORD } from '../backend/mock-users';
import { renderApp, renderSignedIn } from './render-app';

const STRONG = 'maple window copper lantern';

/** Nothing of the signed-in app is in the page. */
function expectNoApp() {
  for (const id of ['sidebar', 'page-dashboard', 'dashboard-integration', 'current-user', 'missing-secrets-banner']) {
    expect(screen.queryByTestId(id)).not.toBeInTheDocument();
  }
  expect(screen.queryByRole('navigation', { name: 'Main' })).not.toBeInTheDocument();
}

describe('first-run setup', () => {
  it('shows core’s errors on their fields, then opens the app for the new admin', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({}, { users: [], signedIn: null });
    renderApp({ backend });

    const form = await screen.findByTestId('setup-form');
    expectNoApp();
    await user.type(screen.getByTestId('setup-username'), 'dana whitfield');
    await user.type(screen.getByTestId('setup-password'), STRONG);
    await user.type(screen.getByTestId('setup-password-confirm'), STRONG);
    await user.click(screen.getByTestId('setup-submit'));

    // Core checks the clinic's name first.
    expect(await within(form).findByTestId('error-clinic_name')).toHaveTextContent("Enter the clinic's name.");
    expect(screen.getByTestId('setup-clinic-name')).toHaveFocus();
    expect(screen.getByTestId('setup-clinic-name')).toHaveAttribute('aria-invalid', 'true');

    await user.type(screen.getByTestId('setup-clinic-name'), 'Riverside Veterinary Clinic');
    expect(screen.queryByTestId('error-clinic_name')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('setup-submit'));
    expect(await screen.findByTestId('error-username')).toHaveTextContent(/letters, digits, dots, dashes and underscores/);
    expect(screen.getByTestId('setup-username')).toHaveFocus();

    await user.clear(screen.getByTestId('setup-username'));
    await user.type(screen.getByTestId('setup-username'), 'dana');
    await user.clear(screen.getByTestId('setup-password'));
    await user.type(screen.getByTestId('setup-password'), 'riverside2026');
    await user.clear(screen.getByTestId('setup-password-confirm'));
    await user.type(screen.getByTestId('setup-password-confirm'), 'riverside2026');
    await user.click(screen.getByTestId('setup-submit'));
    expect(await screen.findByTestId('error-password')).toHaveTextContent(/too common or too easy to guess/);

    await user.clear(screen.getByTestId('setup-password'));
    await user.type(screen.getByTestId('setup-password'), STRONG);
    await user.clear(screen.getByTestId('setup-password-confirm'));
    await user.type(screen.getByTestId('setup-password-confirm'), STRONG);
    await user.type(screen.getByTestId('setup-display-name'), 'Dana Whitfield');
    await user.click(screen.getByTestId('setup-submit'));

    expect(await screen.findByTestId('page-dashboard')).toBeInTheDocument();
    expect(screen.queryByTestId('setup-form')).not.toBeInTheDocument();
    expect(screen.getByTestId('current-user')).toHaveTextContent('Dana Whitfield');
    expect(screen.getByTestId('current-role')).toHaveTextContent('Admin');
    expect(await screen.findByText('Riverside Veterinary Clinic')).toHaveAttribute('data-testid', 'clinic-name');
  });

  it('checks that the two passwords match before asking core', async () => {
    const user = userEvent.setup();
    const base = createMockBackend({}, { users: [], signedIn: null });
    const setup = vi.fn(base.setup);
    renderApp({ backend: { ...base, setup } });

    await user.type(await screen.findByTestId('setup-clinic-name'), 'Riverside');
    await user.type(screen.getByTestId('setup-username'), 'dana');
    await user.type(screen.getByTestId('setup-password'), STRONG);
    await user.type(screen.getByTestId('setup-password-confirm'), `${STRONG}!`);
    await user.click(screen.getByTestId('setup-submit'));

    expect(await screen.findByTestId('error-password_confirm')).toHaveTextContent('The two passwords are not the same.');
    expect(screen.getByTestId('setup-password-confirm')).toHaveFocus();
    expect(setup).not.toHaveBeenCalled();
  });
});

describe('sign-in', () => {
  it('says a wrong password plainly, then signs in', async () => {
    const user = userEvent.setup();
    renderApp({ role: null });

    await screen.findByTestId('login-form');
    expectNoApp();
    await user.type(screen.getByTestId('login-username'), 'sam');
    await user.type(screen.getByTestId('login-password'), 'not my password');
    await user.click(screen.getByTestId('login-submit'));

    expect(await screen.findByTestId('login-error')).toHaveTextContent(/^Wrong username or password\.$/);
    expect(screen.getByTestId('login-password')).toHaveValue('');
    expect(screen.getByTestId('login-password')).toHaveFocus();
    expectNoApp();

    await user.type(screen.getByTestId('login-password'), SAMPLE_PASSWORD);
    await user.click(screen.getByTestId('login-submit'));
    expect(await screen.findByTestId('page-dashboard')).toBeInTheDocument();
    expect(screen.getByTestId('current-user')).toHaveTextContent('Sam Patel');
    expect(screen.getByTestId('current-role')).toHaveTextContent('Front desk');
  });

  it('shows core’s wait after too many wrong passwords, as it says it', async () => {
    const user = userEvent.setup();
    renderApp({ role: null });
    await user.type(await screen.findByTestId('login-username'), 'maria');
    for (let i = 0; i < 3; i += 1) {
      await user.type(screen.getByTestId('login-password'), `wrong ${i}`);
      await user.click(screen.getByTestId('login-submit'));
      await screen.findByText('Wrong username or password.');
    }
    await user.type(screen.getByTestId('login-password'), SAMPLE_PASSWORD);
    await user.click(screen.getByTestId('login-submit'));

    const error = await screen.findByText(/^Too many wrong passwords\. Try again in \d+ seconds\.$/);
    expect(error).toHaveAttribute('data-testid', 'login-error');
    expect(error).toHaveAttribute('data-code', 'throttled');
    expectNoApp();
  });
});

describe('the lock', () => {
  it('hides everything behind the lock screen and unlocks with the password', async () => {
    const user = userEvent.setup();
    await renderSignedIn({ role: 'manager' });
    expect(await screen.findByTestId('page-dashboard')).toBeInTheDocument();

    await user.click(screen.getByTestId('lock-button'));

    const lock = await screen.findByTestId('lock-screen');
    expect(within(lock).getByRole('heading', { level: 1 })).toHaveTextContent('Locked — maria');
    expect(screen.getByTestId('lock-user')).toHaveTextContent(/^maria$/);
    expectNoApp();
    expect(screen.getByTestId('unlock-password')).toHaveFocus();

    await user.type(screen.getByTestId('unlock-password'), 'wrong password');
    await user.click(screen.getByTestId('unlock-submit'));
    expect(await screen.findByTestId('unlock-error')).toHaveTextContent('Wrong username or password.');
    expectNoApp();

    await user.type(screen.getByTestId('unlock-password'), SAMPLE_PASSWORD);
    await user.click(screen.getByTestId('unlock-submit'));
    expect(await screen.findByTestId('page-dashboard')).toBeInTheDocument();
    expect(screen.getByTestId('current-user')).toHaveTextContent('Maria Lopez');
  });

  it('lets someone else sign in instead', async () => {
    const user = userEvent.setup();
    renderApp({ backend: createMockBackend({}, { signedIn: 'manager', locked: true }) });

    await user.click(await screen.findByTestId('switch-user'));

    expect(await screen.findByTestId('login-form')).toBeInTheDocument();
    expect(screen.queryByTestId('lock-screen')).not.toBeInTheDocument();
    await user.type(screen.getByTestId('login-username'), 'dana');
    await user.type(screen.getByTestId('login-password'), SAMPLE_PASSWORD);
    await user.click(screen.getByTestId('login-submit'));
    expect(await screen.findByTestId('current-user')).toHaveTextContent('Dana Whitfield');
  });

  it('follows a "locked" answer from any command to the lock screen', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({}, { signedIn: 'front_desk', integrations: [mockIntegration({ id: 'int_1' })] });
    renderApp({ backend });
    const card = await screen.findByTestId('dashboard-integration');

    // The backend's idle lock ran out without the window hearing of it.
    backend.expireSession();
    await user.click(within(card).getByTestId('test-now'));

    expect(await screen.findByTestId('lock-screen')).toBeInTheDocument();
    expect(screen.getByTestId('lock-user')).toHaveTextContent('sam');
    expectNoApp();
  });

  it('goes to the sign-in screen when a command says "locked" and nobody is signed in any more', async () => {
    const base = createMockBackend();
    renderApp({
      backend: {
        ...base,
        integrationStatuses: async () => {
          base.endSession();
          return fail('locked', 'Sign in to go on.');
        },
      },
    });
    expect(await screen.findByTestId('login-form')).toBeInTheDocument();
    expectNoApp();
  });

  it('reads the session again when the backend says it changed', async () => {
    const backend = createMockBackend();
    await renderSignedIn({ backend });

    backend.expireSession();
    act(() => backend.emitSessionChanged('idle_locked'));

    expect(await screen.findByTestId('lock-screen')).toBeInTheDocument();
    expectNoApp();
  });
});

describe('the idle lock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('locks the window after the idle time without a key or a click', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const backend = createMockBackend({}, { settings: { idleLockMinutes: 1 } });
    renderApp({ backend });
    await vi.waitFor(() => expect(screen.getByTestId('sidebar')).toBeInTheDocument());

    await act(() => vi.advanceTimersByTime(59_000));
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    await act(() => vi.advanceTimersByTime(59_000));
    expect(screen.queryByTestId('lock-screen')).not.toBeInTheDocument();

    await act(() => vi.advanceTimersByTime(1_000));
    await vi.waitFor(() => expect(screen.getByTestId('lock-screen')).toBeInTheDocument());
    expect(screen.getByTestId('lock-user')).toHaveTextContent('dana');
    expectNoApp();
  });
});

describe('the account menu', () => {
  it('changes one’s own password, with core’s errors on their fields', async () => {
    const user = userEvent.setup();
    await renderSignedIn({ role: 'front_desk' });

    await user.click(screen.getByTestId('account-menu'));
    await user.click(screen.getByTestId('change-password'));
    const dialog = await screen.findByTestId('change-password-dialog');

    await user.type(within(dialog).getByTestId('current-password'), 'not it');
    await user.type(within(dialog).getByTestId('new-password'), STRONG);
    await user.type(within(dialog).getByTestId('new-password-confirm'), STRONG);
    await user.click(within(dialog).getByTestId('change-password-save'));
    expect(await within(dialog).findByTestId('error-current_password')).toHaveTextContent('That is not your current password.');

    await user.clear(within(dialog).getByTestId('current-password'));
    await user.type(within(dialog).getByTestId('current-password'), SAMPLE_PASSWORD);
    await user.clear(within(dialog).getByTestId('new-password'));
    await user.type(within(dialog).getByTestId('new-password'), 'short');
    await user.clear(within(dialog).getByTestId('new-password-confirm'));
    await user.type(within(dialog).getByTestId('new-password-confirm'), 'short');
    await user.click(within(dialog).getByTestId('change-password-save'));
    expect(await within(dialog).findByTestId('error-password')).toHaveTextContent('The password is too short');

    await user.clear(within(dialog).getByTestId('new-password'));
    await user.type(within(dialog).getByTestId('new-password'), STRONG);
    await user.clear(within(dialog).getByTestId('new-password-confirm'));
    await user.type(within(dialog).getByTestId('new-password-confirm'), STRONG);
    await user.click(within(dialog).getByTestId('change-password-save'));
    expect(await within(dialog).findByTestId('change-password-success')).toHaveTextContent('Your password was changed.');
  });

  it('signs out to the sign-in screen', async () => {
    const user = userEvent.setup();
    await renderSignedIn();
    await user.click(screen.getByTestId('account-menu'));
    await user.click(screen.getByTestId('sign-out'));
    expect(await screen.findByTestId('login-form')).toBeInTheDocument();
    expectNoApp();
  });
});
