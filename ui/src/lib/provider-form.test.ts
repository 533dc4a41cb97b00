import { describe, expect, it } from 'vitest';
import { PROVIDERS as MOCK_CATALOG } from '../backend/domain';
import { mockIntegration } from '../backend/mock';
import type { ProviderSpec } from '../backend';
import {
  activeFields,
  blankForm,
  fieldOrder,
  formFrom,
  patchChangesSomething,
  secretsDroppedBySave,
  toDraft,
  toPatch,
  whatYouNeed,
} from './provider-form';

function spec(provider: ProviderSpec['provider']): ProviderSpec {
  const found = MOCK_CATALOG.find((p) => p.provider === provider);
  if (!found) throw new Error(provider);
  return found;
}
const twilio = spec('twilio');

describe('blankForm', () => {
  it('starts from the spec defaults, the first environment and the provider name', () => {
    const form = blankForm(spec('square'));
    expect(form).toEqual({
      name: 'Square',
      environment: 'production',
      baseUrl: '',
      values: {
        application_id: '',
        location_id: '',
        poll_minutes: '5',
        redirect_port: '47321',
        relay_url: '',
        square_version: '2026-08-19',
      },
      secrets: { access_token: '', application_secret: '', refresh_token: '' },
    });
  });

  it('does not suggest a name that is already taken', () => {
    expect(blankForm(twilio, ['twilio']).name).toBe('');
  });
});

describe('which fields are shown', () => {
  it('shows Twilio API key fields only when signing in with an API key', () => {
    const form = blankForm(twilio);
    expect(activeFields(twilio, form.values).map((f) => f.name)).toEqual([
      'account_sid',
      'auth_method',
      'auth_token',
      'sender',
    ]);
    form.values.auth_method = 'api_key';
    expect(activeFields(twilio, form.values).map((f) => f.name)).toEqual([
      'account_sid',
      'auth_method',
      'api_key_sid',
      'api_key_secret',
      'sender',
    ]);
    expect(fieldOrder(twilio, form.values)).toEqual([
      'name',
      'environment',
      'account_sid',
      'auth_method',
      'api_key_sid',
      'api_key_secret',
      'sender',
      'base_url',
    ]);
  });
});

describe('toDraft', () => {
  it('sends shown fields only, secrets apart, and no empty secret or base URL', () => {
    const form = blankForm(twilio);
    form.values.account_sid = 'AC0123456789abcdef0123456789abcdef';
    form.values.api_key_sid = 'SK typed before switching back';
    form.values.sender = '+15551234567';
    form.secrets.auth_token = '';
    expect(toDraft(twilio, form)).toEqual({
      provider: 'twilio',
      name: 'Twilio',
      environment: 'live',
      values: { account_sid: 'AC0123456789abcdef0123456789abcdef', auth_method: 'auth_token', sender: '+15551234567' },
      secrets: {},
    });
    form.secrets.auth_token = 'f00';
    form.baseUrl = 'http://127.0.0.1:9000';
    expect(toDraft(twilio, form)).toMatchObject({ secrets: { auth_token: 'f00' }, baseUrl: 'http://127.0.0.1:9000' });
  });
});

describe('toPatch', () => {
  const stored = mockIntegration({ revision: 4, baseUrl: 'https://proxy.example.com' });

  it('sends nothing but the revision when nothing changed', () => {
    const patch = toPatch(twilio, stored, formFrom(twilio, stored));
    expect(patch).toEqual({ expectedRevision: 4 });
    expect(patchChangesSomething(patch)).toBe(false);
  });

  it('sends only what changed, the revision, typed secrets, and "" to remove a base URL', () => {
    const form = formFrom(twilio, stored);
    form.values.sender = '+15557654321';
    form.baseUrl = '  ';
    form.secrets.auth_token = '';
    const patch = toPatch(twilio, stored, form);
    expect(patch).toEqual({ expectedRevision: 4, values: { sender: '+15557654321' }, baseUrl: '' });
    expect(patchChangesSomething(patch)).toBe(true);

    form.secrets.auth_token = '0123456789abcdef0123456789abcdef';
    expect(toPatch(twilio, stored, form).secrets).toEqual({ auth_token: '0123456789abcdef0123456789abcdef' });
  });

  it('knows which stored secrets a switch of sign-in method drops', () => {
    const form = formFrom(twilio, stored);
    expect(secretsDroppedBySave(twilio, stored, form)).toEqual([]);
    form.values.auth_method = 'api_key';
    expect(secretsDroppedBySave(twilio, stored, form).map((f) => f.name)).toEqual(['auth_token']);
  });
});

describe('whatYouNeed', () => {
  it('lists the required details, from the spec', () => {
    expect(whatYouNeed(twilio)).toBe('Account SID, Auth Token and Send from');
    // Square connects through its sign-in page (or tokens entered by hand): nothing is required
    // beyond its API version, which has a default.
    expect(whatYouNeed(spec('square'))).toBe('');
    expect(whatYouNeed(spec('quickbooks'))).toBe('Client ID and Client secret');
  });
});
