import { describe, expect, it } from 'vitest';
import { createMockBackend } from './mock';
import { SAMPLE_PASSWORD } from './mock-users';

const STRONG = 'maple window copper lantern';

describe('the mock session', () => {
  it('starts signed in as the sample admin, and refuses every command with "locked" once signed out', async () => {
    const backend = createMockBackend();
    const state = await backend.sessionState();
    expect(state.status === 'ok' && state.data.user).toMatchObject({ username: 'dana', role: 'admin' });
    expect(await backend.listIntegrations()).toMatchObject({ status: 'ok' });

    await backend.logout();
    expect(await backend.listIntegrations()).toMatchObject({ status: 'error', error: { code: 'locked' } });
    expect(await backend.appInfo()).toMatchObject({ status: 'ok' });
    expect(await backend.sessionState()).toMatchObject({ status: 'ok', data: { user: null, lockedFor: null, setupRequired: false } });
  });

  it('says "Wrong username or password." on the password field, then throttles after three wrong tries', async () => {
    const backend = createMockBackend({}, { signedIn: null });
    for (let i = 0; i < 3; i += 1) {
      expect(await backend.login('sam', 'not the password')).toEqual({
        status: 'error',
        error: { code: 'validation', message: 'Wrong username or password.', field: 'password' },
      });
    }
    const throttled = await backend.login('sam', SAMPLE_PASSWORD);
    expect(throttled).toMatchObject({ status: 'error', error: { code: 'throttled' } });
    expect(throttled.status === 'error' && throttled.error.message).toMatch(/^Too many wrong passwords\. Try again in \d+ seconds\.$/);
    // Another username is not held up.
    expect(await backend.login('maria', SAMPLE_PASSWORD)).toMatchObject({ status: 'ok', data: { user: { username: 'maria' } } });
  });

  it('locks for the signed-in user and unlocks with their password', async () => {
    const backend = createMockBackend({}, { signedIn: 'front_desk' });
    expect(await backend.lock()).toMatchObject({ status: 'ok', data: { user: null, lockedFor: 'sam' } });
    expect(await backend.integrationStatuses()).toMatchObject({ status: 'error', error: { code: 'locked' } });
    expect(await backend.login('sam', SAMPLE_PASSWORD)).toMatchObject({ status: 'ok', data: { user: { username: 'sam' }, lockedFor: null } });
  });

  it('runs first-run setup once: field errors first, then the admin is created and signed in', async () => {
    const backend = createMockBackend({}, { users: [], signedIn: null });
    expect(await backend.sessionState()).toMatchObject({ status: 'ok', data: { setupRequired: true } });
    const request = { clinicName: 'Riverside Vet', username: 'dana', displayName: 'Dana', password: STRONG };
    expect(await backend.setup({ ...request, clinicName: ' ' })).toMatchObject({ status: 'error', error: { field: 'clinic_name' } });
    expect(await backend.setup({ ...request, username: 'd a' })).toMatchObject({ status: 'error', error: { field: 'username' } });
    expect(await backend.setup({ ...request, password: 'short' })).toMatchObject({ status: 'error', error: { field: 'password' } });
    expect(await backend.setup({ ...request, password: 'password12345' })).toMatchObject({
      status: 'error',
      error: { field: 'password', message: expect.stringContaining('too common') },
    });
    expect(await backend.setup(request)).toMatchObject({ status: 'ok', data: { setupRequired: false, user: { username: 'dana', role: 'admin' }, clinicName: 'Riverside Vet' } });
    expect(await backend.setup(request)).toMatchObject({ status: 'error', error: { code: 'conflict' } });
  });

  it('refuses by the roles table with "forbidden", and records the refusal', async () => {
    const backend = createMockBackend({}, { signedIn: 'front_desk' });
    expect(await backend.integrationStatuses()).toMatchObject({ status: 'ok' });
    expect(await backend.listDeliveries({}, null, 10)).toMatchObject({ status: 'ok' });
    const refused = await backend.createEndpoint({ url: 'https://a.example/hook' });
    expect(refused).toMatchObject({ status: 'error', error: { code: 'forbidden', message: 'Only a practice manager or an admin can change the configuration.' } });
    expect(await backend.exportDeliveries({}, 'csv')).toMatchObject({ status: 'error', error: { code: 'forbidden' } });
    expect(backend.audit.rows[0]).toMatchObject({ actor: 'sam', action: 'delivery_log.export', result: 'refused' });

    backend.signInAs('manager');
    expect(await backend.exportDeliveries({}, 'csv')).toMatchObject({ status: 'ok' });
    expect(await backend.listUsers()).toMatchObject({ status: 'error', error: { code: 'forbidden', message: 'Only an admin can manage users.' } });
    expect(await backend.auditPage({}, null, 10)).toMatchObject({ status: 'error', error: { code: 'forbidden' } });
    const settings = await backend.getSettings();
    if (settings.status !== 'ok') throw new Error('no settings');
    expect(await backend.updateSettings({ ...settings.data, clinicName: 'Riverside' })).toMatchObject({ status: 'ok' });
    expect(await backend.updateSettings({ ...settings.data, idleLockMinutes: 30 })).toMatchObject({
      status: 'error',
      error: { code: 'forbidden', message: 'Only an admin can change retention and security settings.' },
    });
  });

  it('keeps the last admin: neither demoted nor disabled', async () => {
    const backend = createMockBackend();
    const demote = await backend.updateUser('usr_sample_dana', { role: 'manager' });
    expect(demote).toMatchObject({ status: 'error', error: { code: 'validation', field: 'role', message: expect.stringContaining('dana is the last admin') } });
    expect(await backend.updateUser('usr_sample_dana', { enabled: false })).toMatchObject({ status: 'error', error: { field: 'enabled' } });
    expect(await backend.updateUser('usr_sample_maria', { role: 'admin' })).toMatchObject({ status: 'ok', data: { role: 'admin' } });
    expect(await backend.updateUser('usr_sample_dana', { role: 'manager' })).toMatchObject({ status: 'ok', data: { role: 'manager' } });
  });
});

describe('the mock audit log', () => {
  async function withRows(n: number) {
    const backend = createMockBackend({}, { signedIn: null });
    // Each failed sign-in is one row (system:app, session.login, failed).
    for (let i = 0; i < n; i += 1) await backend.login(`nobody${i}`, 'x');
    backend.signInAs('admin');
    return backend;
  }

  it('pages newest first by seq, with nextBefore until the end', async () => {
    const backend = await withRows(7);
    const first = await backend.auditPage({}, null, 3);
    if (first.status !== 'ok') throw new Error('no page');
    expect(first.data.rows.map((r) => r.seq)).toEqual([7, 6, 5]);
    expect(first.data.nextBefore).toBe(5);
    const second = await backend.auditPage({}, first.data.nextBefore, 3);
    const third = second.status === 'ok' ? await backend.auditPage({}, second.data.nextBefore, 3) : null;
    expect(third?.status === 'ok' && [third.data.rows.map((r) => r.seq), third.data.nextBefore]).toEqual([[1], null]);
  });

  it('filters by actor, action family, object name and result; lists facets', async () => {
    const backend = await withRows(2);
    await backend.createUser({ username: 'lee', displayName: 'Lee', role: 'front_desk', password: STRONG });
    const users = await backend.auditPage({ action: 'user' }, null, 50);
    expect(users.status === 'ok' && users.data.rows.map((r) => r.action)).toEqual(['user.create']);
    const lee = await backend.auditPage({ object: 'LEE' }, null, 50);
    expect(lee.status === 'ok' && lee.data.rows).toHaveLength(1);
    const failed = await backend.auditPage({ result: 'failed', actor: 'system:app' }, null, 50);
    expect(failed.status === 'ok' && failed.data.rows).toHaveLength(2);
    expect(await backend.auditFacets()).toEqual({ status: 'ok', data: { actors: ['dana', 'system:app'], actions: ['session.login', 'user.create'] } });
  });

  it('verifies, names a changed row, and exports with the check', async () => {
    const backend = await withRows(4);
    expect(await backend.verifyAudit()).toMatchObject({ status: 'ok', data: { ok: true, rowsChecked: 4, message: 'All 4 audit rows are intact.' } });
    backend.audit.tamper(2);
    expect(await backend.verifyAudit()).toMatchObject({ status: 'ok', data: { ok: false, firstBadSeq: 2, message: 'Audit row 2 was changed after it was written.' } });
    const exported = await backend.exportAudit({ action: 'session' }, 'csv');
    expect(exported).toMatchObject({ status: 'ok', data: { exported: { rows: 4 }, verification: { ok: false } } });
  });
});
