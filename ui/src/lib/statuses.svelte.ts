import type { AppError, IntegrationStatus, TestRecord, TestRun } from '../backend';
import type { AppState } from './app-state.svelte';
import { LEVEL_LABELS } from './status-text';

/** What the last "Test now" of an integration ended in: a test run, or the command's error. */
export type TestResult = { kind: 'run'; run: TestRun } | { kind: 'error'; error: AppError };

export interface History {
  records: TestRecord[];
  loaded: boolean;
  loading: boolean;
  error: AppError | null;
}

/** How many tests the detail view lists. */
export const HISTORY_LIMIT = 50;

const byName = (a: IntegrationStatus, b: IntegrationStatus) =>
  a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });

const sameTest = (a: TestRecord, b: TestRecord) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Every integration's status, the tests running now and their results, and the test history the
 * detail view shows. Statuses are read once when the dashboard opens; after that they change only
 * when a test finishes: the `connectionTested` event (background checks, "Test now" anywhere) or
 * the answer to our own "Test now". Nothing polls.
 */
export class StatusesState {
  readonly #app: AppState;

  list: IntegrationStatus[] = $state([]);
  loaded = $state(false);
  loading = $state(false);
  loadError: AppError | null = $state(null);
  /** Integration ids with a "Test now" under way. */
  testing: Record<string, boolean> = $state({});
  /** The last "Test now" result of each integration, shown on its card until dismissed. */
  results: Record<string, TestResult> = $state({});
  histories: Record<string, History> = $state({});
  /** The newest test result in words, for the screen reader's live region. */
  announcement = $state('');

  constructor(app: AppState) {
    this.#app = app;
  }

  byId(id: string): IntegrationStatus | undefined {
    return this.list.find((s) => s.integrationId === id);
  }

  /** Reads every status. Never throws. */
  async load(): Promise<void> {
    this.loading = true;
    const outcome = await this.#app.call((b) => b.integrationStatuses());
    if (outcome.ok) {
      this.list = outcome.data;
      this.loadError = null;
      this.loaded = true;
    } else {
      this.loadError = outcome.error;
    }
    this.loading = false;
  }

  /**
   * Listens for finished tests until the returned function is called. Safe to call that before
   * listening has started (it then stops as soon as it starts).
   */
  listen(): () => void {
    let stop: (() => void) | null = null;
    let stopped = false;
    Promise.resolve()
      .then(() => this.#app.backend.onConnectionTested(({ run }) => this.apply(run)))
      .then(
        (unlisten) => {
          if (stopped) unlisten();
          else stop = unlisten;
        },
        (error: unknown) => console.warn('Switchboard: could not listen for connection tests', error),
      );
    return () => {
      stopped = true;
      stop?.();
    };
  }

  /** Puts a finished test in place: the card's status and, if it is open, the history. */
  apply(run: TestRun): void {
    const id = run.integrationId;
    const current = this.byId(id);
    const older =
      current?.lastCheckedAt != null && Date.parse(current.lastCheckedAt) > Date.parse(run.test.at);
    if (current && !older) {
      this.list = this.list.map((s) => (s.integrationId === id ? run.status : s));
    } else if (!current && this.loaded) {
      // Tested before the dashboard heard of it (just added elsewhere): show it.
      this.list = [...this.list, run.status].sort(byName);
    }
    const history = this.histories[id];
    if (history?.loaded && !history.records.some((r) => sameTest(r, run.test))) {
      history.records = [run.test, ...history.records]
        .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
        .slice(0, HISTORY_LIMIT);
    }
  }

  /** "Test now": runs one test, then shows its result on the card. Never throws. */
  async test(id: string): Promise<void> {
    if (this.testing[id]) return;
    this.testing[id] = true;
    delete this.results[id];
    const name = this.byId(id)?.name ?? 'The integration';
    const outcome = await this.#app.call((b) => b.testIntegration(id));
    this.testing[id] = false;
    if (outcome.ok) {
      this.apply(outcome.data);
      this.results[id] = { kind: 'run', run: outcome.data };
      const { status, test } = outcome.data;
      this.announcement = `${status.name}: ${LEVEL_LABELS[status.level]}. ${test.summary}`;
    } else {
      this.results[id] = { kind: 'error', error: outcome.error };
      this.announcement = `${name}: the test could not run. ${outcome.error.message}`;
    }
  }

  dismiss(id: string): void {
    delete this.results[id];
  }

  /** Reads the newest tests of one integration. Never throws. */
  async loadHistory(id: string): Promise<void> {
    // Read back through the state proxy: changes to the object assigned would not be seen.
    this.histories[id] ??= { records: [], loaded: false, loading: false, error: null };
    const history = this.histories[id];
    history.loading = true;
    const outcome = await this.#app.call((b) => b.testHistory(id, HISTORY_LIMIT));
    const current = this.histories[id];
    if (outcome.ok) {
      current.records = outcome.data;
      current.loaded = true;
      current.error = null;
    } else {
      current.error = outcome.error;
    }
    current.loading = false;
  }
}
