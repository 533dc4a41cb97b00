import type { AuditFilter, AuditRow } from '../backend';
import type { AppState } from './app-state.svelte';
import { NO_AUDIT_FILTER, toAuditFilter, type AuditFilterValues } from './audit-filter';
import { KeysetLogState } from './keyset-log.svelte';

/** Rows asked for per page as the table is scrolled. */
export const AUDIT_PAGE_SIZE = 100;

/** One view of the audit log, paged by `seq` (`next` is the `seq` to read older rows before). */
export class AuditLogState extends KeysetLogState<AuditRow, AuditFilterValues, AuditFilter, number> {
  constructor(app: AppState) {
    super(app, NO_AUDIT_FILTER, AUDIT_PAGE_SIZE);
  }

  protected toQuery(values: AuditFilterValues): AuditFilter {
    return toAuditFilter(values);
  }

  protected async fetch(query: AuditFilter, before: number | null, limit: number) {
    const outcome = await this.app.call((b) => b.auditPage(query, before, limit));
    return outcome.ok ? { ok: true as const, data: { rows: outcome.data.rows, next: outcome.data.nextBefore } } : outcome;
  }

  protected key(row: AuditRow): number {
    return row.seq;
  }
}
