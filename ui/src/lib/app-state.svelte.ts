import {
  settle,
  settleValue,
  type AppError,
  type AppInfo,
  type Backend,
  type BackendKind,
  type Result,
  type Settings,
  type Settled,
} from '../backend';

/** Shown when the keychain reports itself unavailable without saying why. */
export const KEYCHAIN_FALLBACK_MESSAGE =
  'Switchboard cannot reach the system keychain, where it keeps passwords and API keys.';

/**
 * What every page shares: the backend, the installation's AppInfo, and problems that must stay
 * visible on every page (the keychain banner). Components call the backend only through `call`,
 * so every error is turned into something the UI can show and a keychain failure is never missed.
 */
export class AppState {
  readonly backend: Backend;
  readonly kind: BackendKind;

  info: AppInfo | null = $state(null);
  infoError: AppError | null = $state(null);
  /** Set when any command fails with `keychain_unavailable`. Stays until the app restarts. */
  keychainError: string | null = $state(null);

  /** The banner's message, or null when the keychain is fine as far as we know. */
  keychainProblem: string | null = $derived.by(() => {
    if (this.keychainError !== null) return this.keychainError;
    if (this.info && !this.info.keychain.available) {
      return this.info.keychain.message ?? KEYCHAIN_FALLBACK_MESSAGE;
    }
    return null;
  });

  clinicName: string = $derived(this.info?.clinicName?.trim() || 'Your clinic');

  #lockedListeners = new Set<() => void>();

  constructor(backend: Backend, kind: BackendKind) {
    this.backend = backend;
    this.kind = kind;
  }

  /**
   * Called whenever a command answers `locked` (nobody signed in, or the screen locked, e.g. by
   * the idle lock): the Session sends the window to the lock screen. Returns the unsubscribe.
   */
  onLocked(listener: () => void): () => void {
    this.#lockedListeners.add(listener);
    return () => this.#lockedListeners.delete(listener);
  }

  /**
   * Runs one command and returns its data or an error to display; never throws.
   * Usage: `const outcome = await app.call((b) => b.appInfo());`
   */
  async call<T>(command: (backend: Backend) => Promise<Result<T, AppError>>): Promise<Settled<T>> {
    return this.#noted(await settle(Promise.resolve().then(() => command(this.backend))));
  }

  /**
   * `call` for a command that returns its value directly instead of a Result (`listProviders`).
   * Usage: `const outcome = await app.callValue((b) => b.listProviders());`
   */
  async callValue<T>(command: (backend: Backend) => Promise<T>): Promise<Settled<T>> {
    return this.#noted(await settleValue(Promise.resolve().then(() => command(this.backend))));
  }

  #noted<T>(outcome: Settled<T>): Settled<T> {
    if (!outcome.ok && outcome.error.code === 'keychain_unavailable') {
      this.keychainError = outcome.error.message || KEYCHAIN_FALLBACK_MESSAGE;
    }
    if (!outcome.ok && outcome.error.code === 'locked') {
      for (const listener of [...this.#lockedListeners]) listener();
    }
    return outcome;
  }

  /** After the settings are saved: the header shows the new clinic name at once. */
  settingsSaved(settings: Settings): void {
    if (this.info) this.info = { ...this.info, clinicName: settings.clinicName };
    else void this.loadInfo();
  }

  async loadInfo(): Promise<void> {
    const outcome = await this.call((b) => b.appInfo());
    if (outcome.ok) {
      this.info = outcome.data;
      this.infoError = null;
    } else {
      this.infoError = outcome.error;
    }
  }
}
