import type { AppError, ErrorCode } from '../backend';

/** A short heading for each error code; the backend's message says what to do. */
const TITLES: Record<ErrorCode, string> = {
  validation: 'Please check what was entered',
  not_found: 'Not found',
  conflict: 'Already exists or was changed',
  forbidden: 'Your role does not allow this',
  locked: 'Switchboard is locked',
  throttled: 'Too many wrong passwords',
  keychain_unavailable: 'Keychain unavailable',
  storage: 'Could not read or save local data',
  network: 'Could not reach the service',
  provider: 'The provider refused',
  internal: 'Something went wrong',
};

export function errorTitle(error: AppError): string {
  return TITLES[error.code] ?? TITLES.internal;
}
