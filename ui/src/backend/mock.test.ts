import { describe, expect, it, vi } from 'vitest';
import {
  createMockBackend,
  mockIntegration,
  mockTestRecord,
  SAMPLE_OUTCOMES,
  sampleIntegrations,
  sampleTests,
} from './mock';
import type { TestRun } from './types';

const MINUTE = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

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

  it('announces every test to its listeners before answering, until they stop listening', async () => {
    const backend = createMockBackend({}, { integrations: [mockIntegration({ id: 'a' })] });
    const heard: TestRun[] = [];
    const stop = await backend.onConnectionTested(({ run }) => heard.push(run));

    const run = await backend.testIntegration('a');
    expect(heard).toHaveLength(1);
    expect(run.status === 'ok' && run.data).toEqual(heard[0]);

    const other = vi.fn();
    await backend.onConnectionTested(other);
    backend.emitConnectionTested(heard[0] as TestRun);
    expect(other).toHaveBeenCalledWith({ run: heard[0] });
    stop();
    await backend.testIntegration('a');
    expect(heard).toHaveLength(2); // the emit above, not the second test
    expect(other).toHaveBeenCalledTimes(2);
  });

  it('finds the queued outcomes in order, then what the last test found', async () => {
    const backend = createMockBackend({}, {
      integrations: [mockIntegration({ id: 'sq', provider: 'square' })],
      testOutcomes: { sq: [SAMPLE_OUTCOMES.squareUnauthorized, SAMPLE_OUTCOMES.squareOk] },
    });
    const kinds = [];
    for (let i = 0; i < 3; i += 1) {
      const run = await backend.testIntegration('sq');
      if (run.status === 'ok') kinds.push([run.data.test.kind, run.data.previousLevel, run.data.status.level]);
    }
    expect(kinds).toEqual([
      ['credentials_rejected', 'yellow', 'red'],
      ['ok', 'red', 'green'],
      ['ok', 'green', 'green'],
    ]);
  });

  it('gives levels by core’s rules: transient failures yellow for a day, then red; a stale pass yellow', async () => {
    const timeout = SAMPLE_OUTCOMES.quickbooksTimeout;
    const backend = createMockBackend({}, {
      integrations: ['fresh', 'old', 'stale', 'rejected'].map((id) => mockIntegration({ id, name: id })),
      tests: {
        fresh: [mockTestRecord({ ...timeout, at: ago(MINUTE) }), mockTestRecord({ at: ago(20 * MINUTE) })],
        old: [mockTestRecord({ ...timeout, at: ago(MINUTE) }), mockTestRecord({ ...timeout, at: ago(25 * 60 * MINUTE) })],
        stale: [mockTestRecord({ at: ago(31 * MINUTE) })],
        rejected: [mockTestRecord({ ...SAMPLE_OUTCOMES.squareUnauthorized, at: ago(MINUTE) })],
      },
    });
    const statuses = await backend.integrationStatuses();
    expect(statuses.status === 'ok' && Object.fromEntries(statuses.data.map((s) => [s.name, [s.level, s.reason]]))).toEqual({
      fresh: ['yellow', timeout.summary],
      old: ['red', `Failing for over a day: ${timeout.summary}`],
      stale: ['yellow', 'The last successful test is out of date.'],
      rejected: ['red', SAMPLE_OUTCOMES.squareUnauthorized.summary],
    });
  });

  it('starts the preview with one integration of each level', async () => {
    const backend = createMockBackend({}, { integrations: sampleIntegrations(), tests: sampleTests() });
    const statuses = await backend.integrationStatuses();
    expect(statuses.status === 'ok' && statuses.data.map((s) => s.level).sort()).toEqual(['green', 'off', 'red', 'yellow']);
  });
});
