// The mock's audit log: a stand-in for core's (crates/core/src/audit). Rows are appended in order
// with a growing `seq`; the viewer reads filtered pages newest first, keyed by `seq` (`before`),
// the way core walks its index. There is no real hash chain here: `tamper` marks a row as changed
// or deleted, and `verify` then names it in core's words.
import { parseTime } from './mock-webhooks';
import type {
  AppError,
  AuditExport,
  AuditFacets,
  AuditFilter,
  AuditPage,
  AuditResult,
  AuditRow,
  ExportFormat,
  FieldChange,
  Result,
  Verification,
} from './types';

/** Core's largest page of the audit log. */
export const MAX_AUDIT_PAGE = 500;

/** A row to append; `at` is now unless given. */
export interface AuditEntry {
  actor: string;
  action: string;
  objectType: string;
  objectId?: string | null;
  objectLabel?: string | null;
  changes?: FieldChange[];
  result?: AuditResult;
  detail?: string | null;
  at?: string;
}

const ok = <T>(data: T): Result<T, AppError> => ({ status: 'ok', data });
const fail = (message: string, field: string): Result<never, AppError> => ({
  status: 'error',
  error: { code: 'validation', message, field },
});

const trimmed = (value: string | null | undefined): string | null => {
  const t = value?.trim();
  return t ? t : null;
};

/** Core's filter: an exact actor; an action, or a family (`integration` → `integration.*`); an object by id or name. */
function matches(row: AuditRow, f: AuditFilter, from: number | null, to: number | null): boolean {
  const actor = trimmed(f.actor);
  if (actor !== null && row.actor !== actor) return false;
  const action = trimmed(f.action);
  if (action !== null) {
    if (action.includes('.') ? row.action !== action : !row.action.startsWith(`${action}.`)) return false;
  }
  const object = trimmed(f.object);
  if (object !== null && row.objectId !== object && row.objectLabel?.toLowerCase() !== object.toLowerCase()) return false;
  if (f.result && row.result !== f.result) return false;
  const at = Date.parse(row.at);
  if (from !== null && at < from) return false;
  if (to !== null && at >= to) return false;
  return true;
}

export class MockAuditLog {
  /** Oldest first. */
  #rows: AuditRow[] = [];
  #nextSeq = 1;
  /** Rows made to fail the check: changed after they were written, or deleted. */
  #tampered = new Map<number, 'changed' | 'deleted'>();
  /** Rows up to this one were pruned by retention (with a checkpoint). */
  #floor = 0;

  constructor(seed: AuditEntry[] = []) {
    for (const entry of seed) this.append(entry);
  }

  append(entry: AuditEntry): AuditRow {
    const row: AuditRow = {
      seq: this.#nextSeq++,
      at: entry.at ?? new Date().toISOString(),
      actor: entry.actor,
      action: entry.action,
      objectType: entry.objectType,
      objectId: entry.objectId ?? null,
      objectLabel: entry.objectLabel ?? null,
      changes: entry.changes ?? [],
      result: entry.result ?? 'ok',
      detail: entry.detail ?? null,
    };
    this.#rows.push(row);
    return row;
  }

  /** Every stored row, newest first (for tests). */
  get rows(): AuditRow[] {
    return [...this.#rows].reverse();
  }

  #range(filter: AuditFilter): { from: number | null; to: number | null } | Result<never, AppError> {
    const from = trimmed(filter.from) === null ? null : parseTime(filter.from ?? '');
    if (trimmed(filter.from) !== null && from === null) return fail('Use a date and time like 2026-11-23T09:00:00Z.', 'from');
    const to = trimmed(filter.to) === null ? null : parseTime(filter.to ?? '');
    if (trimmed(filter.to) !== null && to === null) return fail('Use a date and time like 2026-11-23T09:00:00Z.', 'to');
    return { from, to };
  }

  #matching(filter: AuditFilter, from: number | null, to: number | null, before: number | null, limit: number): AuditRow[] {
    const out: AuditRow[] = [];
    for (let i = this.#rows.length - 1; i >= 0 && out.length < limit; i--) {
      const row = this.#rows[i];
      if (!row || (before !== null && row.seq >= before) || this.#tampered.get(row.seq) === 'deleted') continue;
      if (matches(row, filter, from, to)) out.push(row);
    }
    return out;
  }

  page(filter: AuditFilter, before: number | null, limit: number): Result<AuditPage, AppError> {
    const range = this.#range(filter);
    if ('status' in range) return range;
    const size = Math.min(Math.max(limit, 1), MAX_AUDIT_PAGE);
    const rows = this.#matching(filter, range.from, range.to, before, size + 1);
    const more = rows.length > size;
    rows.length = Math.min(rows.length, size);
    return ok({ rows, nextBefore: more ? (rows[rows.length - 1]?.seq ?? null) : null });
  }

  facets(): AuditFacets {
    const live = this.#rows.filter((r) => this.#tampered.get(r.seq) !== 'deleted');
    const distinct = (values: string[]) => [...new Set(values)].sort();
    return { actors: distinct(live.map((r) => r.actor)), actions: distinct(live.map((r) => r.action)) };
  }

  /** Core's chain check, in its words. */
  verify(): Verification {
    let checked = 0;
    for (const row of this.#rows) {
      const damage = this.#tampered.get(row.seq);
      if (damage === 'deleted') {
        const next = this.#rows.find((r) => r.seq > row.seq && this.#tampered.get(r.seq) !== 'deleted');
        return {
          ok: false,
          rowsChecked: checked,
          firstBadSeq: row.seq,
          message: next
            ? `Audit row ${row.seq} is missing: it was deleted (the next row is ${next.seq}).`
            : `Audit rows from ${row.seq} to ${this.#nextSeq - 1} are missing: the newest rows were deleted.`,
        };
      }
      if (damage === 'changed') {
        return { ok: false, rowsChecked: checked, firstBadSeq: row.seq, message: `Audit row ${row.seq} was changed after it was written.` };
      }
      checked += 1;
    }
    const pruned = this.#floor > 0 ? ` Rows 1 to ${this.#floor} were pruned by retention; the checkpoint matches.` : '';
    return { ok: true, rowsChecked: checked, firstBadSeq: null, message: `All ${checked} audit rows are intact.${pruned}` };
  }

  /** What an export would write: the matching rows' count and the chain check; nothing is written. */
  export(filter: AuditFilter, format: ExportFormat): Result<AuditExport, AppError> {
    const range = this.#range(filter);
    if ('status' in range) return range;
    const verification = this.verify();
    const rows = this.#matching(filter, range.from, range.to, null, Number.MAX_SAFE_INTEGER).length;
    const stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '').replace('T', '-');
    return ok({ exported: { path: `/home/frontdesk/Downloads/switchboard-audit-${stamp}.${format}`, rows }, verification });
  }

  /** Removes rows written before `cutoff` (never the newest); returns how many. */
  prune(cutoff: number): number {
    const newest = this.#rows[this.#rows.length - 1];
    const kept = this.#rows.filter((r) => Date.parse(r.at) >= cutoff || r === newest);
    const removed = this.#rows.length - kept.length;
    if (removed > 0) {
      this.#floor = (kept[0]?.seq ?? this.#nextSeq) - 1;
      this.#rows = kept;
    }
    return removed;
  }

  /** Makes the chain check fail at `seq`, as if the row had been edited or deleted in the database. */
  tamper(seq: number, how: 'changed' | 'deleted' = 'changed'): void {
    this.#tampered.set(seq, how);
  }
}

/**
 * The preview's audit history, oldest first, relative to `now`: setup, sign-ins (one mistyped),
 * configuration changes with secrets named but never shown, a refusal, a user disabled, and
 * `extra` more routine sign-ins further back for a long log.
 */
export function sampleAudit(now: number = Date.now(), extra = 0): AuditEntry[] {
  const DAY = 24 * 3600 * 1000;
  const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
  const entries: AuditEntry[] = [];
  for (let i = extra; i > 0; i--) {
    const who = ['sam', 'maria', 'dana'][i % 3] ?? 'sam';
    entries.push({ at: at(60 + i / 24), actor: who, action: 'session.login', objectType: 'user', objectId: `usr_sample_${who}`, objectLabel: who, detail: 'via app' });
  }
  const user = (name: string) => ({ objectType: 'user', objectId: `usr_sample_${name}`, objectLabel: name });
  entries.push(
    {
      at: at(40),
      actor: 'dana',
      action: 'setup',
      ...user('dana'),
      changes: [
        { field: 'clinic_name', secret: false, to: 'Riverside Veterinary Clinic' },
        { field: 'role', secret: false, to: 'admin' },
        { field: 'password', secret: true, to: 'set' },
      ],
    },
    {
      at: at(39.9),
      actor: 'dana',
      action: 'user.create',
      ...user('maria'),
      changes: [
        { field: 'display_name', secret: false, to: 'Maria Lopez' },
        { field: 'role', secret: false, to: 'manager' },
        { field: 'password', secret: true, to: 'set' },
      ],
    },
    {
      at: at(39.8),
      actor: 'dana',
      action: 'user.create',
      ...user('sam'),
      changes: [
        { field: 'display_name', secret: false, to: 'Sam Patel' },
        { field: 'role', secret: false, to: 'front_desk' },
        { field: 'password', secret: true, to: 'set' },
      ],
    },
    {
      at: at(39.7),
      actor: 'dana',
      action: 'user.create',
      ...user('jordan'),
      changes: [
        { field: 'display_name', secret: false, to: 'Jordan Reyes' },
        { field: 'role', secret: false, to: 'front_desk' },
        { field: 'password', secret: true, to: 'set' },
      ],
    },
    { at: at(12), actor: 'maria', action: 'session.login', ...user('maria'), detail: 'via app' },
    {
      at: at(12),
      actor: 'maria',
      action: 'integration.create',
      objectType: 'integration',
      objectId: 'int_sample_twilio',
      objectLabel: 'Front desk SMS',
      changes: [
        { field: 'environment', secret: false, to: 'live' },
        { field: 'sender', secret: false, to: '+15551234567' },
        { field: 'auth_token', secret: true, to: 'set' },
      ],
    },
    {
      at: at(11.9),
      actor: 'maria',
      action: 'integration.update',
      objectType: 'integration',
      objectId: 'int_sample_square',
      objectLabel: 'Card payments',
      changes: [
        { field: 'environment', secret: false, from: 'production', to: 'sandbox' },
        { field: 'access_token', secret: true, to: 'replaced' },
      ],
    },
    {
      at: at(11.8),
      actor: 'maria',
      action: 'settings.update',
      objectType: 'settings',
      changes: [{ field: 'check_interval_minutes', secret: false, from: '15', to: '10' }],
    },
    {
      at: at(11.8),
      actor: 'maria',
      action: 'api_key.create',
      objectType: 'api_key',
      objectId: 'key_sample_pms',
      objectLabel: 'Practice management system',
      changes: [{ field: 'scopes', secret: false, to: '*' }],
    },
    { at: at(3), actor: 'system:app', action: 'session.login', objectType: 'user', objectLabel: 'sam', result: 'failed', detail: 'wrong password (via app)' },
    { at: at(3), actor: 'sam', action: 'session.login', ...user('sam'), detail: 'via app' },
    {
      at: at(3),
      actor: 'sam',
      action: 'integration.update',
      objectType: 'integration',
      objectId: 'int_sample_twilio',
      result: 'refused',
      detail: 'Only a practice manager or an admin can change the configuration.',
    },
    { at: at(2.9), actor: 'sam', action: 'session.lock', objectType: 'session', objectId: 'usr_sample_sam', objectLabel: 'sam', detail: 'idle for 10 minutes' },
    {
      at: at(2),
      actor: 'dana',
      action: 'user.update',
      ...user('jordan'),
      changes: [{ field: 'enabled', secret: false, from: 'true', to: 'false' }],
    },
    {
      at: at(1),
      actor: 'maria',
      action: 'endpoint.rotate_secret',
      objectType: 'endpoint',
      objectId: 'ep_sample_lab',
      objectLabel: 'http://192.168.1.20:8080/switchboard',
      changes: [{ field: 'secret', secret: true, to: 'replaced' }],
    },
    { at: at(0.02), actor: 'dana', action: 'session.login', ...user('dana'), detail: 'via app' },
  );
  return entries;
}
