// The mock's sync commands against core's rules (crates/core/src/sync): filters and search as
// core's `where_clause`, keyset pages, which jobs Retry / Skip / Acknowledge change (the domain's
// states, from the export), refusals by role, counts for the cards, rules per provider.
import { describe, expect, it } from 'vitest';
import { createMockBackend, mockIntegration, sampleIntegrations } from './mock';
import { sampleSync, SYNC } from './mock-sync';
import type { JobFilter, JobRow, Role } from './types';

function sample(role: Role = 'admin') {
  return createMockBackend({}, { signedIn: role, integrations: sampleIntegrations(), sync: sampleSync() });
}

async function list(backend: ReturnType<typeof sample>, filter: JobFilter = {}, cursor: string | null = null, limit = 100) {
  const page = await backend.listSyncJobs(filter, cursor, limit);
  if (page.status !== 'ok') throw new Error(page.error.message);
  return page.data;
}

const bySubject = (rows: JobRow[], text: string) => {
  const row = rows.find((r) => r.subject.includes(text));
  if (!row) throw new Error(`no job about ${text}`);
  return row;
};

describe("the mock's sync log", () => {
  it('lists every job newest first, with core’s labels, rules and a QuickBooks link', async () => {
    const { rows, nextCursor } = await list(sample());
    expect(nextCursor).toBeNull();
    expect(rows.length).toBe(sampleSync().jobs.length);
    expect(rows.map((r) => Number(r.id))).toEqual([...rows.map((r) => Number(r.id))].sort((a, b) => b - a));
    const invoice = bySubject(rows, 'VET-1038');
    expect(invoice).toMatchObject({
      integrationName: 'Accounting',
      rule: 'invoices',
      kindLabel: 'Invoice',
      status: 'succeeded',
      statusLabel: 'Synced',
      providerObject: 'Invoice 145',
      providerLink: 'https://app.qbo.intuit.com/app/invoice?txnId=145',
    });
    const dead = bySubject(rows, 'VET-1042');
    expect(dead).toMatchObject({ status: 'dead', statusLabel: 'Failed', reason: 'QuickBooks already has invoice number VET-1042 (6140)' });
    // Twilio objects have no app to open.
    expect(bySubject(rows, 'apt_2041 · Bella').providerLink).toBeNull();
    // Every status word is core's.
    for (const row of rows) expect(row.statusLabel).toBe(SYNC.statuses.find((s) => s.status === row.status)?.label);
  });

  it('filters by integration (id or name), status and rule, and searches the clinic object as core does', async () => {
    const backend = sample();
    const twilio = await list(backend, { integrationId: 'int_sample_twilio' });
    expect(twilio.rows.length).toBeGreaterThan(3);
    expect(twilio.rows.every((r) => r.integrationId === 'int_sample_twilio')).toBe(true);
    expect((await list(backend, { integrationId: 'accounting' })).rows.every((r) => r.integrationName === 'Accounting')).toBe(true);
    expect((await list(backend, { status: 'dead' })).rows.map((r) => r.subject)).toEqual(['Invoice VET-1042 · Tom Hale · 212.40 USD']);
    expect((await list(backend, { rule: 'appointment_texts' })).rows.every((r) => r.kind.startsWith('text_'))).toBe(true);
    // Subject and provider object: a part, any case; the clinic's id and the event id: exactly.
    expect((await list(backend, { search: 'jane doe' })).rows.length).toBe(2);
    expect((await list(backend, { search: '4567' })).rows.length).toBe(2);
    expect((await list(backend, { search: 'invoice 145' })).rows.map((r) => r.providerObject)).toEqual(['Invoice 145']);
    expect((await list(backend, { search: 'inv_5518' })).rows.map((r) => r.kind).sort()).toEqual(['qbo_invoice', 'qbo_payment']);
    expect((await list(backend, { search: 'evt_01JEQF7B8C9D0E1F2G3H4J5K6M' })).rows.map((r) => r.subject)).toEqual([
      'Invoice VET-1042 · Tom Hale · 212.40 USD',
    ]);
    expect((await list(backend, { search: 'evt_01JEQF7B8C9D0E1F2G3H4J5K6' })).rows).toEqual([]);
    expect((await list(backend, { search: '   ' })).rows.length).toBe(sampleSync().jobs.length);
  });

  it('pages by keyset: each page continues below the cursor; a full page always carries one', async () => {
    const backend = createMockBackend({}, { integrations: [mockIntegration({ id: 'int_q', provider: 'quickbooks' })] });
    const ids = backend.addSyncJobs(25, { integrationId: 'int_q' });
    const first = await list(backend, {}, null, 10);
    expect(first.rows.map((r) => r.id)).toEqual(ids.slice(0, 10));
    expect(first.nextCursor).toBe(ids[9]);
    const second = await list(backend, {}, first.nextCursor, 10);
    expect(second.rows.map((r) => r.id)).toEqual(ids.slice(10, 20));
    const third = await list(backend, {}, second.nextCursor, 10);
    expect(third.rows.map((r) => r.id)).toEqual(ids.slice(20));
    expect(third.nextCursor).toBeNull();
    const bad = await backend.listSyncJobs({}, 'abc', 10);
    expect(bad).toMatchObject({ status: 'error', error: { code: 'validation', field: 'cursor' } });
  });

  it('shows one job with every attempt, and names an unknown one', async () => {
    const backend = sample();
    const row = bySubject((await list(backend)).rows, 'VET-1045');
    const detail = await backend.getSyncJob(row.id);
    if (detail.status !== 'ok') throw new Error('no detail');
    expect(detail.data.job.status).toBe('retrying');
    expect(detail.data.attempts.map((a) => a.errorClass)).toEqual(['timeout', 'timeout']);
    expect(await backend.getSyncJob('9999')).toMatchObject({ status: 'error', error: { code: 'not_found' } });
    expect(await backend.getSyncJob('x')).toMatchObject({ status: 'error', error: { code: 'validation', field: 'id' } });
  });
});

describe("the mock's Retry, Skip and Acknowledge", () => {
  it('changes only the jobs core’s states allow, and counts them', async () => {
    const backend = sample('manager');
    const rows = (await list(backend)).rows;
    const dead = bySubject(rows, 'VET-1042');
    const synced = bySubject(rows, 'VET-1038');
    const retrying = bySubject(rows, 'VET-1045');
    const waiting = bySubject(rows, 'VET-1046');

    // Acknowledge: dead only; it stays dead but stops counting as failed.
    expect(await backend.acknowledgeSyncJobs([dead.id, synced.id])).toEqual({ status: 'ok', data: 1 });
    const acknowledged = await backend.getSyncJob(dead.id);
    expect(acknowledged.status === 'ok' && acknowledged.data.job).toMatchObject({ status: 'dead', acknowledged: true });

    // Retry: failed or skipped; a synced job is left as it is.
    expect(await backend.retrySyncJobs([dead.id, synced.id, retrying.id])).toEqual({ status: 'ok', data: 2 });
    const retried = await backend.getSyncJob(dead.id);
    expect(retried.status === 'ok' && retried.data.job).toMatchObject({ status: 'pending', acknowledged: false, reason: null });

    // Skip: open or failed; says who skipped it.
    expect(await backend.skipSyncJobs([waiting.id, synced.id])).toEqual({ status: 'ok', data: 1 });
    const skipped = await backend.getSyncJob(waiting.id);
    expect(skipped.status === 'ok' && skipped.data.job).toMatchObject({ status: 'skipped', reason: 'Skipped by maria', nextAttemptAt: null });

    const actions = backend.audit.rows.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['sync_job.acknowledge', 'sync_job.retry', 'sync_job.skip']));
  });

  it('changes nothing when one id is unknown, and needs at least one', async () => {
    const backend = sample();
    const dead = bySubject((await list(backend)).rows, 'VET-1042');
    expect(await backend.retrySyncJobs([dead.id, '9999'])).toMatchObject({ status: 'error', error: { code: 'not_found' } });
    expect(bySubject((await list(backend)).rows, 'VET-1042').status).toBe('dead');
    expect(await backend.skipSyncJobs([])).toMatchObject({ status: 'error', error: { code: 'validation', field: 'ids' } });
    expect(await backend.acknowledgeSyncJobs(['one'])).toMatchObject({ status: 'error', error: { code: 'validation', field: 'ids' } });
  });

  it('refuses the front desk Retry, Skip, Acknowledge and export, but lets it read and press Sync now', async () => {
    const backend = sample('front_desk');
    const dead = bySubject((await list(backend)).rows, 'VET-1042');
    for (const answer of [
      await backend.retrySyncJobs([dead.id]),
      await backend.skipSyncJobs([dead.id]),
      await backend.acknowledgeSyncJobs([dead.id]),
      await backend.exportSyncJobs({}, 'csv'),
      await backend.setSyncRule('int_sample_twilio', 'appointment_texts', false),
    ]) {
      expect(answer).toMatchObject({ status: 'error', error: { code: 'forbidden' } });
    }
    expect(bySubject((await list(backend)).rows, 'VET-1042').status).toBe('dead');
    expect((await backend.syncNow('int_sample_quickbooks')).status).toBe('ok');
  });
});

describe("the mock's counts, Sync now and rules", () => {
  it('counts today’s work per integration that syncs, with the latest failure', async () => {
    const backend = sample();
    const counts = await backend.syncCounts();
    if (counts.status !== 'ok') throw new Error('no counts');
    const qbo = counts.data.find((c) => c.integrationId === 'int_sample_quickbooks');
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    // Jobs finished since local midnight (the sample's are 1 and 2 hours old, and a day old).
    const today = sampleSync().jobs.filter(
      (j) => j.integrationId === 'int_sample_quickbooks' && j.status === 'succeeded' && Date.parse(j.updatedAt) >= midnight.getTime(),
    ).length;
    expect(qbo).toMatchObject({ rulesOn: 1, syncedToday: today, waiting: 1, retrying: 1, failed: 1 });
    // The newest of the failed and retrying jobs: the retrying invoice after the dead one.
    expect(qbo?.latestFailure).toBe('QuickBooks did not answer in time.');
    // The turned-off Twilio integration has no rule on and no jobs: no line on its card.
    expect(counts.data.find((c) => c.integrationId === 'int_sample_reminders')).toBeUndefined();

    const dead = bySubject((await list(backend)).rows, 'VET-1042');
    await backend.acknowledgeSyncJobs([dead.id]);
    const after = await backend.syncCounts();
    expect(after.status === 'ok' && after.data.find((c) => c.integrationId === 'int_sample_quickbooks')?.failed).toBe(0);
  });

  it('makes waiting work due on Sync now, but leaves reminders at their time', async () => {
    const backend = sample();
    const rows = (await list(backend)).rows;
    const reminder = rows.find((r) => r.kind === 'text_reminder' && r.status === 'scheduled');
    expect(await backend.syncNow('int_sample_twilio')).toEqual({ status: 'ok', data: 0 });
    const still = await backend.getSyncJob(reminder?.id ?? '');
    expect(still.status === 'ok' && still.data.job.nextAttemptAt).toBe(reminder?.nextAttemptAt);
    expect(await backend.syncNow('int_sample_quickbooks')).toEqual({ status: 'ok', data: 1 });
    // Square, as core counts it: the retrying poll made due, and the poll "read at once".
    expect(await backend.syncNow('int_sample_square')).toEqual({ status: 'ok', data: 2 });
    expect(await backend.syncNow('nope')).toMatchObject({ status: 'error', error: { code: 'not_found' } });
    expect(backend.runDueSyncJobs()).toBeGreaterThan(0);
    expect(bySubject((await list(backend)).rows, 'VET-1045').status).toBe('succeeded');
  });

  it('offers each integration its provider’s rules and turns them on and off, audited', async () => {
    const backend = sample('manager');
    expect(await backend.syncRules('int_sample_quickbooks')).toEqual({
      status: 'ok',
      data: [{ rule: 'invoices', label: 'Invoices and payments', enabled: true }],
    });
    const off = await backend.setSyncRule('int_sample_twilio', 'appointment_texts', false);
    expect(off).toEqual({ status: 'ok', data: [{ rule: 'appointment_texts', label: 'Appointment texts', enabled: false }] });
    expect(backend.audit.rows.at(-1)).toMatchObject({
      action: 'sync_rule.set',
      objectId: 'int_sample_twilio',
      changes: [{ field: 'sync.appointment_texts', from: 'on', to: 'off' }],
    });
    const wrong = await backend.setSyncRule('int_sample_twilio', 'invoices', true);
    expect(wrong).toMatchObject({ status: 'error', error: { code: 'validation', field: 'rule' } });
    // Turning Square's rule off cancels its open poll.
    await backend.setSyncRule('int_sample_square', 'payments_in', false);
    const polls = await list(backend, { integrationId: 'int_sample_square' });
    expect(polls.rows.map((r) => [r.status, r.reason])).toEqual([['cancelled', 'The rule was turned off.']]);
  });

  it('exports what the filter matches', async () => {
    const backend = sample('manager');
    const exported = await backend.exportSyncJobs({ integrationId: 'int_sample_quickbooks' }, 'json');
    expect(exported.status === 'ok' && exported.data.rows).toBe(6);
    expect(exported.status === 'ok' && exported.data.path).toMatch(/switchboard-sync-log-.*\.json$/);
  });
});
