// The mock's local accounts and its one session: a stand-in for core's (crates/core/src/users)
// and the shell's session. First-run setup, sign-in with core's throttle (after three wrong
// passwords each try waits twice as long as the last), the lock, the idle lock, the admin's user
// management with the last-admin rule, and core's roles table (domain.ts) deciding what each
// command may do.
// Passwords are kept in memory in plain text: this is a mock, and nothing leaves the page.
import { domain, roleHas } from './domain';
import type { MockAuditLog } from './mock-audit';
import type {
  AppError,
  Commands,
  ErrorCode,
  Permission,
  Result,
  Role,
  SessionState,
  SessionUser,
  SetupRequest,
  User,
  UserDraft,
  UserPatch,
} from './types';

type UserCommands = Pick<
  Commands,
  | 'sessionState'
  | 'setup'
  | 'login'
  | 'lock'
  | 'logout'
  | 'touchSession'
  | 'changePassword'
  | 'listUsers'
  | 'createUser'
  | 'updateUser'
  | 'resetPassword'
>;

/** Core's wrong tries allowed before each further try has to wait. */
const FREE_TRIES = domain.limits.freeSignInTries;
const MAX_WAIT_MS = domain.limits.maxSignInWaitSecs * 1000;
const { passwordMinLength: MIN_LENGTH, passwordMaxLength: MAX_LENGTH } = domain.limits;

/** The password of every sample user in the browser preview. */
export const SAMPLE_PASSWORD = 'correct horse battery staple';

/** A stored account: what core keeps, and (being a mock) the password itself. */
export interface MockUserSeed {
  id?: string;
  username: string;
  displayName?: string;
  role: Role;
  /** SAMPLE_PASSWORD unless given. */
  password?: string;
  enabled?: boolean;
  createdAt?: string;
  lastLoginAt?: string | null;
}

interface Stored {
  user: User;
  password: string;
}

/**
 * The preview's accounts (and the tests'): an admin, a practice manager, a front desk worker, and
 * a former front desk worker whose account is disabled. Every password is SAMPLE_PASSWORD.
 */
export function sampleUsers(now: number = Date.now()): MockUserSeed[] {
  const ago = (days: number) => new Date(now - days * 24 * 3600 * 1000).toISOString();
  return [
    { id: 'usr_sample_dana', username: 'dana', displayName: 'Dana Whitfield', role: 'admin', createdAt: ago(40), lastLoginAt: ago(0.02) },
    { id: 'usr_sample_maria', username: 'maria', displayName: 'Maria Lopez', role: 'manager', createdAt: ago(39.9), lastLoginAt: ago(1) },
    { id: 'usr_sample_sam', username: 'sam', displayName: 'Sam Patel', role: 'front_desk', createdAt: ago(39.8), lastLoginAt: ago(3) },
    { id: 'usr_sample_jordan', username: 'jordan', displayName: 'Jordan Reyes', role: 'front_desk', enabled: false, createdAt: ago(39.7), lastLoginAt: ago(20) },
  ];
}

const ok = <T>(data: T): Result<T, AppError> => ({ status: 'ok', data });
const fail = (code: ErrorCode, message: string, field: string | null = null): Result<never, AppError> => ({
  status: 'error',
  error: { code, message, field },
});

function usernameProblem(raw: string): string | null {
  const u = raw.trim();
  if (u === '') return 'Enter a username.';
  if ([...u].length < 2 || [...u].length > 32) return 'A username is 2 to 32 characters long.';
  if (!/^[A-Za-z0-9._-]+$/.test(u)) return 'A username uses letters, digits, dots, dashes and underscores only (no spaces).';
  if (u.startsWith('system')) return 'Usernames starting with "system" are reserved for Switchboard itself.';
  return null;
}

function displayNameOf(raw: string | null | undefined, username: string): string | { problem: string } {
  const n = raw?.trim() || username;
  // eslint-disable-next-line no-control-regex
  if ([...n].length > 80 || /[\u0000-\u001f\u007f]/.test(n)) return { problem: 'A name is at most 80 characters, on one line.' };
  return n;
}

/** Words no password should rest on (a small stand-in for core's zxcvbn). */
const COMMON = ['password', 'passw0rd', 'qwerty', 'letmein', 'welcome', 'switchboard', 'admin', '123456', 'abc123', 'iloveyou', 'monkey', 'dragon', 'clinic'];

/** Core's password policy, approximately: at least 10 characters and not easy to guess. */
export function passwordProblem(password: string, context: string[]): string | null {
  if (password.trim() === '') return 'Enter a password.';
  const length = [...password].length;
  if (length < MIN_LENGTH) return `The password is too short: use at least ${MIN_LENGTH} characters.`;
  if (length > MAX_LENGTH) return `The password is too long: use at most ${MAX_LENGTH} characters.`;
  const lower = password.toLowerCase();
  const words = context.flatMap((c) => c.toLowerCase().split(/\s+/)).filter((w) => [...w].length >= 3);
  const guessable =
    COMMON.some((w) => lower.includes(w)) ||
    words.some((w) => lower.includes(w)) ||
    new Set(password).size < 5 ||
    (/^[A-Za-z]+\d*$/.test(password) && length < 14);
  if (guessable) {
    return 'This password is too common or too easy to guess. Use a few unrelated words, or a longer mix of letters, digits and symbols.';
  }
  return null;
}

export interface SessionControls {
  /** Signs in as a stored user (by username, or the first enabled one with a role), unlocked. */
  signInAs(who: string | Role): SessionUser;
  /** Locks the session as the idle lock does (no event, as when only a command notices it). */
  expireSession(): void;
  /** Signs out without the UI asking. */
  endSession(): void;
}

export interface MockSession {
  /** The signed-in, unlocked user. */
  user(): SessionUser | null;
  /** Why a command must be refused now (locked, or not permitted), after noting a refusal in the audit log. */
  refusal(permission: Permission | null, action: string | null): Result<never, AppError> | null;
  /** Whether the signed-in user may do something (for commands that check part of a request). */
  can(permission: Permission): boolean;
}

export function createUserCommands({
  answer,
  audit,
  users: seed,
  signedIn,
  locked: startLocked = false,
  clinicName,
  setClinicName,
  idleLockMinutes,
  emitSessionChanged,
}: {
  answer: <T>(value: T) => Promise<T>;
  audit: MockAuditLog;
  users: MockUserSeed[];
  /** Who is signed in at the start: a username or a role (the first enabled user with it); null for nobody. */
  signedIn: string | Role | null;
  locked?: boolean;
  clinicName: () => string | null;
  setClinicName: (name: string) => void;
  idleLockMinutes: () => number;
  emitSessionChanged: (reason: string) => void;
}): { commands: UserCommands; session: MockSession; controls: SessionControls } {
  const store = new Map<string, Stored>();
  for (const s of seed) {
    const id = s.id ?? `usr_${s.username}`;
    store.set(id, {
      user: {
        id,
        username: s.username,
        displayName: s.displayName ?? s.username,
        role: s.role,
        enabled: s.enabled ?? true,
        createdAt: s.createdAt ?? '2026-11-01T09:00:00Z',
        lastLoginAt: s.lastLoginAt ?? null,
      },
      password: s.password ?? SAMPLE_PASSWORD,
    });
  }
  /** Wrong tries by typed username: how many, and when the last was. */
  const failures = new Map<string, { count: number; last: number }>();
  let current: string | null = null;
  let locked = false;
  let lastActivity = Date.now();

  const byUsername = (username: string) => [...store.values()].find((s) => s.user.username === username.trim());
  const sessionUser = (u: User): SessionUser => ({
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    permissions: [...domain.roles[u.role]],
  });
  const userObject = (u: User) => ({ objectType: 'user', objectId: u.id, objectLabel: u.username });

  const find = (who: string | Role): Stored | undefined =>
    byUsername(who) ?? [...store.values()].find((s) => s.user.role === who && s.user.enabled);

  const signIn = (stored: Stored) => {
    current = stored.user.id;
    locked = false;
    lastActivity = Date.now();
  };

  if (signedIn !== null) {
    const stored = find(signedIn);
    if (!stored) throw new Error(`createMockBackend: no user ${signedIn} to sign in as`);
    signIn(stored);
    locked = startLocked;
  }

  /** The signed-in account as stored now (a role change or a disabling takes effect at once). */
  const me = (): Stored | undefined => (current === null ? undefined : store.get(current));

  /** As the shell: once the idle time has passed, the session locks (and the lock is audited once). */
  const noticeIdle = () => {
    const stored = me();
    if (!stored || locked) return false;
    const idleMs = idleLockMinutes() * 60_000;
    if (Date.now() - lastActivity < idleMs) return false;
    locked = true;
    audit.append({
      actor: stored.user.username,
      action: 'session.lock',
      objectType: 'session',
      objectId: stored.user.id,
      objectLabel: stored.user.username,
      detail: `idle for ${idleLockMinutes()} minutes`,
    });
    return true;
  };

  const state = (): SessionState => {
    const stored = me();
    return {
      setupRequired: store.size === 0,
      user: stored && !locked ? sessionUser(stored.user) : null,
      lockedFor: stored && locked ? stored.user.username : null,
      clinicName: clinicName(),
      idleLockMinutes: idleLockMinutes(),
    };
  };

  const session: MockSession = {
    user: () => {
      const stored = me();
      return stored && !locked ? sessionUser(stored.user) : null;
    },
    can: (permission) => {
      const stored = me();
      return Boolean(stored && !locked && roleHas(stored.user.role, permission));
    },
    refusal: (permission, action) => {
      if (noticeIdle()) return fail('locked', 'Switchboard locked itself after a while without use. Sign in to go on.');
      const stored = me();
      if (!stored || locked) return fail('locked', 'Sign in to go on.');
      if (!stored.user.enabled) {
        current = null;
        return fail('locked', 'Your account was disabled. Ask an admin.');
      }
      if (permission === null || roleHas(stored.user.role, permission)) return null;
      const message = domain.refusals[permission];
      const refused = action ?? permission;
      audit.append({
        actor: stored.user.username,
        action: refused,
        objectType: refused.split('.')[0] ?? refused,
        result: 'refused',
        detail: message,
      });
      return fail('forbidden', message);
    },
  };

  const actorName = () => me()?.user.username ?? 'system:app';

  const checkNew = (
    username: string,
    displayName: string | null | undefined,
  ): { username: string; displayName: string } | Result<never, AppError> => {
    const problem = usernameProblem(username);
    if (problem) return fail('validation', problem, 'username');
    const u = username.trim();
    const display = displayNameOf(displayName, u);
    if (typeof display !== 'string') return fail('validation', display.problem, 'display_name');
    return { username: u, displayName: display };
  };

  const insert = (username: string, displayName: string, role: Role, password: string): User => {
    const user: User = {
      id: `usr_${crypto.randomUUID().replaceAll('-', '')}`,
      username,
      displayName,
      role,
      enabled: true,
      createdAt: new Date().toISOString(),
      lastLoginAt: null,
    };
    store.set(user.id, { user, password });
    return user;
  };

  const commands: UserCommands = {
    async sessionState() {
      noticeIdle();
      return answer(ok(state()));
    },

    async setup(request: SetupRequest) {
      const clinic = request.clinicName.trim();
      if (clinic === '') return answer(fail('validation', "Enter the clinic's name.", 'clinic_name'));
      if ([...clinic].length > 80) return answer(fail('validation', 'Clinic name is too long: at most 80 characters.', 'clinic_name'));
      const checked = checkNew(request.username, request.displayName);
      if ('status' in checked) return answer(checked);
      const problem = passwordProblem(request.password, [checked.username, checked.displayName, clinic]);
      if (problem) return answer(fail('validation', problem, 'password'));
      if (store.size > 0) return answer(fail('conflict', 'Switchboard is already set up. Sign in instead.'));
      const user = insert(checked.username, checked.displayName, 'admin', request.password);
      setClinicName(clinic);
      audit.append({
        actor: user.username,
        action: 'setup',
        ...userObject(user),
        changes: [
          { field: 'clinic_name', secret: false, to: clinic },
          { field: 'role', secret: false, to: 'admin' },
          { field: 'password', secret: true, to: 'set' },
        ],
      });
      signIn(store.get(user.id) as Stored);
      return answer(ok(state()));
    },

    async login(username: string, password: string) {
      const typed = username.trim();
      const now = Date.now();
      const tries = failures.get(typed) ?? { count: 0, last: 0 };
      const wait = tries.count < FREE_TRIES ? 0 : Math.min(1000 * 2 ** (tries.count - FREE_TRIES), MAX_WAIT_MS);
      if (now < tries.last + wait) {
        const seconds = Math.ceil((tries.last + wait - now) / 1000);
        audit.append({
          actor: 'system:app',
          action: 'session.login',
          objectType: 'user',
          objectLabel: typed || null,
          result: 'refused',
          detail: `too many wrong passwords; next try allowed in ${seconds} s`,
        });
        return answer(fail('throttled', `Too many wrong passwords. Try again in ${seconds} seconds.`));
      }
      const stored = byUsername(typed);
      const why = !stored ? 'unknown username' : stored.password !== password ? 'wrong password' : !stored.user.enabled ? 'account disabled' : null;
      if (why) {
        failures.set(typed, { count: tries.count + 1, last: now });
        audit.append({
          actor: 'system:app',
          action: 'session.login',
          objectType: 'user',
          objectId: stored?.user.id ?? null,
          objectLabel: typed || null,
          result: 'failed',
          detail: `${why} (via app)`,
        });
        return answer(
          why === 'account disabled'
            ? fail('validation', 'This account is disabled. Ask an admin to enable it.', 'username')
            : fail('validation', 'Wrong username or password.', 'password'),
        );
      }
      const user = (stored as Stored).user;
      failures.delete(typed);
      user.lastLoginAt = new Date(now).toISOString();
      audit.append({ actor: user.username, action: 'session.login', ...userObject(user), detail: 'via app' });
      signIn(stored as Stored);
      return answer(ok(state()));
    },

    async lock() {
      const stored = me();
      if (stored && !locked) {
        locked = true;
        audit.append({ actor: stored.user.username, action: 'session.lock', objectType: 'session', objectId: stored.user.id, objectLabel: stored.user.username, detail: 'locked by the user' });
      }
      const answered = await answer(ok(state()));
      emitSessionChanged('locked');
      return answered;
    },

    async logout() {
      const stored = me();
      if (stored) {
        audit.append({ actor: stored.user.username, action: 'session.logout', objectType: 'session', objectId: stored.user.id, objectLabel: stored.user.username });
      }
      current = null;
      locked = false;
      const answered = await answer(ok(state()));
      emitSessionChanged('signed_out');
      return answered;
    },

    async touchSession() {
      if (!locked) lastActivity = Date.now();
    },

    async changePassword(currentPassword: string, newPassword: string) {
      const stored = me();
      if (!stored) return answer(fail('locked', 'Sign in first.'));
      if (stored.password !== currentPassword) {
        return answer(fail('validation', 'That is not your current password.', 'current_password'));
      }
      const problem = passwordProblem(newPassword, [stored.user.username, stored.user.displayName, clinicName() ?? '']);
      if (problem) return answer(fail('validation', problem, 'password'));
      stored.password = newPassword;
      audit.append({
        actor: stored.user.username,
        action: 'user.change_password',
        ...userObject(stored.user),
        changes: [{ field: 'password', secret: true, to: 'replaced' }],
      });
      return answer(ok(null));
    },

    async listUsers() {
      const all = [...store.values()].map((s) => s.user).sort((a, b) => a.username.localeCompare(b.username, undefined, { sensitivity: 'base' }));
      return answer(ok(all));
    },

    async createUser(draft: UserDraft) {
      const checked = checkNew(draft.username, draft.displayName);
      if ('status' in checked) return answer(checked);
      const problem = passwordProblem(draft.password, [checked.username, checked.displayName, clinicName() ?? '']);
      if (problem) return answer(fail('validation', problem, 'password'));
      if (byUsername(checked.username)) {
        return answer(fail('validation', `The username "${checked.username}" is taken. Choose another.`, 'username'));
      }
      const user = insert(checked.username, checked.displayName, draft.role, draft.password);
      audit.append({
        actor: actorName(),
        action: 'user.create',
        ...userObject(user),
        changes: [
          { field: 'display_name', secret: false, to: checked.displayName },
          { field: 'role', secret: false, to: draft.role },
          { field: 'password', secret: true, to: 'set' },
        ],
      });
      return answer(ok(user));
    },

    async updateUser(id: string, patch: UserPatch) {
      const stored = store.get(id) ?? byUsername(id);
      if (!stored) return answer(fail('not_found', `user ${id} was not found.`));
      const old = stored.user;
      let displayName = old.displayName;
      if (patch.displayName != null) {
        const checked = displayNameOf(patch.displayName, old.username);
        if (typeof checked !== 'string') return answer(fail('validation', checked.problem, 'display_name'));
        displayName = checked;
      }
      const role = patch.role ?? old.role;
      const enabled = patch.enabled ?? old.enabled;
      if (old.role === 'admin' && old.enabled && !(role === 'admin' && enabled)) {
        const others = [...store.values()].filter((s) => s.user.id !== old.id && s.user.role === 'admin' && s.user.enabled);
        if (others.length === 0) {
          return answer(
            fail(
              'validation',
              `${old.username} is the last admin. Make someone else an admin first, so the clinic can still manage users.`,
              role === 'admin' ? 'enabled' : 'role',
            ),
          );
        }
      }
      const changes = [
        displayName !== old.displayName ? { field: 'display_name', secret: false, from: old.displayName, to: displayName } : null,
        role !== old.role ? { field: 'role', secret: false, from: old.role, to: role } : null,
        enabled !== old.enabled ? { field: 'enabled', secret: false, from: String(old.enabled), to: String(enabled) } : null,
      ].filter((c) => c !== null);
      if (changes.length === 0) return answer(ok(old));
      stored.user = { ...old, displayName, role, enabled };
      audit.append({ actor: actorName(), action: 'user.update', ...userObject(old), changes });
      return answer(ok(stored.user));
    },

    async resetPassword(id: string, password: string) {
      const stored = store.get(id) ?? byUsername(id);
      if (!stored) return answer(fail('not_found', `user ${id} was not found.`));
      const problem = passwordProblem(password, [stored.user.username, stored.user.displayName, clinicName() ?? '']);
      if (problem) return answer(fail('validation', problem, 'password'));
      stored.password = password;
      failures.delete(stored.user.username);
      audit.append({
        actor: actorName(),
        action: 'user.reset_password',
        ...userObject(stored.user),
        changes: [{ field: 'password', secret: true, to: 'replaced' }],
      });
      return answer(ok(null));
    },
  };

  const controls: SessionControls = {
    signInAs(who) {
      const stored = find(who);
      if (!stored) throw new Error(`signInAs: no user ${who}`);
      signIn(stored);
      return sessionUser(stored.user);
    },
    expireSession() {
      if (me()) locked = true;
    },
    endSession() {
      current = null;
      locked = false;
    },
  };

  return { commands, session, controls };
}
