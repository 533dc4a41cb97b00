import { screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
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

describe('Settings › the settings form', () => {
  function control(field: string): HTMLInputElement {
    const element = document.querySelector<HTMLInputElement>(`[data-field="${field}"]`);
    if (!element) throw new Error(`no control for ${field}`);
    return element;
  }

  it('shows the stored settings with a help text for the interval', async () => {
    const backend = createMockBackend({
      getSettings: async () => ok({ clinicName: 'Riverside Veterinary Clinic', checkIntervalMinutes: 30, idleLockMinutes: 10, retentionDays: 365 }),
    });
    renderApp({ page: 'settings', backend });
    const form = await screen.findByTestId('settings-form');

    expect(within(form).getByLabelText('Clinic name')).toBe(control('clinic_name'));
    expect(control('clinic_name')).toHaveAttribute('name', 'clinic_name');
    expect(control('clinic_name')).toHaveValue('Riverside Veterinary Clinic');
    const interval = within(form).getByLabelText(/^Check interval \(minutes\)/);
    expect(interval).toBe(control('check_interval_minutes'));
    expect(interval).toHaveAttribute('name', 'check_interval_minutes');
    expect(interval).toHaveAttribute('type', 'number');
    expect(interval).toHaveAttribute('min', '1');
    expect(interval).toHaveAttribute('max', '1440');
    expect(interval).toHaveValue(30);
    expect(interval).toHaveAccessibleDescription(/How often each integration is tested in the background/);
    // About this installation is still there, below.
    expect(await screen.findByTestId('info-version')).toBeInTheDocument();
  });

  it('saves, says so, and the header shows the new clinic name at once', async () => {
    const user = userEvent.setup();
    const base = createMockBackend();
    const updateSettings = vi.fn(base.updateSettings);
    renderApp({ page: 'settings', backend: { ...base, updateSettings } });
    await screen.findByTestId('settings-form');
    expect(screen.getByTestId('clinic-name')).toHaveTextContent('Your clinic');

    await user.type(control('clinic_name'), '  Riverside Veterinary Clinic ');
    await user.clear(control('check_interval_minutes'));
    await user.type(control('check_interval_minutes'), '30');
    await user.click(screen.getByTestId('save-settings'));

    expect(await screen.findByTestId('settings-success')).toHaveTextContent('Settings saved.');
    expect(updateSettings).toHaveBeenCalledWith({ clinicName: 'Riverside Veterinary Clinic', checkIntervalMinutes: 30, idleLockMinutes: 10, retentionDays: 365 });
    expect(screen.getByTestId('clinic-name')).toHaveTextContent(/^Riverside Veterinary Clinic$/);
    expect(control('clinic_name')).toHaveValue('Riverside Veterinary Clinic');
    expect(await base.getSettings()).toEqual(ok({ clinicName: 'Riverside Veterinary Clinic', checkIntervalMinutes: 30, idleLockMinutes: 10, retentionDays: 365 }));

    // Editing again hides the old success message.
    await user.type(control('clinic_name'), '!');
    expect(screen.queryByTestId('settings-success')).not.toBeInTheDocument();
  });

  it('shows core’s validation error under the check interval, marks it and focuses it', async () => {
    const user = userEvent.setup();
    renderApp({ page: 'settings' });
    await screen.findByTestId('settings-form');

    await user.clear(control('check_interval_minutes'));
    await user.type(control('check_interval_minutes'), '2000');
    await user.click(screen.getByTestId('save-settings'));

    expect(await screen.findByTestId('error-check_interval_minutes')).toHaveTextContent(
      'The check interval must be between 1 and 1440 minutes (a day).',
    );
    expect(control('check_interval_minutes')).toHaveAttribute('aria-invalid', 'true');
    expect(control('check_interval_minutes')).toHaveFocus();
    expect(screen.queryByTestId('settings-success')).not.toBeInTheDocument();
    expect(screen.queryByTestId('error-clinic_name')).not.toBeInTheDocument();

    // Fixing it clears the error and saves.
    await user.clear(control('check_interval_minutes'));
    expect(screen.queryByTestId('error-check_interval_minutes')).not.toBeInTheDocument();
    await user.type(control('check_interval_minutes'), '60');
    await user.click(screen.getByTestId('save-settings'));
    expect(await screen.findByTestId('settings-success')).toBeInTheDocument();
  });

  it('shows a clinic name error from core on its field', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({
      updateSettings: async () => fail('validation', 'Clinic name must not contain control characters.', 'clinic_name'),
    });
    renderApp({ page: 'settings', backend });
    await screen.findByTestId('settings-form');
    await user.type(control('clinic_name'), 'Riverside');
    await user.click(screen.getByTestId('save-settings'));

    expect(await screen.findByTestId('error-clinic_name')).toHaveTextContent('Clinic name must not contain control characters.');
    expect(control('clinic_name')).toHaveFocus();
    expect(screen.getByTestId('clinic-name')).toHaveTextContent('Your clinic');
  });

  it('does not send an interval that is not a whole number', async () => {
    const user = userEvent.setup();
    const base = createMockBackend();
    const updateSettings = vi.fn(base.updateSettings);
    renderApp({ page: 'settings', backend: { ...base, updateSettings } });
    await screen.findByTestId('settings-form');

    await user.clear(control('check_interval_minutes'));
    await user.click(screen.getByTestId('save-settings'));

    expect(await screen.findByTestId('error-check_interval_minutes')).toHaveTextContent('Enter a whole number of minutes');
    expect(updateSettings).not.toHaveBeenCalled();
  });
});
