import type {
  AppError,
  Permission,
  Role,
  SessionState as SessionSnapshot,
  SessionUser,
  Settled,
  SetupRequest,
} from '../backend';
import type { AppState } from './app-state.svelte';

/** What the window shows: first-run setup, the sign-in or lock screen, or the app. */
export type SessionPhase = 'loading' | 'unavailable' | 'setup' | 'sign-in' | 'locked' | 'open';

/** A role as people say it. */
export const ROLE_LABELS: Record<Role, string> = {
  front_desk: 'Front desk',
  manager: 'Manager',
  admin: 'Admin',
};

/** The roles in the order a role select lists them. */
export const ROLES: readonly Role[] = ['front_desk', 'manager', 'admin'];

/**
 * Who is using the app, as the backend says: nobody yet (setup), nobody signed in, a locked
 * screen, or a signed-in user with their permissions. The UI asks `can(permission)` and never
 * keeps a role table of its own. The backend is the authority: the session is read again when
 * it reports a change (`sessionChanged`), and any command answering `locked` sends the window to
 * the lock or sign-in screen at once.
 */
export class Session {
  readonly #app: AppState;
  /** Bumped by every change made here: an older `sessionState` answer is then dropped. */
  #generation = 0;

  snapshot: SessionSnapshot | null = $state(null);
  /** Why the session could not be read (the database could not be opened, …). */
  loadError: AppError | null = $state(null);

  phase: SessionPhase = $derived.by(() => {
    const s = this.snapshot;
    if (!s) return this.loadError ? 'unavailable' : 'loading';
    if (s.setupRequired) return 'setup';
    if (s.user) return 'open';
    if (s.lockedFor) return 'locked';
    return 'sign-in';
  });

  user: SessionUser | null = $derived(this.snapshot?.user ?? null);
  lockedFor: string | null = $derived(this.snapshot?.lockedFor ?? null);
  idleLockMinutes: number = $derived(this.snapshot?.idleLockMinutes ?? 10);
  #permissions: ReadonlySet<Permission> = $derived(new Set(this.user?.permissions ?? []));

  constructor(app: AppState) {
    this.#app = app;
    app.onLocked(() => this.lockedOut());
  }

  /** Whether the signed-in user may do something. */
  can(permission: Permission): boolean {
    return this.#permissions.has(permission);
  }

  /** Reads the session from the backend. Never throws. */
  async load(): Promise<void> {
    const generation = this.#generation;
    const outcome = await this.#app.call((b) => b.sessionState());
    if (generation !== this.#generation) return;
    if (outcome.ok) {
      this.snapshot = outcome.data;
      this.loadError = null;
    } else if (!this.snapshot) {
      this.loadError = outcome.error;
    }
  }

  #took(outcome: Settled<SessionSnapshot>): Settled<SessionSnapshot> {
    if (outcome.ok) {
      this.#generation += 1;
      this.snapshot = outcome.data;
      this.loadError = null;
    }
    return outcome;
  }

  /** First start: the clinic's name and the first admin, who is then signed in. */
  async setup(request: SetupRequest): Promise<Settled<SessionSnapshot>> {
    const outcome = this.#took(await this.#app.call((b) => b.setup(request)));
    // The header shows the clinic's name from AppInfo.
    if (outcome.ok) void this.#app.loadInfo();
    return outcome;
  }

  async login(username: string, password: string): Promise<Settled<SessionSnapshot>> {
    return this.#took(await this.#app.call((b) => b.login(username, password)));
  }

  /** The lock screen's password: signs in again as the user it is locked for. */
  async unlock(password: string): Promise<Settled<SessionSnapshot>> {
    return this.login(this.lockedFor ?? '', password);
  }

  async lock(): Promise<Settled<SessionSnapshot>> {
    this.#showLocked();
    return this.#took(await this.#app.call((b) => b.lock()));
  }

  async logout(): Promise<Settled<SessionSnapshot>> {
    return this.#took(await this.#app.call((b) => b.logout()));
  }

  /** The app goes behind the lock screen now, before the backend has answered. */
  #showLocked(): void {
    const s = this.snapshot;
    if (s?.user) this.snapshot = { ...s, user: null, lockedFor: s.user.username };
  }

  /** A command answered `locked`: the lock (or sign-in) screen now, then what the backend says. */
  lockedOut(): void {
    this.#generation += 1;
    this.#showLocked();
    void this.load();
  }

  /** Reads the session again whenever the backend reports a change, until the returned function is called. */
  listen(): () => void {
    let stop: (() => void) | null = null;
    let stopped = false;
    Promise.resolve()
      .then(() => this.#app.backend.onSessionChanged(() => void this.load()))
      .then(
        (unlisten) => {
          if (stopped) unlisten();
          else stop = unlisten;
        },
        // A `locked` answer to the next command shows the lock screen all the same.
        (error: unknown) => console.warn('Switchboard: could not listen for session changes', error),
      );
    return () => {
      stopped = true;
      stop?.();
    };
  }
}
