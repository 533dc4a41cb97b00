import type { JobFilter, JobRow } from '../backend';
import type { AppState } from './app-state.svelte';
import { KeysetLogState } from './keyset-log.svelte';
import { NO_SYNC_FILTER, toJobFilter, type SyncFilterValues } from './sync-filter';

/** Core's largest page of the sync log. */
const MAX_SYNC_PAGE = 500;

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

  /**
   * Reads the newest rows again after the sync worker moved jobs on: as many as are loaded (up to
   * core's largest page), replacing them; older rows beyond that stay.
   */
  refresh(): Promise<void> {
    if (!this.loaded) return this.reload();
    const generation = this.generation;
    return this.enqueue(async () => {
      if (generation !== this.generation) return;
      const limit = Math.min(Math.max(this.rows.length, this.pageSize), MAX_SYNC_PAGE);
      const outcome = await this.fetch(this.query, null, limit);
      if (generation !== this.generation || !outcome.ok) return;
      const fresh = outcome.data.rows;
      if (this.rows.length <= limit) {
        this.rows = fresh;
        this.next = outcome.data.next;
        return;
      }
      const seen = new Set(fresh.map((r) => r.id));
      const lastId = Number(fresh[fresh.length - 1]?.id ?? Infinity);
      this.rows = [...fresh, ...this.rows.filter((r) => !seen.has(r.id) && Number(r.id) < lastId)];
    });
  }

  /** Puts a changed row in place (after Retry, Skip, Acknowledge or opening its detail). */
  put(row: JobRow): void {
    if (this.rows.some((r) => r.id === row.id)) this.rows = this.rows.map((r) => (r.id === row.id ? row : r));
  }
}
