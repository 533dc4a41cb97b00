// The mock's sync commands: rules per integration, the sync log (filters, search, keyset pages,
// detail with attempts), Retry / Skip / Acknowledge, "Sync now", today's counts and export, in
// memory. A stand-in for core's (crates/core/src/sync/{mod.rs,log.rs}); core is the authority.
// The tables come from core through domain.ts: each rule's provider and label (`syncRules`), each
// kind's rule and label, the status words, and the states Retry, Skip and Acknowledge change.
//
// Nothing is sent anywhere. Jobs move on only when something plays the worker: tests and the
// preview call `runDueSyncJobs`, which "performs" every job that is due as a success.
import type {
  AppError,
  Commands,
  Integration,
  JobDetail,
  JobFilter,
  JobKind,
  JobRow,
  JobStatus,
  Result,
  RuleState,
  SyncAttemptRow,
  SyncCounts,
  SyncReport,
  SyncRule,
} from './types';
import { domain, SYNC_RULES } from './domain';
import type { MockAuditLog } from './mock-audit';

/** Core's sync tables, from the export. */
export const SYNC = domain.sync;
/** Core's largest page of the sync log. */
export const MAX_SYNC_PAGE = SYNC.maxPage;

type SyncCommands = Pick<
  Commands,
  | 'syncRules'
  | 'setSyncRule'
  | 'listSyncJobs'
  | 'getSyncJob'
  | 'retrySyncJobs'
  | 'skipSyncJobs'
  | 'acknowledgeSyncJobs'
  | 'syncNow'
  | 'syncCounts'
  | 'exportSyncJobs'
>;

/** A job the mock keeps: what core stores of it. Labels, rule and link are derived when read. */
export interface MockJob {
  id: number;
  integrationId: string;
  kind: JobKind;
  eventId: string | null;
  subject: string;
  /** The clinic object's id (appointment, invoice): what search matches exactly. */
  subjectKey: string | null;
  status: Exclude<JobStatus, 'running'>;
  reason: string | null;
  /** Every attempt so far (the log's count). */
  attempts: number;
  lastError: string | null;
  providerObject: string | null;
  providerState: string | null;
  acknowledged: boolean;
  dueAt: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Facts as JSON (the amounts QuickBooks computed beside the clinic's). */
  detail: string;
  attemptRows: SyncAttemptRow[];
}

export interface MockSyncSeed {
  rules: { integrationId: string; rule: SyncRule; enabled: boolean }[];
  /** Jobs, in any order; ids are given by creation time. */
  jobs: Omit<MockJob, 'id'>[];
}

export interface SyncControls {
  /** Adds `count` jobs (one a minute back from `newest`), like the template; returns their ids, newest first. */
  addSyncJobs(count: number, template?: Partial<Omit<MockJob, 'id'>> & { newest?: number }): string[];
  /** Plays the sync worker: every open job that is due now succeeds, and `syncChanged` is sent. Returns how many ran. */
  runDueSyncJobs(): number;
}

interface Helpers {
  actor: () => string;
  answer: <T>(value: T) => Promise<T>;
  audit: MockAuditLog;
  /** An integration by id or name (case-insensitive), as core's `integration()`. */
  integration: (idOrName: string) => Integration | undefined;
  integrations: () => Integration[];
  seed?: MockSyncSeed;
  /** The preview's worker: jobs made due (Retry, Sync now) are performed this long after. */
  workerDelayMs?: number;
  /** Sends `syncChanged`, as the shell does after every sync worker batch. */
  emit: (report: SyncReport) => void;
}

const ok = <T>(data: T): Result<T, AppError> => ({ status: 'ok', data });
const fail = <T = never>(code: AppError['code'], message: string, field: string | null = null): Result<T, AppError> => ({
  status: 'error',
  error: { code, message, field },
});
const iso = (ms: number) => new Date(ms).toISOString();

const kindOf = (kind: JobKind) => {
  const found = SYNC.kinds.find((k) => k.kind === kind);
  if (!found) throw new Error(`no sync kind ${kind} in the export`);
  return found;
};
const ruleOf = (rule: SyncRule) => {
  const found = SYNC_RULES.find((r) => r.rule === rule);
  if (!found) throw new Error(`no sync rule ${rule} in the export`);
  return found;
};
const statusLabel = (status: JobStatus) => SYNC.statuses.find((s) => s.status === status)?.label ?? status;
/** Core's open states (claimed when due). */
const OPEN: readonly JobStatus[] = ['pending', 'scheduled', 'retrying'];

/** Core's `provider_link`: QuickBooks invoices and payments open in the QuickBooks app. */
export function providerLinkOf(kind: JobKind, object: string | null, environment: string | undefined): string | null {
  if (!object) return null;
  const host =
    environment === 'sandbox' ? 'https://app.sandbox.qbo.intuit.com' : environment === 'production' ? 'https://app.qbo.intuit.com' : null;
  if (!host) return null;
  const id = object.split(' ').pop();
  if (kind === 'qbo_invoice') return `${host}/app/invoice?txnId=${id}`;
  if (kind === 'qbo_payment') return `${host}/app/recvpayment?txnId=${id}`;
  return null;
}

/** Local midnight, as core's `start_of_today`. */
function startOfToday(now = Date.now()): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Core's id check: a sync job id is a whole number. */
function parseId(field: string, text: string): number | Result<never, AppError> {
  const trimmed = text.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : fail('validation', `“${text}” is not a sync job id.`, field);
}

export function createSyncCommands({ actor, answer, audit, integration, integrations, seed, workerDelayMs, emit }: Helpers): {
  commands: SyncCommands;
  controls: SyncControls;
} {
  /** integration id → rule → on. */
  const rules = new Map<string, Map<SyncRule, boolean>>();
  const jobs = new Map<number, MockJob>();
  let nextId = 1;

  for (const r of seed?.rules ?? []) {
    if (!rules.has(r.integrationId)) rules.set(r.integrationId, new Map());
    rules.get(r.integrationId)?.set(r.rule, r.enabled);
  }
  for (const j of [...(seed?.jobs ?? [])].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt))) {
    const id = nextId++;
    jobs.set(id, { ...structuredClone(j), id });
  }

  let workerTimer: ReturnType<typeof setTimeout> | null = null;
  /** The preview's worker: performs what is due a moment later, as the app's would. */
  function scheduleWorker() {
    if (!workerDelayMs || workerTimer !== null) return;
    workerTimer = setTimeout(() => {
      workerTimer = null;
      controls.runDueSyncJobs();
    }, workerDelayMs);
  }

  const newestFirst = () => [...jobs.values()].sort((a, b) => b.id - a.id);

  function rowOf(job: MockJob): JobRow {
    const i = integration(job.integrationId);
    const kind = kindOf(job.kind);
    const { attemptRows: _attempts, detail: _detail, subjectKey: _key, id, ...rest } = job;
    return {
      ...rest,
      id: String(id),
      integrationName: i?.name ?? '',
      rule: kind.rule,
      kindLabel: kind.label,
      statusLabel: statusLabel(job.status),
      providerLink: providerLinkOf(job.kind, job.providerObject, i?.environment),
    };
  }

  /** Core's `where_clause`. */
  function matches(job: MockJob, f: JobFilter): boolean {
    const wanted = f.integrationId?.trim();
    if (wanted) {
      const name = integration(job.integrationId)?.name.toLowerCase();
      if (job.integrationId !== wanted && name !== wanted.toLowerCase()) return false;
    }
    if (f.status && job.status !== f.status) return false;
    if (f.rule && kindOf(job.kind).rule !== f.rule) return false;
    const q = f.search?.trim();
    if (q) {
      // SQLite's LIKE ignores ASCII case; the clinic's id and the event id match exactly.
      const like = (s: string | null) => s !== null && s.toLowerCase().includes(q.toLowerCase());
      if (!like(job.subject) && job.subjectKey !== q && job.eventId !== q && !like(job.providerObject)) return false;
    }
    return true;
  }

  /** Core's `change_jobs`: every id must exist (else nothing changes); only jobs in `from` change. */
  function change(
    action: string,
    ids: string[],
    from: readonly JobStatus[],
    apply: (job: MockJob, now: string) => void,
  ): Result<number, AppError> {
    if (ids.length === 0) return fail('validation', 'Name at least one sync job.', 'ids');
    const parsed: number[] = [];
    for (const text of ids) {
      const id = parseId('ids', text);
      if (typeof id !== 'number') return id;
      parsed.push(id);
    }
    const missing = parsed.find((id) => !jobs.has(id));
    if (missing !== undefined) return fail('not_found', `Sync job ${missing} was not found`);
    const now = iso(Date.now());
    let count = 0;
    for (const id of parsed) {
      const job = jobs.get(id);
      if (!job || !from.includes(job.status)) continue;
      apply(job, now);
      job.updatedAt = now;
      count += 1;
    }
    audit.append({
      actor: actor(),
      action,
      objectType: 'sync_job',
      objectId: ids.length === 1 ? (ids[0] ?? null) : null,
      changes: [{ field: 'jobs', secret: false, from: null, to: String(count) }],
      detail: `ids: ${ids.join(', ')}`,
    });
    if (count > 0) scheduleWorker();
    return ok(count);
  }

  /** Core's `square_poll_due`: the open poll is due now, else a new one is queued. */
  function squarePollDue(integrationId: string, now: number): number {
    const open = [...jobs.values()].filter((j) => j.integrationId === integrationId && j.kind === 'square_poll' && OPEN.includes(j.status));
    for (const j of open) {
      if (j.status === 'scheduled' || Date.parse(j.nextAttemptAt ?? '') <= now) {
        j.nextAttemptAt = iso(now);
        j.updatedAt = iso(now);
      }
    }
    if (open.length === 0) {
      const id = nextId++;
      jobs.set(id, {
        ...blankJob(integrationId, 'square_poll', now),
        id,
        subject: 'Square payments and refunds',
      });
    }
    return 1;
  }

  function rulesOf(i: Integration): RuleState[] {
    return SYNC_RULES
      .filter((r) => r.provider === i.provider)
      .map((r) => ({ rule: r.rule, label: r.label, enabled: rules.get(i.id)?.get(r.rule) ?? false }));
  }

  const notFound = (key: string) => fail<never>('not_found', `The integration “${key.trim()}” was not found.`);

  const commands: SyncCommands = {
    async syncRules(integrationId: string) {
      const i = integration(integrationId);
      if (!i) return answer(notFound(integrationId));
      return answer(ok(rulesOf(i)));
    },

    async setSyncRule(integrationId: string, rule: SyncRule, enabled: boolean) {
      const i = integration(integrationId);
      if (!i) return answer(notFound(integrationId));
      const spec = ruleOf(rule);
      if (spec.provider !== i.provider) {
        return answer(fail('validation', `${spec.label} is a ${spec.provider} rule; ${i.name} is a ${i.provider} integration.`, 'rule'));
      }
      if (!rules.has(i.id)) rules.set(i.id, new Map());
      const before = rules.get(i.id)?.get(rule);
      rules.get(i.id)?.set(rule, enabled);
      const now = Date.now();
      if (rule === 'payments_in') {
        if (enabled) squarePollDue(i.id, now);
        else {
          for (const j of jobs.values()) {
            if (j.integrationId === i.id && j.kind === 'square_poll' && OPEN.includes(j.status)) {
              Object.assign(j, { status: 'cancelled', reason: 'The rule was turned off.', nextAttemptAt: null, updatedAt: iso(now) });
            }
          }
        }
      }
      const on = (b: boolean) => (b ? 'on' : 'off');
      audit.append({
        actor: actor(),
        action: 'sync_rule.set',
        objectType: 'integration',
        objectId: i.id,
        objectLabel: i.name,
        changes: [{ field: `sync.${rule}`, secret: false, from: before === undefined ? null : on(before), to: on(enabled) }],
      });
      return answer(ok(rulesOf(i)));
    },

    async listSyncJobs(filter: JobFilter, cursor: string | null, limit: number) {
      let before = Number.POSITIVE_INFINITY;
      if (cursor) {
        const parsed = parseId('cursor', cursor);
        if (typeof parsed !== 'number') return answer(parsed);
        before = parsed;
      }
      const size = Math.min(Math.max(limit, 1), MAX_SYNC_PAGE);
      const rows: JobRow[] = [];
      for (const job of newestFirst()) {
        if (job.id >= before || !matches(job, filter ?? {})) continue;
        rows.push(rowOf(job));
        if (rows.length === size) break;
      }
      // As core: a full page always carries a cursor (the next page may be empty).
      const nextCursor = rows.length === size ? (rows[rows.length - 1]?.id ?? null) : null;
      return answer(ok({ rows, nextCursor }));
    },

    async getSyncJob(id: string) {
      const parsed = parseId('id', id);
      if (typeof parsed !== 'number') return answer(parsed);
      const job = jobs.get(parsed);
      if (!job) return answer(fail<JobDetail>('not_found', `Sync job ${parsed} was not found`));
      return answer(ok({ job: rowOf(job), detail: job.detail, attempts: job.attemptRows }));
    },

    async retrySyncJobs(ids: string[]) {
      return answer(
        change('sync_job.retry', ids, SYNC.retryFrom, (job, now) => {
          Object.assign(job, { status: 'pending', nextAttemptAt: now, acknowledged: false, reason: null });
        }),
      );
    },

    async skipSyncJobs(ids: string[]) {
      return answer(
        change('sync_job.skip', ids, SYNC.skipFrom, (job) => {
          Object.assign(job, { status: 'skipped', nextAttemptAt: null, reason: `Skipped by ${actor()}` });
        }),
      );
    },

    async acknowledgeSyncJobs(ids: string[]) {
      return answer(
        change('sync_job.acknowledge', ids, SYNC.acknowledgeFrom, (job) => {
          job.acknowledged = true;
        }),
      );
    },

    async syncNow(integrationId: string) {
      const i = integration(integrationId);
      if (!i) return answer(notFound(integrationId));
      const now = Date.now();
      let n = 0;
      // Reminders keep their time: "now" would text owners days early.
      for (const j of jobs.values()) {
        if (j.integrationId !== i.id || j.kind === 'text_reminder') continue;
        if (j.status !== 'retrying' && j.status !== 'scheduled') continue;
        if (j.nextAttemptAt !== null && Date.parse(j.nextAttemptAt) <= now) continue;
        j.nextAttemptAt = iso(now);
        j.updatedAt = iso(now);
        n += 1;
      }
      if (i.provider === 'square') n += squarePollDue(i.id, now);
      audit.append({
        actor: actor(),
        action: 'sync.now',
        objectType: 'integration',
        objectId: i.id,
        objectLabel: i.name,
        detail: `${n} jobs made due`,
      });
      scheduleWorker();
      return answer(ok(n));
    },

    async syncCounts() {
      const today = startOfToday();
      const counts = [...integrations()]
        .sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }))
        .map((i): SyncCounts => {
          const mine = [...jobs.values()].filter((j) => j.integrationId === i.id);
          const since = (j: MockJob) => Date.parse(j.updatedAt) >= today;
          const failedOrRetrying = mine
            .filter((j) => j.status === 'retrying' || (j.status === 'dead' && !j.acknowledged))
            .sort((a, b) => b.id - a.id)[0];
          return {
            integrationId: i.id,
            rulesOn: [...(rules.get(i.id)?.values() ?? [])].filter(Boolean).length,
            syncedToday: mine.filter((j) => j.status === 'succeeded' && since(j)).length,
            waiting: mine.filter((j) => j.status === 'pending' || j.status === 'scheduled').length,
            retrying: mine.filter((j) => j.status === 'retrying').length,
            failed: mine.filter((j) => j.status === 'dead' && !j.acknowledged).length,
            skippedToday: mine.filter((j) => j.status === 'skipped' && since(j)).length,
            latestFailure: failedOrRetrying ? (failedOrRetrying.reason ?? failedOrRetrying.lastError) : null,
          };
        });
      return answer(ok(counts.filter((c) => c.rulesOn > 0 || c.syncedToday + c.waiting + c.retrying + c.failed > 0)));
    },

    async exportSyncJobs(filter: JobFilter, format) {
      const rows = [...jobs.values()].filter((j) => matches(j, filter ?? {})).length;
      const stamp = iso(Date.now()).slice(0, 19).replaceAll(':', '').replace('T', '-');
      const path = `/home/frontdesk/Downloads/switchboard-sync-log-${stamp}.${format}`;
      audit.append({
        actor: actor(),
        action: 'sync_log.export',
        objectType: 'sync_log',
        objectLabel: path,
        changes: [{ field: 'rows', secret: false, from: null, to: String(rows) }],
        detail: `${format} export`,
      });
      return answer(ok({ path, rows }));
    },
  };

  const controls: SyncControls = {
    addSyncJobs(count, template = {}) {
      const { newest = Date.now(), ...rest } = template;
      const integrationId = rest.integrationId ?? integrations()[0]?.id;
      if (!integrationId) throw new Error('addSyncJobs: add an integration first');
      const ids: string[] = [];
      for (let i = count - 1; i >= 0; i--) {
        const created = newest - i * 60_000;
        const id = nextId++;
        jobs.set(id, {
          ...blankJob(integrationId, rest.kind ?? 'qbo_invoice', created),
          subject: `Invoice VET-${2000 + id} · Sample owner · 10.00 USD`,
          subjectKey: `inv_${id}`,
          eventId: `evt_sync${id}`,
          ...structuredClone(rest),
          integrationId,
          id,
        });
        ids.unshift(String(id));
      }
      return ids;
    },

    runDueSyncJobs() {
      const now = Date.now();
      let ran = 0;
      for (const job of [...jobs.values()].sort((a, b) => a.id - b.id)) {
        if (!OPEN.includes(job.status) || job.nextAttemptAt === null || Date.parse(job.nextAttemptAt) > now) continue;
        if (!integration(job.integrationId)?.enabled) continue;
        const object = sampleObject(job);
        job.attemptRows.push({
          attempt: job.attemptRows.length + 1,
          at: iso(now),
          durationMs: 180,
          request: sampleRequest(job),
          statusCode: 200,
          errorClass: null,
          error: null,
          response: '{}',
          nextAttemptAt: null,
        });
        Object.assign(job, {
          status: 'succeeded',
          attempts: job.attempts + 1,
          providerObject: object,
          providerState: job.kind.startsWith('text_') ? 'sent' : null,
          lastError: null,
          reason: null,
          nextAttemptAt: null,
          updatedAt: iso(now),
        });
        ran += 1;
      }
      emit({ performed: ran, succeeded: ran, failed: 0 });
      return ran;
    },
  };

  return { commands, controls };
}

function blankJob(integrationId: string, kind: JobKind, createdMs: number): Omit<MockJob, 'id'> {
  return {
    integrationId,
    kind,
    eventId: null,
    subject: '',
    subjectKey: null,
    status: 'pending',
    reason: null,
    attempts: 0,
    lastError: null,
    providerObject: null,
    providerState: null,
    acknowledged: false,
    dueAt: null,
    nextAttemptAt: iso(createdMs),
    createdAt: iso(createdMs),
    updatedAt: iso(createdMs),
    detail: '{}',
    attemptRows: [],
  };
}

function sampleObject(job: MockJob): string | null {
  switch (job.kind) {
    case 'qbo_invoice':
      return `Invoice ${140 + job.id}`;
    case 'qbo_payment':
      return `Payment ${200 + job.id}`;
    case 'square_poll':
      return null;
    default:
      return `SM${(0x5f3a9c00 + job.id).toString(16)}e6b84a7f9a1c3e5d7b9f0a1`;
  }
}

function sampleRequest(job: MockJob): string {
  switch (job.kind) {
    case 'qbo_invoice':
      return 'POST /v3/company/9341453000000001/invoice?requestid=sb-job-' + job.id + '&minorversion=75';
    case 'qbo_payment':
      return 'POST /v3/company/9341453000000001/payment?requestid=sb-job-' + job.id + '&minorversion=75';
    case 'square_poll':
      return 'GET /v2/payments?location_id=18YC4JDH91E1H&begin_time=…&sort_order=ASC';
    default:
      return 'POST /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json';
  }
}

/**
 * What the browser preview starts with, on the sample integrations (mock.ts): appointment texts on
 * the front-desk Twilio (confirmed, a reminder scheduled, one skipped for no consent, one for an
 * opted-out number, a cancelled reminder), QuickBooks invoices and payments (two synced with a link
 * into QuickBooks, a duplicate invoice number that failed for good, one retrying after a timeout,
 * one waiting) and Square's card payments being read (failing now: its token was rejected).
 */
export function sampleSync(now: number = Date.now()): MockSyncSeed {
  const MIN = 60_000;
  const at = (minutesAgo: number) => iso(now - minutesAgo * MIN);
  const TWILIO = 'int_sample_twilio';
  const QBO = 'int_sample_quickbooks';
  const SQUARE = 'int_sample_square';
  const job = (integrationId: string, kind: JobKind, minutesAgo: number, patch: Partial<Omit<MockJob, 'id'>>): Omit<MockJob, 'id'> => ({
    ...blankJob(integrationId, kind, now - minutesAgo * MIN),
    nextAttemptAt: null,
    ...patch,
  });
  const attempt = (n: number, minutesAgo: number, patch: Partial<SyncAttemptRow>): SyncAttemptRow => ({
    attempt: n,
    at: at(minutesAgo),
    durationMs: 240,
    request: '',
    statusCode: 200,
    errorClass: null,
    error: null,
    response: '',
    nextAttemptAt: null,
    ...patch,
  });
  const twilioRequest = (body: string) =>
    `POST /2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json\nTo=%2B1555•••4567&From=%2B15551234567&Body=${encodeURIComponent(body)}`;
  const qboCompany = '/v3/company/9341453000000001';

  const jobs: Omit<MockJob, 'id'>[] = [
    // Yesterday's work, so "today" is not everything.
    job(QBO, 'qbo_invoice', 26 * 60, {
      eventId: 'evt_01JEQ2M4YV7K3C9D2B1A0F8E7D',
      subject: 'Invoice VET-1031 · Ana Ruiz · 64.00 USD',
      subjectKey: 'inv_5502',
      status: 'succeeded',
      attempts: 1,
      providerObject: 'Invoice 139',
      updatedAt: at(26 * 60 - 0.1),
      detail: JSON.stringify({ clinic_total: '64.00', quickbooks_total: '64.00', customer: 'Customer 51 (Ana Ruiz)' }),
      attemptRows: [attempt(1, 26 * 60 - 0.1, { request: `POST ${qboCompany}/invoice?requestid=sb-job-1&minorversion=75`, response: '{"Invoice":{"Id":"139","DocNumber":"VET-1031","TotalAmt":64.00}}' })],
    }),
    job(TWILIO, 'text_confirmation', 180, {
      eventId: 'evt_01JEQ9B2C3D4E5F6G7H8J9K0M1',
      subject: 'Appointment apt_2041 · Bella · ••••4567',
      subjectKey: 'apt_2041',
      status: 'succeeded',
      attempts: 1,
      providerObject: 'SM9f2c41d0e6b84a7f9a1c3e5d7b9f0a12',
      providerState: 'delivered',
      updatedAt: at(179.9),
      attemptRows: [
        attempt(1, 179.9, {
          request: twilioRequest('Hi Jane, Bella is booked at Riverside Vet on Tue 9 Dec at 10:30. Reply STOP to opt out.'),
          statusCode: 201,
          response: '{"sid":"SM9f2c41d0e6b84a7f9a1c3e5d7b9f0a12","status":"queued","num_segments":"1"}',
        }),
      ],
    }),
    job(TWILIO, 'text_reminder', 180, {
      eventId: 'evt_01JEQ9B2C3D4E5F6G7H8J9K0M1',
      subject: 'Appointment apt_2041 · Bella · ••••4567',
      subjectKey: 'apt_2041',
      status: 'scheduled',
      dueAt: iso(now + 20 * 60 * MIN),
      nextAttemptAt: iso(now + 20 * 60 * MIN),
    }),
    job(TWILIO, 'text_confirmation', 150, {
      eventId: 'evt_01JEQA7Z2Y3X4W5V6U7T8S9R0Q',
      subject: 'Appointment apt_2043 · Max · ••••0199',
      subjectKey: 'apt_2043',
      status: 'skipped',
      reason: 'The owner has not agreed to texts (sms_consent is false).',
      updatedAt: at(149.9),
    }),
    job(TWILIO, 'text_reminder', 140, {
      eventId: 'evt_01JEQB1N2P3Q4R5S6T7U8V9W0X',
      subject: 'Appointment apt_1987 · Luna · ••••3321',
      subjectKey: 'apt_1987',
      status: 'skipped',
      attempts: 1,
      reason: 'This number opted out of texts (Twilio 21610). It is not texted again until a manager clears it.',
      lastError: 'Twilio 21610: Attempt to send to unsubscribed recipient',
      updatedAt: at(139.9),
      attemptRows: [
        attempt(1, 139.9, {
          request: twilioRequest('Reminder: Luna has an appointment at Riverside Vet tomorrow at 09:00.'),
          statusCode: 400,
          errorClass: 'provider',
          error: 'Twilio 21610: Attempt to send to unsubscribed recipient',
          response: '{"code":21610,"message":"Attempt to send to unsubscribed recipient","more_info":"https://www.twilio.com/docs/errors/21610","status":400}',
        }),
      ],
    }),
    job(TWILIO, 'text_cancellation', 95, {
      eventId: 'evt_01JEQC5D6E7F8G9H0J1K2M3N4P',
      subject: 'Appointment apt_2012 · Oscar · ••••8810',
      subjectKey: 'apt_2012',
      status: 'succeeded',
      attempts: 1,
      providerObject: 'SM0b7e55a2c1d94f3e8a6b2c4d6e8f0a13',
      providerState: 'delivered',
      updatedAt: at(94.9),
      attemptRows: [
        attempt(1, 94.9, {
          request: twilioRequest("Oscar's appointment at Riverside Vet on Wed 10 Dec at 14:00 is cancelled. Call us to rebook."),
          statusCode: 201,
          response: '{"sid":"SM0b7e55a2c1d94f3e8a6b2c4d6e8f0a13","status":"queued","num_segments":"1"}',
        }),
      ],
    }),
    job(TWILIO, 'text_reminder', 300, {
      eventId: 'evt_01JEQ7H8J9K0M1N2P3Q4R5S6T7',
      subject: 'Appointment apt_2012 · Oscar · ••••8810',
      subjectKey: 'apt_2012',
      status: 'cancelled',
      reason: 'The appointment was cancelled.',
      dueAt: iso(now + 26 * 60 * MIN),
      updatedAt: at(95),
    }),
    job(QBO, 'qbo_invoice', 120, {
      eventId: 'evt_01JEQD9E8F7G6H5J4K3M2N1P0Q',
      subject: 'Invoice VET-1038 · Jane Doe · 150.00 USD',
      subjectKey: 'inv_5518',
      status: 'succeeded',
      attempts: 1,
      providerObject: 'Invoice 145',
      updatedAt: at(119.9),
      detail: JSON.stringify({ clinic_total: '150.00', quickbooks_total: '150.00', customer: 'Customer 58 (Jane Doe)' }),
      attemptRows: [
        attempt(1, 119.9, {
          durationMs: 820,
          request: `GET ${qboCompany}/query?query=select * from Customer where DisplayName = 'Jane Doe'\nPOST ${qboCompany}/invoice?requestid=sb-job-8&minorversion=75\n{"CustomerRef":{"value":"58"},"DocNumber":"VET-1038","Line":[…2 lines]}`,
          response: '{"Invoice":{"Id":"145","DocNumber":"VET-1038","TotalAmt":150.00,"Balance":150.00,"CustomerRef":{"value":"58","name":"Jane Doe"}}}',
        }),
      ],
    }),
    job(QBO, 'qbo_payment', 60, {
      eventId: 'evt_01JEQE3R4S5T6U7V8W9X0Y1Z2A',
      subject: 'Payment for invoice inv_5518 · 150.00 USD',
      subjectKey: 'inv_5518',
      status: 'succeeded',
      attempts: 1,
      providerObject: 'Payment 212',
      updatedAt: at(59.9),
      detail: JSON.stringify({ clinic_amount: '150.00', quickbooks_amount: '150.00', invoice: 'Invoice 145', payment_method: 'Visa' }),
      attemptRows: [
        attempt(1, 59.9, {
          request: `POST ${qboCompany}/payment?requestid=sb-job-9&minorversion=75\n{"CustomerRef":{"value":"58"},"TotalAmt":150.00,"Line":[{"Amount":150.00,"LinkedTxn":[{"TxnId":"145","TxnType":"Invoice"}]}]}`,
          response: '{"Payment":{"Id":"212","TotalAmt":150.00,"UnappliedAmt":0}}',
        }),
      ],
    }),
    job(QBO, 'qbo_invoice', 45, {
      eventId: 'evt_01JEQF7B8C9D0E1F2G3H4J5K6M',
      subject: 'Invoice VET-1042 · Tom Hale · 212.40 USD',
      subjectKey: 'inv_5523',
      status: 'dead',
      attempts: 1,
      reason: 'QuickBooks already has invoice number VET-1042 (6140)',
      lastError: 'QuickBooks 6140: Duplicate Document Number Error',
      updatedAt: at(44.9),
      detail: JSON.stringify({ clinic_total: '212.40', customer: 'Customer 61 (Tom Hale)' }),
      attemptRows: [
        attempt(1, 44.9, {
          durationMs: 640,
          request: `POST ${qboCompany}/invoice?requestid=sb-job-10&minorversion=75\n{"CustomerRef":{"value":"61"},"DocNumber":"VET-1042","Line":[…3 lines]}`,
          statusCode: 400,
          errorClass: 'provider',
          error: 'QuickBooks 6140: Duplicate Document Number Error',
          response:
            '{"Fault":{"Error":[{"Message":"Duplicate Document Number Error","Detail":"Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=VET-1042 is assigned to TxnType=Invoice with TxnId=139","code":"6140","element":""}],"type":"ValidationFault"},"time":"2026-12-08T09:14:02.118-08:00"}',
        }),
      ],
    }),
    job(QBO, 'qbo_invoice', 12, {
      eventId: 'evt_01JEQG1H2J3K4M5N6P7Q8R9S0T',
      subject: 'Invoice VET-1045 · Priya Shah · 96.00 USD',
      subjectKey: 'inv_5530',
      status: 'retrying',
      attempts: 2,
      lastError: 'QuickBooks did not answer in time.',
      nextAttemptAt: iso(now + 4 * MIN),
      updatedAt: at(6),
      attemptRows: [
        attempt(1, 11.9, {
          durationMs: 20_000,
          request: `POST ${qboCompany}/invoice?requestid=sb-job-11&minorversion=75`,
          statusCode: null,
          errorClass: 'timeout',
          error: 'QuickBooks did not answer in time.',
          nextAttemptAt: at(11.8),
        }),
        attempt(2, 6, {
          durationMs: 20_000,
          request: `POST ${qboCompany}/invoice?requestid=sb-job-11&minorversion=75`,
          statusCode: null,
          errorClass: 'timeout',
          error: 'QuickBooks did not answer in time.',
          nextAttemptAt: iso(now + 4 * MIN),
        }),
      ],
    }),
    job(QBO, 'qbo_invoice', 2, {
      eventId: 'evt_01JEQH5V6W7X8Y9Z0A1B2C3D4E',
      subject: 'Invoice VET-1046 · Jane Doe · 48.00 USD',
      subjectKey: 'inv_5531',
      status: 'pending',
      nextAttemptAt: at(2),
    }),
    job(SQUARE, 'square_poll', 240, {
      subject: 'Square payments and refunds',
      status: 'retrying',
      attempts: 3,
      lastError: 'Square rejected the access token (UNAUTHORIZED).',
      nextAttemptAt: iso(now + 3 * MIN),
      updatedAt: at(2),
      detail: JSON.stringify({ watermark: at(25), payments_emitted_today: 3 }),
      attemptRows: [
        attempt(1, 25, {
          request: 'GET /v2/payments?location_id=18YC4JDH91E1H&begin_time=…&sort_order=ASC&limit=100',
          response: '{"payments":[{"id":"bP9mAs…","status":"COMPLETED","amount_money":{"amount":8450,"currency":"USD"}}]}',
        }),
        attempt(2, 17, {
          request: 'GET /v2/payments?location_id=18YC4JDH91E1H&begin_time=…&sort_order=ASC&limit=100',
          statusCode: 401,
          errorClass: 'provider',
          error: 'Square rejected the access token (UNAUTHORIZED).',
          response: '{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"This request could not be authorized."}]}',
          nextAttemptAt: at(12),
        }),
        attempt(3, 2, {
          request: 'GET /v2/payments?location_id=18YC4JDH91E1H&begin_time=…&sort_order=ASC&limit=100',
          statusCode: 401,
          errorClass: 'provider',
          error: 'Square rejected the access token (UNAUTHORIZED).',
          response: '{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"This request could not be authorized."}]}',
          nextAttemptAt: iso(now + 3 * MIN),
        }),
      ],
    }),
  ];
  return {
    rules: [
      { integrationId: TWILIO, rule: 'appointment_texts', enabled: true },
      { integrationId: QBO, rule: 'invoices', enabled: true },
      { integrationId: SQUARE, rule: 'payments_in', enabled: true },
    ],
    jobs,
  };
}
