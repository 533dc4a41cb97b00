import { screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createMockBackend, fail, mockAppInfo, ok } from '../backend/mock';
import { renderApp } from './render-app';

describe('Settings › About this installation', () => {
  it('shows every value from appInfo exactly', async () => {
    const info = mockAppInfo({
      version: '3.14.2',
      buildKind: 'release',
      dataDir: 'C:\\Users\\Front Desk\\AppData\\Local\\Switchboard',
      databasePath: 'C:\\Users\\Front Desk\\AppData\\Local\\Switchboard\\switchboard.db',
      schemaVersion: 7,
      keychain: { backend: 'Windows Credential Manager', available: true, message: null },
      clinicName: 'Riverside Veterinary Clinic',
    });
    renderApp({ page: 'settings', backend: createMockBackend({ appInfo: async () => ok(info) }) });

    expect(await screen.findByTestId('info-version')).toHaveTextContent(/^3\.14\.2$/);
    expect(screen.getByTestId('info-build-kind')).toHaveTextContent(/^release$/);
    expect(screen.getByTestId('info-data-dir').textContent).toBe(info.dataDir);
    expect(screen.getByTestId('info-database').textContent).toBe(info.databasePath);
    expect(screen.getByTestId('info-schema-version').textContent).toBe('7');
    expect(screen.getByTestId('info-keychain-backend').textContent).toBe('Windows Credential Manager');
    expect(screen.getByTestId('info-keychain-available').textContent).toBe('Yes');
    expect(screen.getByTestId('clinic-name')).toHaveTextContent('Riverside Veterinary Clinic');
  });

  it('says "No" and shows the reason when the keychain is unavailable', async () => {
    const info = mockAppInfo({
      keychain: { backend: 'Secret Service', available: false, message: 'No D-Bus session found.' },
    });
    renderApp({ page: 'settings', backend: createMockBackend({ appInfo: async () => ok(info) }) });

    expect(await screen.findByTestId('info-keychain-available')).toHaveTextContent(/^No$/);
    expect(screen.getByTestId('info-keychain-message')).toHaveTextContent('No D-Bus session found.');
  });

  it('shows the error and can try again when appInfo fails', async () => {
    const user = userEvent.setup();
    let calls = 0;
    const backend = createMockBackend({
      appInfo: async () => {
        calls += 1;
        return calls === 1
          ? fail('storage', 'The database file could not be opened.')
          : ok(mockAppInfo({ version: '9.9.9' }));
      },
    });
    renderApp({ page: 'settings', backend });

    const notice = await screen.findByTestId('error-notice');
    expect(notice).toHaveTextContent('Could not read or save local data');
    expect(notice).toHaveTextContent('The database file could not be opened.');
    expect(screen.queryByTestId('keychain-banner')).not.toBeInTheDocument();

    await user.click(within(notice).getByRole('button', { name: 'Try again' }));

    expect(await screen.findByTestId('info-version')).toHaveTextContent('9.9.9');
    expect(screen.queryByTestId('error-notice')).not.toBeInTheDocument();
  });
});
