import type { AppError, AuditFilter, AuditRow } from '../backend';
import type { AppState } from './app-state.svelte';
import { NO_AUDIT_FILTER, toAuditFilter, type AuditFilterValues } from './audit-filter';

/** Rows asked for per page as the table is scrolled. */
export const AUDIT_PAGE_SIZE = 100;

/**
 * One view of the audit log: the filter, the rows loaded so far (newest first) and the `seq` to
 * read older ones before. Pages are read as the table is scrolled; a new filter starts over.
 * Loads run one after another, and answers for an older filter are dropped.
 */
export class AuditLogState {
  readonly #app: AppState;
  #generation = 0;
  #queue: Promise<void> = Promise.resolve();

  filter: AuditFilterValues = $state({ ...NO_AUDIT_FILTER });
  /** Not deeply reactive: thousands of rows, replaced as a whole. */
  rows: AuditRow[] = $state.raw([]);
  nextBefore: number | null = $state(null);
  loaded = $state(false);
  loading = $state(false);
  loadingMore = $state(false);
  error: AppError | null = $state(null);
  moreError: AppError | null = $state(null);

  constructor(app: AppState) {
    this.#app = app;
  }

  get query(): AuditFilter {
    return toAuditFilter(this.filter);
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(task, task);
    return this.#queue;
  }

  /** Shows the log for a filter, from its newest row. */
  setFilter(values: AuditFilterValues): Promise<void> {
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
      const outcome = await this.#app.call((b) => b.auditPage(query, null, AUDIT_PAGE_SIZE));
      if (generation !== this.#generation) return;
      if (outcome.ok) {
        this.rows = outcome.data.rows;
        this.nextBefore = outcome.data.nextBefore;
        this.loaded = true;
      } else {
        this.rows = [];
        this.nextBefore = null;
        this.error = outcome.error;
      }
      this.loading = false;
    });
  }

  /** The next, older page (as the table nears its end). */
  loadMore(): Promise<void> {
    if (this.nextBefore === null || this.loadingMore || this.loading) return Promise.resolve();
    const generation = this.#generation;
    this.loadingMore = true;
    this.moreError = null;
    return this.#enqueue(async () => {
      const before = this.nextBefore;
      if (generation !== this.#generation || before === null) {
        this.loadingMore = false;
        return;
      }
      const outcome = await this.#app.call((b) => b.auditPage(this.query, before, AUDIT_PAGE_SIZE));
      if (generation === this.#generation) {
        if (outcome.ok) {
          const known = new Set(this.rows.map((r) => r.seq));
          this.rows = [...this.rows, ...outcome.data.rows.filter((r) => !known.has(r.seq))];
          this.nextBefore = outcome.data.nextBefore;
        } else {
          this.moreError = outcome.error;
        }
      }
      this.loadingMore = false;
    });
  }
}
