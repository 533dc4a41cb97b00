import type { AppError, DeliveryFilter, DeliveryPage, DeliveryRow, DeliveryStatus, Settled } from '../backend';
import { KeysetLogState } from './keyset-log.svelte';
import type { AppState } from './app-state.svelte';
import { NO_FILTER, toDeliveryFilter, type FilterValues } from './delivery-filter';
import { isResendable } from './webhook-text';

/** Rows asked for per page as the user scrolls. */
export const PAGE_SIZE = 100;
/** Core's largest page. */
const MAX_PAGE = 500;
/** "Resend all matching" counts up to this many before saying "more than". */
export const COUNT_CAP = 10_000;

const numeric = (id: string) => (/^\d+$/.test(id) ? Number(id) : null);

/**
 * One view of the delivery log, paged by delivery id. `refresh` (after a worker batch) reads the
 * loaded range again, keeping the scroll position's rows in place.
 */
export class DeliveryLogState extends KeysetLogState<DeliveryRow, FilterValues, DeliveryFilter, string> {
  constructor(app: AppState) {
    super(app, NO_FILTER, PAGE_SIZE);
  }

  protected toQuery(values: FilterValues): DeliveryFilter {
    return toDeliveryFilter(values);
  }

  protected async fetch(query: DeliveryFilter, cursor: string | null, limit: number) {
    const outcome = await this.app.call((b) => b.listDeliveries(query, cursor, limit));
    return outcome.ok ? { ok: true as const, data: { rows: outcome.data.rows, next: outcome.data.nextCursor } } : outcome;
  }

  protected key(row: DeliveryRow): string {
    return row.id;
  }

  /**
   * Reads the newest rows again after deliveries moved on: as many as are loaded (up to a page
   * of 500), then keeps the older rows already loaded below them.
   */
  refresh(): Promise<void> {
    if (!this.loaded) return this.reload();
    const generation = this.generation;
    return this.enqueue(async () => {
      if (generation !== this.generation) return;
      const limit = Math.min(Math.max(this.rows.length, PAGE_SIZE), MAX_PAGE);
      const outcome = await this.fetch(this.query, null, limit);
      if (generation !== this.generation || !outcome.ok) return;
      const fresh = outcome.data.rows;
      const last = fresh[fresh.length - 1];
      if (this.rows.length <= limit || !last) {
        this.rows = fresh;
        this.next = outcome.data.next;
        return;
      }
      // Older rows loaded beyond the refreshed range stay, after the last refreshed one.
      const lastId = numeric(last.id);
      const index = this.rows.findIndex((r) => r.id === last.id);
      const tail =
        index >= 0
          ? this.rows.slice(index + 1)
          : lastId !== null
            ? this.rows.filter((r) => (numeric(r.id) ?? Infinity) < lastId)
            : [];
      if (index < 0 && lastId === null) this.next = outcome.data.next;
      const seen = new Set(fresh.map((r) => r.id));
      this.rows = [...fresh, ...tail.filter((r) => !seen.has(r.id))];
    });
  }

  /** Puts a changed row in place (after a resend or opening its detail). */
  put(row: DeliveryRow): void {
    if (this.rows.some((r) => r.id === row.id)) this.rows = this.rows.map((r) => (r.id === row.id ? row : r));
  }

  /** Marks rows as queued again at once, before the worker's report arrives. */
  markQueued(ids: readonly string[]): void {
    const chosen = new Set(ids);
    const now = new Date().toISOString();
    this.rows = this.rows.map((r) =>
      chosen.has(r.id) && isResendable(r.status) ? { ...r, status: 'pending' as DeliveryStatus, nextAttemptAt: now } : r,
    );
  }

  /**
   * How many deliveries "Resend all matching" would queue: the failed (retrying) and dead ones
   * matching the filter, counted up to COUNT_CAP.
   */
  async countResendable(): Promise<{ ok: true; count: number; more: boolean } | { ok: false; error: AppError }> {
    const base = this.query;
    const statuses: DeliveryStatus[] = base.status ? (isResendable(base.status) ? [base.status] : []) : ['retrying', 'dead'];
    let count = 0;
    for (const status of statuses) {
      let cursor: string | null = null;
      do {
        const after: string | null = cursor;
        const outcome: Settled<DeliveryPage> = await this.app.call((b) => b.listDeliveries({ ...base, status }, after, MAX_PAGE));
        if (!outcome.ok) return { ok: false, error: outcome.error };
        count += outcome.data.rows.length;
        cursor = outcome.data.nextCursor;
        if (count >= COUNT_CAP) return { ok: true, count, more: cursor !== null || status !== statuses[statuses.length - 1] };
      } while (cursor !== null);
    }
    return { ok: true, count, more: false };
  }
}
