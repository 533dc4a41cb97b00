import type { AppError, SyncCounts } from '../backend';
import type { AppState } from './app-state.svelte';
import { listenToSync } from './sync-changed';

/**
 * Today's sync counts of every integration that syncs (for the cards), and "Sync now" with its
 * answer per integration. Shared by the dashboard and the Integrations page; read when they open
 * and after each sync worker batch (`syncChanged`, listened to in App), never polled.
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

  /** Reads the counts again after each sync worker batch (`syncChanged`), once they are shown. */
  listen(): () => void {
    return listenToSync(this.#app.backend, () => {
      if (this.loaded) void this.load();
    });
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
