import type { AppError, Integration, Provider, ProviderSpec } from '../backend';
import type { AppState } from './app-state.svelte';

/**
 * The provider catalogue and the stored integrations, shared by the Integrations page and the
 * dashboard. Pages call `load()` when they open; changes made on the Integrations page are put
 * here so every page shows them at once.
 */
export class IntegrationsState {
  readonly #app: AppState;

  providers: ProviderSpec[] = $state([]);
  list: Integration[] = $state([]);
  /** True once the list has been read at least once. */
  loaded = $state(false);
  loading = $state(false);
  loadError: AppError | null = $state(null);
  providersError: AppError | null = $state(null);

  constructor(app: AppState) {
    this.#app = app;
  }

  /** Reads the providers (once) and the integrations (every time). Never throws. */
  async load(): Promise<void> {
    this.loading = true;
    const [, list] = await Promise.all([this.loadProviders(), this.#app.call((b) => b.listIntegrations())]);
    if (list.ok) {
      this.list = list.data;
      this.loadError = null;
      this.loaded = true;
    } else {
      this.loadError = list.error;
    }
    this.loading = false;
  }

  /** Reads the provider catalogue unless it is already here (the dashboard needs only this). */
  async loadProviders(): Promise<void> {
    if (this.providers.length > 0) return;
    const providers = await this.#app.callValue((b) => b.listProviders());
    if (providers.ok) {
      this.providers = providers.data;
      this.providersError = null;
    } else {
      this.providersError = providers.error;
    }
  }

  /** An environment's label ("Live credentials"), or its name until the catalogue is read. */
  environmentLabel(provider: Provider, environment: string): string {
    return this.spec(provider)?.environments.find((e) => e.name === environment)?.label ?? environment;
  }

  spec(provider: Provider): ProviderSpec | undefined {
    return this.providers.find((p) => p.provider === provider);
  }

  /** Adds or replaces one integration, keeping the list in name order as core returns it. */
  put(integration: Integration): void {
    const others = this.list.filter((i) => i.id !== integration.id);
    this.list = [...others, integration].sort((a, b) =>
      a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }),
    );
  }

  drop(id: string): void {
    this.list = this.list.filter((i) => i.id !== id);
  }
}
