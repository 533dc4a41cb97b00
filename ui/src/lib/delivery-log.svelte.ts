import type { AppError, DeliveryFilter, DeliveryPage, DeliveryRow, DeliveryStatus, Settled } from '../backend';
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
 * One view of the delivery log: the filter, the rows loaded so far (newest first) and the cursor
 * to the next, older page. Pages are read as the table is scrolled; a filter change starts over.
 * `refresh` (after a worker batch) reads the loaded range again, keeping the scroll position's
 * rows in place. Loads are queued one after another, so pages never interleave.
 */
export class DeliveryLogState {
  readonly #app: AppState;
  /** Bumped by every new filter: answers for an older one are dropped. */
  #generation = 0;
  #queue: Promise<void> = Promise.resolve();

  filter: FilterValues = $state({ ...NO_FILTER });
  /** Not deeply reactive: thousands of rows, replaced as a whole. */
  rows: DeliveryRow[] = $state.raw([]);
  nextCursor: string | null = $state(null);
  loaded = $state(false);
  loading = $state(false);
  loadingMore = $state(false);
  error: AppError | null = $state(null);
  moreError: AppError | null = $state(null);

  constructor(app: AppState) {
    this.#app = app;
  }

  get query(): DeliveryFilter {
    return toDeliveryFilter(this.filter);
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(task, task);
    return this.#queue;
  }

  /** Shows the log for a filter, from its newest row. */
  setFilter(values: FilterValues): Promise<void> {
    this.filter = { ...values };
    return this.reload();
  }

  reload(): Promise<void> {
    const generation = ++this.#generation;
    const query = this.query;
    this.loading = true;
    this.error = null;
    this.moreError = null;
    return this.#enqueue(async () => {
      if (generation !== this.#generation) return;
      const outcome = await this.#app.call((b) => b.listDeliveries(query, null, PAGE_SIZE));
      if (generation !== this.#generation) return;
      if (outcome.ok) {
        this.rows = outcome.data.rows;
        this.nextCursor = outcome.data.nextCursor;
        this.loaded = true;
      } else {
        this.rows = [];
        this.nextCursor = null;
        this.error = outcome.error;
      }
      this.loading = false;
    });
  }

  /** The next, older page (as the table nears its end). */
  loadMore(): Promise<void> {
    if (this.nextCursor === null || this.loadingMore || this.loading) return Promise.resolve();
    const generation = this.#generation;
    this.loadingMore = true;
    this.moreError = null;
    return this.#enqueue(async () => {
      const cursor = this.nextCursor;
      if (generation !== this.#generation || cursor === null) {
        this.loadingMore = false;
        return;
      }
      const outcome = await this.#app.call((b) => b.listDeliveries(this.query, cursor, PAGE_SIZE));
      if (generation === this.#generation) {
        if (outcome.ok) {
          const known = new Set(this.rows.map((r) => r.id));
          this.rows = [...this.rows, ...outcome.data.rows.filter((r) => !known.has(r.id))];
          this.nextCursor = outcome.data.nextCursor;
        } else {
          this.moreError = outcome.error;
        }
      }
      this.loadingMore = false;
    });
  }

  /**
   * Reads the newest rows again after deliveries moved on: as many as are loaded (up to a page
   * of 500), then keeps the older rows already loaded below them.
   */
  refresh(): Promise<void> {
    if (!this.loaded) return this.reload();
    const generation = this.#generation;
    return this.#enqueue(async () => {
      if (generation !== this.#generation) return;
      const limit = Math.min(Math.max(this.rows.length, PAGE_SIZE), MAX_PAGE);
      const outcome = await this.#app.call((b) => b.listDeliveries(this.query, null, limit));
      if (generation !== this.#generation || !outcome.ok) return;
      const fresh = outcome.data.rows;
      const last = fresh[fresh.length - 1];
      if (this.rows.length <= limit || !last) {
        this.rows = fresh;
        this.nextCursor = outcome.data.nextCursor;
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
      if (index < 0 && lastId === null) this.nextCursor = outcome.data.nextCursor;
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
        const outcome: Settled<DeliveryPage> = await this.#app.call((b) => b.listDeliveries({ ...base, status }, after, MAX_PAGE));
        if (!outcome.ok) return { ok: false, error: outcome.error };
        count += outcome.data.rows.length;
        cursor = outcome.data.nextCursor;
        if (count >= COUNT_CAP) return { ok: true, count, more: cursor !== null || status !== statuses[statuses.length - 1] };
      } while (cursor !== null);
    }
    return { ok: true, count, more: false };
  }
}
