import { screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createMockBackend, fail, mockAppInfo, ok } from '../backend/mock';
import { KEYCHAIN_FALLBACK_MESSAGE } from '../lib/app-state.svelte';
import { renderApp } from './render-app';

/** Lets the app's start-up appInfo call settle. */
async function startedUp() {
  await screen.findByTestId('clinic-name');
  await new Promise((resolve) => setTimeout(resolve, 0));
}

describe('keychain banner', () => {
  it('is absent when the keychain is available and nothing failed', async () => {
    renderApp();
    await startedUp();
    expect(screen.queryByTestId('keychain-banner')).not.toBeInTheDocument();
  });

  it('appears with the backend message when appInfo reports the keychain unavailable', async () => {
    const info = mockAppInfo({
      keychain: { backend: 'Secret Service', available: false, message: 'The login keyring is locked.' },
    });
    renderApp({ backend: createMockBackend({ appInfo: async () => ok(info) }) });

    const banner = await screen.findByTestId('keychain-banner');
    expect(banner).toHaveRole('alert');
    expect(banner).toHaveTextContent('Keychain unavailable.');
    expect(banner).toHaveTextContent('The login keyring is locked.');
  });

  it('uses a plain explanation when the backend gives no message', async () => {
    const info = mockAppInfo({ keychain: { available: false, message: null } });
    renderApp({ backend: createMockBackend({ appInfo: async () => ok(info) }) });

    expect(await screen.findByTestId('keychain-banner-message')).toHaveTextContent(
      KEYCHAIN_FALLBACK_MESSAGE,
    );
  });

  it('appears when a command fails with keychain_unavailable, and the app keeps working', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({
      appInfo: async () => fail('keychain_unavailable', 'Secret Service refused to save the token.'),
    });
    renderApp({ backend });

    const banner = await screen.findByTestId('keychain-banner');
    expect(banner).toHaveTextContent('Secret Service refused to save the token.');

    // Navigation still works and the banner stays on every page.
    await user.click(screen.getByTestId('nav-webhooks'));
    expect(screen.getByTestId('page-webhooks')).toBeInTheDocument();
    expect(screen.getByTestId('keychain-banner')).toBeInTheDocument();
    expect(screen.getByTestId('clinic-name')).toHaveTextContent('Your clinic');
  });

  it('does not appear for other error codes', async () => {
    const backend = createMockBackend({
      appInfo: async () => fail('network', 'The connection timed out.'),
    });
    renderApp({ backend, page: 'settings' });

    expect(await screen.findByTestId('error-notice')).toHaveTextContent('The connection timed out.');
    expect(screen.queryByTestId('keychain-banner')).not.toBeInTheDocument();
  });
});
