import type { JobFilter, JobRow } from '../backend';
import type { AppState } from './app-state.svelte';
import { KeysetLogState } from './keyset-log.svelte';
import { NO_SYNC_FILTER, toJobFilter, type SyncFilterValues } from './sync-filter';

/** Rows asked for per page ("Load more" asks for the next). */
export const SYNC_PAGE_SIZE = 50;

/** One view of the sync log, paged by job id, newest first. */
export class SyncLogState extends KeysetLogState<JobRow, SyncFilterValues, JobFilter, string> {
  constructor(app: AppState, pageSize = SYNC_PAGE_SIZE) {
    super(app, NO_SYNC_FILTER, pageSize);
  }

  protected toQuery(values: SyncFilterValues): JobFilter {
    return toJobFilter(values);
  }

  protected async fetch(query: JobFilter, cursor: string | null, limit: number) {
    const outcome = await this.app.call((b) => b.listSyncJobs(query, cursor, limit));
    return outcome.ok ? { ok: true as const, data: { rows: outcome.data.rows, next: outcome.data.nextCursor } } : outcome;
  }

  protected key(row: JobRow): string {
    return row.id;
  }

  /** Puts a changed row in place (after Retry, Skip, Acknowledge or opening its detail). */
  put(row: JobRow): void {
    if (this.rows.some((r) => r.id === row.id)) this.rows = this.rows.map((r) => (r.id === row.id ? row : r));
  }
}
