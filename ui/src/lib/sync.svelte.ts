import type { AppError, SyncCounts } from '../backend';
import type { AppState } from './app-state.svelte';

/** How often the cards read today's counts again while they are shown (no event says when jobs move). */
export const SYNC_REFRESH_MS = 30_000;

/**
 * Today's sync counts of every integration that syncs (for the cards), and "Sync now" with its
 * answer per integration. Shared by the dashboard and the Integrations page.
 */
export class SyncState {
  readonly #app: AppState;

  counts: SyncCounts[] = $state([]);
  loaded = $state(false);
  error: AppError | null = $state(null);
  /** Integrations with a "Sync now" under way. */
  busy: Record<string, boolean> = $state({});
  /** What the last "Sync now" of each integration did. */
  results: Record<string, { text: string } | { error: AppError }> = $state({});

  constructor(app: AppState) {
    this.#app = app;
  }

  countsOf(integrationId: string): SyncCounts | undefined {
    return this.counts.find((c) => c.integrationId === integrationId);
  }

  /** Reads the counts; on failure the last known ones stay shown. Never throws. */
  async load(): Promise<void> {
    const outcome = await this.#app.call((b) => b.syncCounts());
    if (outcome.ok) {
      this.counts = outcome.data;
      this.loaded = true;
      this.error = null;
    } else {
      this.error = outcome.error;
    }
  }

  /** Reads the counts now and every SYNC_REFRESH_MS until the returned function is called. */
  follow(): () => void {
    void this.load();
    const timer = setInterval(() => void this.load(), SYNC_REFRESH_MS);
    return () => clearInterval(timer);
  }

  /** "Sync now": the integration's waiting work is due at once. */
  async syncNow(integrationId: string): Promise<void> {
    this.busy[integrationId] = true;
    const outcome = await this.#app.call((b) => b.syncNow(integrationId));
    this.busy[integrationId] = false;
    if (outcome.ok) {
      const n = outcome.data;
      this.results[integrationId] = {
        text: n === 0 ? 'Nothing was waiting; everything is up to date.' : `Started ${n === 1 ? '1 job' : `${n.toLocaleString()} jobs`} now.`,
      };
    } else {
      this.results[integrationId] = { error: outcome.error };
    }
    await this.load();
  }

  dismiss(integrationId: string): void {
    delete this.results[integrationId];
  }
}
