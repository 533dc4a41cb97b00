import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { MissingSecret } from '../backend';
import { createMockBackend } from '../backend/mock';
import { renderApp, renderSignedIn } from './render-app';

const MISSING: MissingSecret[] = [
  { objectType: 'integration', objectId: 'int_1', objectLabel: 'Front desk SMS', field: 'auth_token' },
  { objectType: 'endpoint', objectId: 'ep_1', objectLabel: 'https://pms.example.com/hooks', field: 'secret' },
];

describe('the missing-secrets banner', () => {
  it('names each secret the keychain lacks, on every page, with links for a manager', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({}, { signedIn: 'manager', missingSecrets: MISSING });
    renderApp({ backend });

    const banner = await screen.findByTestId('missing-secrets-banner');
    expect(banner).toHaveTextContent("These secrets are not in this computer's keychain (the database may have been copied from another computer). Enter them again.");
    const items = within(banner).getAllByTestId('missing-secret');
    expect(items.map((i) => i.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'Front desk SMS (integration): auth_token Open Integrations',
      'https://pms.example.com/hooks (webhook endpoint): secret Open Webhooks',
    ]);

    await user.click(within(items[1] as HTMLElement).getByTestId('missing-secret-link'));
    expect(await screen.findByTestId('page-webhooks')).toBeInTheDocument();
    expect(screen.getByTestId('missing-secrets-banner')).toBeInTheDocument();

    // Entered again: gone at the next change of page.
    backend.setMissingSecrets([]);
    await user.click(screen.getByTestId('nav-delivery-log'));
    await waitFor(() => expect(screen.queryByTestId('missing-secrets-banner')).not.toBeInTheDocument());
  });

  it('tells the front desk who can fix it, without links to pages they cannot open', async () => {
    renderApp({ backend: createMockBackend({}, { signedIn: 'front_desk', missingSecrets: MISSING }) });
    const banner = await screen.findByTestId('missing-secrets-banner');
    expect(banner).toHaveTextContent('A practice manager or an admin needs to enter them again.');
    expect(within(banner).getAllByTestId('missing-secret')).toHaveLength(2);
    expect(within(banner).queryByTestId('missing-secret-link')).not.toBeInTheDocument();
  });

  it('is not there when every secret is in the keychain', async () => {
    const backend = createMockBackend();
    const asked = vi.spyOn(backend, 'missingSecrets');
    await renderSignedIn({ backend });
    await waitFor(() => expect(asked).toHaveBeenCalled());
    await asked.mock.results[0]?.value;
    expect(screen.queryByTestId('missing-secrets-banner')).not.toBeInTheDocument();
  });
});
