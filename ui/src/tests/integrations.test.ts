import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent, { type UserEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Backend, IntegrationDraft, Provider, ProviderSpec } from '../backend';
import { createMockBackend, fail, mockIntegration, ok } from '../backend/mock';
import { PROVIDERS as MOCK_CATALOG } from '../backend/domain';
import { renderApp } from './render-app';

const VALID_TWILIO = {
  account_sid: 'AC0123456789abcdef0123456789abcdef',
  auth_token: '0123456789abcdef0123456789abcdef',
  sender: '+15551234567',
};

/** The fields a new form shows before anything is chosen. */
const SHOWN_AT_FIRST: Record<Provider, string[]> = {
  twilio: ['account_sid', 'auth_method', 'auth_token', 'sender'],
  // Token fields wait behind "Enter tokens instead"; sync rule settings are on the integration's page.
  square: ['application_id', 'application_secret', 'redirect_port', 'relay_url', 'square_version'],
  quickbooks: ['client_id', 'client_secret', 'redirect_port', 'relay_url'],
};

function specOf(provider: Provider): ProviderSpec {
  const spec = MOCK_CATALOG.find((p) => p.provider === provider);
  if (!spec) throw new Error(provider);
  return spec;
}

/** The control(s) of a form field, found the way end-to-end tests find them. */
function control(field: string): HTMLInputElement {
  const element = document.querySelector<HTMLInputElement>(`[data-field="${field}"]`);
  if (!element) throw new Error(`no control for ${field}`);
  return element;
}

/** A label's text exactly, with or without the required marker. */
function labelled(label: string): RegExp {
  return new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s?(\\*)?$`);
}

function hasControl(field: string): boolean {
  return document.querySelector(`[data-field="${field}"]`) !== null;
}

async function openAddForm(user: UserEvent, provider: Provider) {
  await user.click(await screen.findByTestId('add-integration'));
  await user.click(await screen.findByTestId(`provider-${provider}`));
  return screen.findByTestId('integration-form');
}

async function fill(user: UserEvent, values: Record<string, string>) {
  for (const [field, value] of Object.entries(values)) {
    await user.clear(control(field));
    await user.type(control(field), value);
  }
}

/** The mock backend with some commands wrapped in spies that still run the mock's own code. */
function spiedBackend(options: Parameters<typeof createMockBackend>[1] = {}) {
  const base = createMockBackend({}, options);
  const spies = {
    validateIntegration: vi.fn(base.validateIntegration),
    createIntegration: vi.fn(base.createIntegration),
    updateIntegration: vi.fn(base.updateIntegration),
    getIntegration: vi.fn(base.getIntegration),
    deleteIntegration: vi.fn(base.deleteIntegration),
  };
  const backend: Backend = { ...base, ...spies };
  return { base, backend, ...spies };
}

describe('the add form is rendered from the provider spec', () => {
  it.each(['twilio', 'square', 'quickbooks'] as const)('%s: every shown field with its label, help and name', async (provider) => {
    const user = userEvent.setup();
    renderApp({ page: 'integrations' });
    const form = await openAddForm(user, provider);
    const spec = specOf(provider);

    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent(`Add ${spec.name}`);
    expect(within(form).getByLabelText(labelled('Display name'))).toBe(control('name'));
    expect(control('name')).toHaveAttribute('name', 'name');
    for (const env of spec.environments) {
      const radio = within(form).getByRole('radio', { name: env.label });
      expect(radio).toHaveAttribute('name', 'environment');
      expect(radio).toHaveAccessibleDescription(env.help);
    }
    expect(within(form).getByRole('radio', { name: spec.environments[0]?.label })).toBeChecked();

    const shown = spec.fields.filter((f) => SHOWN_AT_FIRST[provider].includes(f.name));
    expect(shown).toHaveLength(SHOWN_AT_FIRST[provider].length);
    for (const field of spec.fields.filter((f) => !shown.includes(f))) expect(hasControl(field.name)).toBe(false);
    for (const field of shown) {
      if (field.kind.kind === 'choice') {
        const group = within(form).getByRole('group', { name: labelled(field.label) });
        for (const option of field.kind.options) {
          expect(within(group).getByRole('radio', { name: option.label })).toHaveAttribute('name', field.name);
        }
        expect(group).toHaveTextContent(field.help);
      } else {
        const input = within(form).getByLabelText(labelled(field.label));
        expect(input).toBe(control(field.name));
        expect(input).toHaveAttribute('name', field.name);
        expect(input).toHaveAccessibleDescription(field.help);
        if (field.placeholder) expect(input).toHaveAttribute('placeholder', field.placeholder);
        expect(input).toHaveValue(field.default ?? '');
        if (field.requirement.kind === 'required') expect(input).toHaveAttribute('aria-required', 'true');
      }
    }

    // The custom base URL sits behind "Advanced".
    expect(control('base_url')).not.toBeVisible();
    await user.click(within(form).getByRole('button', { name: /Advanced/ }));
    expect(within(form).getByLabelText('Custom base URL')).toBe(control('base_url'));
    expect(control('base_url')).toBeVisible();
    expect(control('base_url')).toHaveAttribute('placeholder', spec.environments[0]?.baseUrl);
  });

  it('renders whatever fields core describes, not a form written for each provider', async () => {
    const user = userEvent.setup();
    const square = specOf('square');
    const changed: ProviderSpec = {
      ...square,
      environments: [{ name: 'eu', label: 'Europe', help: 'Data stays in the EU.', baseUrl: 'https://eu.example.com' }],
      fields: [
        ...square.fields,
        {
          name: 'terminal_code',
          label: 'Terminal pairing code',
          help: 'Printed on the card reader.',
          placeholder: 'ABCD-1234',
          secret: false,
          requirement: { kind: 'optional' },
          kind: { kind: 'token' },
          maxLen: 9,
          default: null,
        },
      ],
    };
    renderApp({
      page: 'integrations',
      backend: createMockBackend({ listProviders: async () => [changed] }),
    });
    const form = await openAddForm(user, 'square');

    expect(within(form).getByLabelText('Terminal pairing code')).toHaveAccessibleDescription('Printed on the card reader.');
    expect(within(form).getByRole('radio', { name: 'Europe' })).toBeChecked();
    expect(screen.queryByTestId('provider-twilio')).not.toBeInTheDocument();
  });
});

describe('conditional fields', () => {
  it('shows the Twilio API key fields only when "Sign in with" is API key, and sends only shown fields', async () => {
    const user = userEvent.setup();
    const { backend, createIntegration } = spiedBackend();
    renderApp({ page: 'integrations', backend });
    await openAddForm(user, 'twilio');

    expect(hasControl('auth_token')).toBe(true);
    expect(hasControl('api_key_sid')).toBe(false);
    expect(hasControl('api_key_secret')).toBe(false);

    await user.click(screen.getByRole('radio', { name: 'API Key SID and secret' }));

    expect(hasControl('auth_token')).toBe(false);
    expect(screen.getByLabelText(labelled('API Key SID'))).toBe(control('api_key_sid'));
    expect(screen.getByLabelText(labelled('API Key secret'))).toBe(control('api_key_secret'));

    await fill(user, {
      account_sid: VALID_TWILIO.account_sid,
      api_key_sid: 'SK0123456789abcdef0123456789abcdef',
      api_key_secret: 'key-secret-value',
      sender: VALID_TWILIO.sender,
    });
    await user.click(screen.getByTestId('save-integration'));

    await screen.findByTestId('form-success');
    const draft = createIntegration.mock.calls[0]?.[0] as IntegrationDraft;
    expect(draft.values).toEqual({
      account_sid: VALID_TWILIO.account_sid,
      auth_method: 'api_key',
      api_key_sid: 'SK0123456789abcdef0123456789abcdef',
      sender: VALID_TWILIO.sender,
    });
    expect(draft.secrets).toEqual({ api_key_secret: 'key-secret-value' });
  });
});

describe('inline validation', () => {
  it('asks core about the form as the user types and shows its errors and warnings under the fields', async () => {
    const user = userEvent.setup();
    const validateIntegration = vi.fn(async (draft: IntegrationDraft) =>
      ok([
        ...(draft.values?.account_sid === 'AC12'
          ? [{ field: 'account_sid', message: 'Account SID must be 34 characters long.', severity: 'error' as const }]
          : []),
        ...(draft.secrets?.auth_token
          ? [{ field: 'auth_token', message: 'Auth Tokens are usually 32 characters.', severity: 'warning' as const }]
          : []),
        { field: 'sender', message: 'Send from is required.', severity: 'error' as const },
      ]),
    );
    renderApp({ page: 'integrations', backend: createMockBackend({ validateIntegration }) });
    await openAddForm(user, 'twilio');

    await user.type(control('account_sid'), 'AC12');
    await user.type(control('auth_token'), 'short');
    await user.tab();

    const error = await screen.findByTestId('error-account_sid');
    expect(error).toHaveTextContent('Account SID must be 34 characters long.');
    expect(control('account_sid')).toHaveAttribute('aria-invalid', 'true');
    expect(control('account_sid')).toHaveAccessibleDescription(expect.stringContaining('Account SID must be 34 characters long.'));
    expect(await screen.findByTestId('warning-auth_token')).toHaveTextContent('Auth Tokens are usually 32 characters.');
    expect(control('auth_token')).not.toHaveAttribute('aria-invalid');
    // A field the user has not reached yet is not scolded before a save attempt.
    expect(screen.queryByTestId('error-sender')).not.toBeInTheDocument();

    const lastDraft = validateIntegration.mock.calls.at(-1)?.[0];
    expect(lastDraft).toMatchObject({ provider: 'twilio', values: { account_sid: 'AC12' }, secrets: { auth_token: 'short' } });
    // Debounced: far fewer calls than keystrokes.
    expect(validateIntegration.mock.calls.length).toBeLessThan('AC12short'.length);

    await user.clear(control('account_sid'));
    await user.type(control('account_sid'), VALID_TWILIO.account_sid);
    await waitFor(() => expect(screen.queryByTestId('error-account_sid')).not.toBeInTheDocument());
  });

  it('on a failed save lists every problem, marks each field and moves focus to the first', async () => {
    const user = userEvent.setup();
    const { backend, createIntegration } = spiedBackend();
    renderApp({ page: 'integrations', backend });
    await openAddForm(user, 'twilio');
    await user.clear(control('name'));
    await fill(user, { sender: '555-1234' });

    await user.click(screen.getByTestId('save-integration'));

    const formError = await screen.findByTestId('form-error');
    expect(formError).toHaveTextContent('Nothing was saved yet');
    expect(formError).toHaveTextContent('4 fields need attention');
    expect(screen.getByTestId('error-name')).toHaveTextContent('Name is required.');
    expect(screen.getByTestId('error-account_sid')).toHaveTextContent('Account SID is required.');
    expect(screen.getByTestId('error-auth_token')).toHaveTextContent('Auth Token is required.');
    expect(screen.getByTestId('error-sender')).toHaveTextContent('international form');
    expect(control('name')).toHaveFocus();
    expect(createIntegration).not.toHaveBeenCalled();

    // The summary's links lead to their fields.
    await user.click(within(formError).getByRole('button', { name: 'Send from' }));
    expect(control('sender')).toHaveFocus();
    expect(control('sender')).toHaveValue('555-1234');
  });

  it('opens "Advanced" and focuses the base URL when that is what is wrong', async () => {
    const user = userEvent.setup();
    renderApp({ page: 'integrations' });
    await openAddForm(user, 'square');
    await user.click(screen.getByTestId('enter-tokens'));
    await user.click(screen.getByRole('button', { name: /Advanced/ }));
    await fill(user, { access_token: 'EAAAtoken', location_id: 'L1', base_url: 'http://proxy.example.com' });
    await user.click(screen.getByRole('button', { name: /Advanced/ }));
    expect(control('base_url')).not.toBeVisible();

    await user.click(screen.getByTestId('save-integration'));

    expect(await screen.findByTestId('error-base_url')).toHaveTextContent('must use https://');
    expect(control('base_url')).toBeVisible();
    expect(control('base_url')).toHaveFocus();
  });
});

describe('saving a new integration', () => {
  it('shows a validation error from createIntegration on its field and keeps everything typed', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({
      validateIntegration: async () => ok([]),
      createIntegration: async () => fail('validation', 'Another integration is already called “Twilio”.', 'name'),
    });
    renderApp({ page: 'integrations', backend });
    await openAddForm(user, 'twilio');
    await fill(user, VALID_TWILIO);

    await user.click(screen.getByTestId('save-integration'));

    expect(await screen.findByTestId('form-error')).toHaveTextContent('Another integration is already called “Twilio”.');
    expect(screen.getByTestId('error-name')).toHaveTextContent('Another integration is already called “Twilio”.');
    expect(control('name')).toHaveFocus();
    expect(control('name')).toHaveValue('Twilio');
    expect(control('account_sid')).toHaveValue(VALID_TWILIO.account_sid);
    expect(control('auth_token')).toHaveValue(VALID_TWILIO.auth_token);
    expect(control('sender')).toHaveValue(VALID_TWILIO.sender);
    expect(screen.queryByTestId('integration-card')).not.toBeInTheDocument();

    // Editing the field clears the error core gave for it.
    await user.type(control('name'), ' 2');
    expect(screen.queryByTestId('error-name')).not.toBeInTheDocument();
  });

  it('says the keychain is why nothing was saved, raises the banner and keeps the form', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({
      createIntegration: async () => fail('keychain_unavailable', 'The login keyring is locked.'),
    });
    renderApp({ page: 'integrations', backend });
    await openAddForm(user, 'twilio');
    await fill(user, VALID_TWILIO);

    await user.click(screen.getByTestId('save-integration'));

    const formError = await screen.findByTestId('form-error');
    expect(formError).toHaveTextContent('Nothing was saved: the keychain is unavailable');
    expect(formError).toHaveTextContent('The login keyring is locked.');
    expect(await screen.findByTestId('keychain-banner')).toHaveTextContent('The login keyring is locked.');
    expect(control('auth_token')).toHaveValue(VALID_TWILIO.auth_token);
    expect(control('account_sid')).toHaveValue(VALID_TWILIO.account_sid);
    expect(screen.getByTestId('save-integration')).toBeEnabled();
  });

  it('disables Save while saving, then shows success and the new card, here and on the dashboard', async () => {
    const user = userEvent.setup();
    const { base } = spiedBackend();
    let finish: (() => void) | undefined;
    const backend: Backend = {
      ...base,
      createIntegration: (draft) =>
        new Promise((resolve) => {
          finish = () => void base.createIntegration(draft).then(resolve);
        }),
    };
    const { router } = renderApp({ page: 'integrations', backend });
    expect(await screen.findByTestId('integrations-empty')).toBeInTheDocument();
    await openAddForm(user, 'twilio');
    await fill(user, { ...VALID_TWILIO, name: 'Front desk SMS' });

    await user.click(screen.getByTestId('save-integration'));

    await waitFor(() => expect(screen.getByTestId('save-integration')).toBeDisabled());
    expect(screen.getByTestId('save-integration')).toHaveTextContent('Saving…');
    finish?.();

    expect(await screen.findByTestId('form-success')).toHaveTextContent('Added “Front desk SMS”');
    const card = screen.getByTestId('integration-card');
    expect(card).toHaveAttribute('data-name', 'Front desk SMS');
    expect(card).toHaveTextContent('Twilio · Live credentials');
    expect(card).toHaveTextContent('Enabled');
    expect(within(card).getByTestId('integration-secrets')).toHaveTextContent('Auth Token: set');
    expect(screen.queryByTestId('integrations-empty')).not.toBeInTheDocument();

    router.go('dashboard');
    const tile = await screen.findByTestId('dashboard-integration');
    expect(tile).toHaveAttribute('data-name', 'Front desk SMS');
    expect(tile).toHaveTextContent('Twilio · Live credentials');
    expect(within(tile).getByTestId('status-badge')).toHaveTextContent('Check');
    expect(within(tile).getByTestId('status-reason')).toHaveTextContent('Not tested yet.');
    expect(screen.queryByTestId('dashboard-empty')).not.toBeInTheDocument();
  });

  it('shows warnings but saves anyway', async () => {
    const user = userEvent.setup();
    renderApp({ page: 'integrations' });
    await openAddForm(user, 'twilio');
    await fill(user, { ...VALID_TWILIO, auth_token: 'not-hex-but-allowed' });
    await user.tab();
    expect(await screen.findByTestId('warning-auth_token')).toHaveTextContent('usually 32 hexadecimal');

    await user.click(screen.getByTestId('save-integration'));

    const success = await screen.findByTestId('form-success');
    expect(success).toHaveTextContent('Added “Twilio”');
    expect(success).toHaveTextContent('Auth Token: Twilio Auth Tokens are usually 32 hexadecimal');
  });
});

describe('secrets', () => {
  it('are masked while typed and never shown after saving', async () => {
    const user = userEvent.setup();
    renderApp({ page: 'integrations' });
    await openAddForm(user, 'quickbooks');
    await user.click(screen.getByTestId('enter-tokens'));

    for (const field of ['client_secret', 'refresh_token']) {
      expect(control(field)).toHaveAttribute('type', 'password');
      expect(control(field)).toHaveAttribute('autocomplete', 'off');
    }
    expect(control('client_id')).toHaveAttribute('type', 'text');

    await fill(user, {
      client_id: 'ABclient',
      client_secret: 'sEcReT-cLiEnT-vAlUe',
      realm_id: '9341453000000001',
      refresh_token: 'RT1-rEfReSh-ToKeN',
    });
    await user.click(screen.getByTestId('save-integration'));
    await screen.findByTestId('form-success');

    expect(document.body.innerHTML).not.toContain('sEcReT-cLiEnT-vAlUe');
    expect(document.body.innerHTML).not.toContain('RT1-rEfReSh-ToKeN');
    expect(screen.getByTestId('integration-secrets')).toHaveTextContent('Client secret: set');

    // Editing shows that they are set, never their value, and no input until "Replace".
    await user.click(screen.getByTestId('edit-integration'));
    await user.click(screen.getByTestId('enter-tokens'));
    for (const field of ['client_secret', 'refresh_token']) {
      expect(screen.getByTestId(`secret-stored-${field}`)).toHaveTextContent('Set — stored in the keychain');
      expect(hasControl(field)).toBe(false);
    }
    await user.click(screen.getByRole('button', { name: 'Replace Client secret' }));
    expect(control('client_secret')).toHaveAttribute('type', 'password');
    expect(control('client_secret')).toHaveValue('');
    expect(control('client_secret')).toHaveFocus();
    expect(document.body.innerHTML).not.toContain('sEcReT-cLiEnT-vAlUe');
  });
});

describe('editing', () => {
  const stored = mockIntegration({ id: 'int_1', name: 'Front desk SMS', revision: 7 });

  it('is pre-filled with the settings and sends only changed fields, the revision, and no empty secret', async () => {
    const user = userEvent.setup();
    const { backend, updateIntegration } = spiedBackend({ integrations: [stored] });
    renderApp({ page: 'integrations', backend });

    await user.click(await screen.findByTestId('edit-integration'));
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Edit “Front desk SMS”');
    expect(control('name')).toHaveValue('Front desk SMS');
    expect(control('account_sid')).toHaveValue(stored.settings.account_sid);
    expect(control('sender')).toHaveValue('+15551234567');
    expect(screen.getByRole('radio', { name: 'Live credentials' })).toBeChecked();

    await fill(user, { sender: '+15557654321' });
    await user.click(screen.getByRole('button', { name: 'Replace Auth Token' }));
    // Left empty: the stored Auth Token stays.
    await user.click(screen.getByTestId('save-integration'));

    expect(await screen.findByTestId('form-success')).toHaveTextContent('Saved your changes to “Front desk SMS”');
    expect(updateIntegration).toHaveBeenCalledTimes(1);
    expect(updateIntegration).toHaveBeenCalledWith('int_1', {
      expectedRevision: 7,
      values: { sender: '+15557654321' },
    });
    const card = screen.getByTestId('integration-card');
    expect(within(card).getByTestId('integration-secrets')).toHaveTextContent('Auth Token: set');
  });

  it('sends a replaced secret, and "" to remove the custom base URL', async () => {
    const user = userEvent.setup();
    const withUrl = { ...stored, baseUrl: 'https://proxy.example.com' };
    const { backend, updateIntegration } = spiedBackend({ integrations: [withUrl] });
    renderApp({ page: 'integrations', backend });

    await user.click(await screen.findByTestId('edit-integration'));
    expect(control('base_url')).toBeVisible();
    expect(control('base_url')).toHaveValue('https://proxy.example.com');
    await user.clear(control('base_url'));
    await user.click(screen.getByRole('button', { name: 'Replace Auth Token' }));
    await user.type(control('auth_token'), 'fedcba9876543210fedcba9876543210');
    await user.click(screen.getByTestId('save-integration'));

    await screen.findByTestId('form-success');
    expect(updateIntegration).toHaveBeenCalledWith('int_1', {
      expectedRevision: 7,
      baseUrl: '',
      secrets: { auth_token: 'fedcba9876543210fedcba9876543210' },
    });
  });

  it('saves nothing when nothing changed', async () => {
    const user = userEvent.setup();
    const { backend, updateIntegration } = spiedBackend({ integrations: [stored] });
    renderApp({ page: 'integrations', backend });

    await user.click(await screen.findByTestId('edit-integration'));
    await user.click(screen.getByTestId('save-integration'));

    expect(await screen.findByTestId('form-unchanged')).toHaveTextContent('nothing to save');
    expect(updateIntegration).not.toHaveBeenCalled();
  });

  it('says when someone else saved in between, and Reload shows their version', async () => {
    const user = userEvent.setup();
    const { base, backend, getIntegration } = spiedBackend({ integrations: [stored], actor: 'os:manager' });
    renderApp({ page: 'integrations', backend });

    await user.click(await screen.findByTestId('edit-integration'));
    await fill(user, { sender: '+15557654321' });
    // Meanwhile, on another computer:
    await base.updateIntegration('int_1', { values: { sender: '+15550000000' } });

    await user.click(screen.getByTestId('save-integration'));

    const formError = await screen.findByTestId('form-error');
    expect(formError).toHaveTextContent('Someone else changed this integration');
    expect(formError).toHaveTextContent('“Front desk SMS” was changed by os:manager');
    expect(control('sender')).toHaveValue('+15557654321');

    await user.click(within(formError).getByTestId('reload-integration'));

    expect(getIntegration).toHaveBeenCalledWith('int_1');
    expect(await screen.findByTestId('form-reloaded')).toHaveTextContent('saved by manager');
    expect(control('sender')).toHaveValue('+15550000000');
    expect(screen.queryByTestId('form-error')).not.toBeInTheDocument();
  });

  it('warns that switching the sign-in method removes the stored Auth Token', async () => {
    const user = userEvent.setup();
    renderApp({ page: 'integrations', backend: createMockBackend({}, { integrations: [stored] }) });

    await user.click(await screen.findByTestId('edit-integration'));
    expect(screen.queryByTestId('secrets-dropped')).not.toBeInTheDocument();
    await user.click(screen.getByRole('radio', { name: 'API Key SID and secret' }));

    expect(screen.getByTestId('secrets-dropped')).toHaveTextContent('removes the stored Auth Token from the keychain');
    // The new secret is not stored yet, so it gets an input straight away.
    expect(control('api_key_secret')).toHaveValue('');
  });
});

describe('the list', () => {
  it('shows each integration with its state in words, and disables and enables it', async () => {
    const user = userEvent.setup();
    renderApp({
      page: 'integrations',
      backend: createMockBackend({}, { integrations: [mockIntegration({ provider: 'square', name: 'Card payments' })] }),
    });

    const card = await screen.findByTestId('integration-card');
    expect(card).toHaveAttribute('data-name', 'Card payments');
    expect(card).toHaveTextContent('Square · Production');
    expect(within(card).getByTestId('integration-state')).toHaveTextContent('Enabled');
    expect(within(card).getByTestId('integration-updated')).toHaveTextContent('by frontdesk');

    await user.click(within(card).getByRole('button', { name: 'Disable Card payments' }));
    await waitFor(() => expect(within(card).getByTestId('integration-state')).toHaveTextContent('Disabled'));
    expect(within(card).getByRole('button', { name: 'Enable Card payments' })).toBeInTheDocument();
  });

  it('asks before removing, says the secrets leave the keychain too, and Cancel keeps it', async () => {
    const user = userEvent.setup();
    const { backend, deleteIntegration } = spiedBackend({
      integrations: [mockIntegration({ id: 'int_qb', provider: 'quickbooks', name: 'Accounting' })],
    });
    renderApp({ page: 'integrations', backend });

    await user.click(await screen.findByTestId('remove-integration'));
    const dialog = screen.getByRole('alertdialog', { name: 'Remove “Accounting”?' });
    expect(dialog).toHaveTextContent("Its secrets (Client secret, Refresh token) are deleted from this computer's keychain too.");
    expect(within(dialog).getByTestId('confirm-cancel')).toHaveFocus();

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(deleteIntegration).not.toHaveBeenCalled();
    expect(screen.getByTestId('integration-card')).toBeInTheDocument();

    await user.click(screen.getByTestId('remove-integration'));
    await user.click(screen.getByTestId('confirm-remove'));

    await waitFor(() => expect(screen.queryByTestId('integration-card')).not.toBeInTheDocument());
    expect(deleteIntegration).toHaveBeenCalledWith('int_qb');
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(screen.getByTestId('integrations-empty')).toBeInTheDocument();
  });

  it('keeps the dialog open with the reason when removing fails', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend(
      { deleteIntegration: async () => fail('keychain_unavailable', 'The login keyring is locked.') },
      { integrations: [mockIntegration()] },
    );
    renderApp({ page: 'integrations', backend });

    await user.click(await screen.findByTestId('remove-integration'));
    await user.click(screen.getByTestId('confirm-remove'));

    expect(await screen.findByTestId('remove-error')).toHaveTextContent('The login keyring is locked.');
    expect(screen.getByRole('alertdialog')).toBeInTheDocument();
    expect(screen.getByTestId('keychain-banner')).toBeInTheDocument();
    expect(screen.getByTestId('integration-card')).toBeInTheDocument();
  });
});

describe('the dashboard with integrations', () => {
  it('shows a card per integration with its state in words instead of the empty state', async () => {
    renderApp({
      backend: createMockBackend(
        {},
        {
          integrations: [
            mockIntegration({ id: 'a', name: 'Front desk SMS' }),
            mockIntegration({ id: 'b', provider: 'quickbooks', name: 'Accounting', enabled: false }),
          ],
        },
      ),
    });

    const tiles = await screen.findAllByTestId('dashboard-integration');
    expect(tiles.map((t) => t.dataset.name)).toEqual(['Accounting', 'Front desk SMS']);
    expect(tiles[0]).toHaveTextContent('QuickBooks Online · Production');
    expect(within(tiles[0] as HTMLElement).getByTestId('status-badge')).toHaveTextContent('Off');
    expect(within(tiles[0] as HTMLElement).getByTestId('status-reason')).toHaveTextContent('Turned off by a user.');
    expect(within(tiles[1] as HTMLElement).getByTestId('status-badge')).toHaveTextContent('Check');
    expect(within(tiles[1] as HTMLElement).getByTestId('status-reason')).toHaveTextContent('Not tested yet.');
    expect(screen.queryByTestId('dashboard-empty')).not.toBeInTheDocument();
  });
});
