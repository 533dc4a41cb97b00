import type { AppError, Settled } from '../backend';
import type { AppState } from './app-state.svelte';

/** One page of a log read newest first, and where the next (older) page starts. */
export interface KeysetPage<Row, Cursor> {
  rows: Row[];
  next: Cursor | null;
}

/**
 * One view of a long log (the delivery log, the audit log): the filter, the rows loaded so far
 * (newest first) and the cursor to the next, older page. Pages are read as the table is
 * scrolled; a new filter starts over. Loads run one after another, so pages never interleave,
 * and answers for an older filter are dropped.
 */
export abstract class KeysetLogState<Row, Values, Query, Cursor> {
  protected readonly app: AppState;
  /** Bumped by every new filter: answers for an older one are dropped. */
  protected generation = 0;
  #queue: Promise<void> = Promise.resolve();

  filter: Values = $state() as Values;
  /** Not deeply reactive: thousands of rows, replaced as a whole. */
  rows: Row[] = $state.raw([]);
  next: Cursor | null = $state(null);
  loaded = $state(false);
  loading = $state(false);
  loadingMore = $state(false);
  error: AppError | null = $state(null);
  moreError: AppError | null = $state(null);

  constructor(
    app: AppState,
    initial: Values,
    readonly pageSize: number,
  ) {
    this.app = app;
    this.filter = { ...initial };
  }

  /** The filter as the backend takes it. */
  protected abstract toQuery(values: Values): Query;
  /** Reads `limit` rows matching `query`, older than `cursor` (from the newest when null). */
  protected abstract fetch(query: Query, cursor: Cursor | null, limit: number): Promise<Settled<KeysetPage<Row, Cursor>>>;
  /** What tells two rows apart. */
  protected abstract key(row: Row): string | number;

  get query(): Query {
    return this.toQuery(this.filter);
  }

  protected enqueue(task: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(task, task);
    return this.#queue;
  }

  /** Shows the log for a filter, from its newest row. */
  setFilter(values: Values): Promise<void> {
    this.filter = { ...values };
    return this.reload();
  }

  reload(): Promise<void> {
    const generation = ++this.generation;
    const query = this.query;
    this.loading = true;
    this.error = null;
    this.moreError = null;
    return this.enqueue(async () => {
      if (generation !== this.generation) return;
      const outcome = await this.fetch(query, null, this.pageSize);
      if (generation !== this.generation) return;
      if (outcome.ok) {
        this.rows = outcome.data.rows;
        this.next = outcome.data.next;
        this.loaded = true;
      } else {
        this.rows = [];
        this.next = null;
        this.error = outcome.error;
      }
      this.loading = false;
    });
  }

  /** The next, older page (as the table nears its end). */
  loadMore(): Promise<void> {
    if (this.next === null || this.loadingMore || this.loading) return Promise.resolve();
    const generation = this.generation;
    this.loadingMore = true;
    this.moreError = null;
    return this.enqueue(async () => {
      const cursor = this.next;
      if (generation !== this.generation || cursor === null) {
        this.loadingMore = false;
        return;
      }
      const outcome = await this.fetch(this.query, cursor, this.pageSize);
      if (generation === this.generation) {
        if (outcome.ok) {
          const known = new Set(this.rows.map((r) => this.key(r)));
          this.rows = [...this.rows, ...outcome.data.rows.filter((r) => !known.has(this.key(r)))];
          this.next = outcome.data.next;
        } else {
          this.moreError = outcome.error;
        }
      }
      this.loadingMore = false;
    });
  }
}
