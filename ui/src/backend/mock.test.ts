import { describe, expect, it } from 'vitest';
import { createMockBackend, mockIntegration } from './mock';

const TWILIO = {
  provider: 'twilio' as const,
  name: 'Front desk SMS',
  environment: 'live',
  values: { account_sid: 'AC0123456789abcdef0123456789abcdef', auth_method: 'auth_token', sender: '+15551234567' },
  secrets: { auth_token: 'super-secret-token-value' },
};

describe('the mock backend', () => {
  it('stores an integration without its secrets, knowing only that they are set', async () => {
    const backend = createMockBackend();
    const saved = await backend.createIntegration(TWILIO);
    expect(saved.status).toBe('ok');
    const list = await backend.listIntegrations();
    expect(JSON.stringify(list)).not.toContain('super-secret-token-value');
    expect(list.status === 'ok' && list.data[0]?.secrets).toEqual([
      { field: 'auth_token', set: true },
      { field: 'api_key_secret', set: false },
    ]);
  });

  it('validates like core: every issue at once, errors before warnings, duplicate names refused', async () => {
    const backend = createMockBackend({}, { integrations: [mockIntegration({ name: 'Front desk SMS' })] });
    const issues = await backend.validateIntegration({
      ...TWILIO,
      values: { ...TWILIO.values, account_sid: 'AC12', sender: '5551234' },
      secrets: { auth_token: 'not-hex' },
    });
    expect(issues.status === 'ok' && issues.data.map((i) => [i.field, i.severity])).toEqual([
      ['account_sid', 'error'],
      ['sender', 'error'],
      ['auth_token', 'warning'],
      ['name', 'error'],
    ]);
    const created = await backend.createIntegration(TWILIO);
    expect(created).toMatchObject({ status: 'error', error: { code: 'validation', field: 'name' } });
  });

  it('refuses a save from a stale revision with a conflict naming who changed it', async () => {
    const backend = createMockBackend({}, { integrations: [mockIntegration({ id: 'i', revision: 2 })], actor: 'os:manager' });
    const first = await backend.updateIntegration('i', { expectedRevision: 2, values: { sender: '+15550000000' } });
    expect(first.status === 'ok' && first.data.integration.revision).toBe(3);
    const stale = await backend.updateIntegration('i', { expectedRevision: 2, values: { sender: '+15551111111' } });
    expect(stale).toMatchObject({ status: 'error', error: { code: 'conflict' } });
    expect(stale.status === 'error' && stale.error.message).toContain('changed by os:manager');
  });

  it('reports statuses as core words them: off, not tested yet, then the last test', async () => {
    const backend = createMockBackend({}, {
      integrations: [mockIntegration({ id: 'a', name: 'A' }), mockIntegration({ id: 'b', name: 'B', enabled: false })],
    });
    const before = await backend.integrationStatuses();
    expect(before.status === 'ok' && before.data.map((s) => [s.level, s.reason])).toEqual([
      ['yellow', 'Not tested yet.'],
      ['off', 'Turned off by a user.'],
    ]);
    const run = await backend.testIntegration('a');
    expect(run.status === 'ok' && [run.data.previousLevel, run.data.status.level]).toEqual(['yellow', 'green']);
    const history = await backend.testHistory('a', 10);
    expect(history.status === 'ok' && history.data).toHaveLength(1);
  });
});
