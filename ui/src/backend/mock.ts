// An in-memory Backend: used by the unit tests and by the browser preview (the built page opened
// outside the app). It must implement every command; `satisfies Backend` makes svelte-check fail
// when a command is added in Rust but not here.
import type { AppError, AppInfo, Backend, ErrorCode, Result } from './types';

export function ok<T>(data: T): Result<T, AppError> {
  return { status: 'ok', data };
}

export function fail<T = never>(
  code: ErrorCode,
  message: string,
  field: string | null = null,
): Result<T, AppError> {
  return { status: 'error', error: { code, message, field } };
}

export const sampleAppInfo: AppInfo = {
  version: '0.1.0',
  buildKind: 'development',
  dataDir: '/home/frontdesk/.local/share/switchboard-dev',
  databasePath: '/home/frontdesk/.local/share/switchboard-dev/switchboard.sqlite3',
  schemaVersion: 1,
  keychain: { backend: 'secret-service', available: true, message: null },
  clinicName: null,
};

/** Sample AppInfo with some fields replaced; `keychain` may be given in part. */
export function mockAppInfo(
  patch: Partial<Omit<AppInfo, 'keychain'>> & { keychain?: Partial<AppInfo['keychain']> } = {},
): AppInfo {
  return {
    ...sampleAppInfo,
    ...patch,
    keychain: { ...sampleAppInfo.keychain, ...patch.keychain },
  };
}

/** A Backend whose commands answer from memory; pass `overrides` to replace any of them. */
export function createMockBackend(overrides: Partial<Backend> = {}): Backend {
  const info = structuredClone(sampleAppInfo);

  const backend = {
    async appInfo() {
      return ok(structuredClone(info));
    },
  } satisfies Backend;

  return { ...backend, ...overrides };
}
