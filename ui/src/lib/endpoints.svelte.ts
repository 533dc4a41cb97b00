import type { AppError, Endpoint, EndpointStatus, EventTypeInfo } from '../backend';
import type { AppState } from './app-state.svelte';
import { listenToDeliveries } from './deliveries-changed';

/**
 * Webhook endpoints, their statuses (level, reason, 24-hour rate, counts) and the event types they
 * can subscribe to; shared by the Webhooks page and the dashboard. Read when a page opens, and
 * again after the delivery worker reports a batch (`deliveriesChanged`) — never polled.
 */
export class EndpointsState {
  readonly #app: AppState;

  endpoints: Endpoint[] = $state([]);
  statuses: EndpointStatus[] = $state([]);
  eventTypes: string[] = $state([]);
  /** The event catalogue (Webhooks › Event types, "Send test event"'s samples). */
  catalogue: EventTypeInfo[] = $state([]);
  loaded = $state(false);
  loading = $state(false);
  loadError: AppError | null = $state(null);
  /** A refresh after a batch failed: the last known state stays shown. */
  refreshError: AppError | null = $state(null);

  constructor(app: AppState) {
    this.#app = app;
  }

  byId(id: string): Endpoint | undefined {
    return this.endpoints.find((e) => e.id === id);
  }

  statusOf(id: string): EndpointStatus | undefined {
    return this.statuses.find((s) => s.endpointId === id);
  }

  /** Reads endpoints, statuses and event types. Never throws. */
  async load(): Promise<void> {
    this.loading = true;
    const [endpoints, statuses, types, catalogue] = await Promise.all([
      this.#app.call((b) => b.listEndpoints()),
      this.#app.call((b) => b.endpointStatuses()),
      this.eventTypes.length > 0 ? Promise.resolve(null) : this.#app.callValue((b) => b.listEventTypes()),
      this.catalogue.length > 0 ? Promise.resolve(null) : this.#app.callValue((b) => b.listEventCatalogue()),
    ]);
    if (types?.ok) this.eventTypes = types.data;
    if (catalogue?.ok) this.catalogue = catalogue.data;
    if (endpoints.ok && statuses.ok) {
      this.endpoints = endpoints.data;
      this.statuses = statuses.data;
      this.loadError = null;
      this.refreshError = null;
      this.loaded = true;
    } else {
      this.loadError = !endpoints.ok ? endpoints.error : !statuses.ok ? statuses.error : null;
    }
    this.loading = false;
  }

  /** Reads endpoints and statuses again, keeping what is shown if that fails. */
  async refresh(): Promise<void> {
    const [endpoints, statuses] = await Promise.all([
      this.#app.call((b) => b.listEndpoints()),
      this.#app.call((b) => b.endpointStatuses()),
    ]);
    if (endpoints.ok) this.endpoints = endpoints.data;
    if (statuses.ok) this.statuses = statuses.data;
    this.refreshError = !endpoints.ok ? endpoints.error : !statuses.ok ? statuses.error : null;
    if (endpoints.ok && statuses.ok) this.loaded = true;
  }

  async refreshStatuses(): Promise<void> {
    const statuses = await this.#app.call((b) => b.endpointStatuses());
    if (statuses.ok) this.statuses = statuses.data;
  }

  /** A saved endpoint: shown at once; its status follows. */
  put(endpoint: Endpoint): void {
    const known = this.endpoints.some((e) => e.id === endpoint.id);
    this.endpoints = known ? this.endpoints.map((e) => (e.id === endpoint.id ? endpoint : e)) : [...this.endpoints, endpoint];
    void this.refreshStatuses();
  }

  drop(id: string): void {
    this.endpoints = this.endpoints.filter((e) => e.id !== id);
    this.statuses = this.statuses.filter((s) => s.endpointId !== id);
  }

  /** Refreshes after every delivery batch until the returned function is called. */
  listen(): () => void {
    return listenToDeliveries(this.#app.backend, () => {
      if (this.loaded) void this.refresh();
    });
  }
}
