import type { AppError, Result } from './types';

/**
 * What a command call ended in: the data, or an error to show the user. (Named for `settle`;
 * the generated `Outcome` is an audit row's result, a different thing.)
 */
export type Settled<T> = { ok: true; data: T } | { ok: false; error: AppError };

/**
 * Turns a command's promise into a Settled. Never throws.
 *
 * Covers the three ways a call can fail: the command returns `{status:"error"}` with an
 * AppError; Tauri rejects with a plain string (e.g. "command app_info not found"), which the
 * generated wrapper passes through as the error; or the wrapper rethrows an `Error`.
 */
export async function settle<T>(request: Promise<Result<T, AppError>>): Promise<Settled<T>> {
  try {
    const result = await request;
    if (result.status === 'ok') return { ok: true, data: result.data };
    return { ok: false, error: toAppError(result.error) };
  } catch (thrown) {
    return { ok: false, error: toAppError(thrown) };
  }
}

/**
 * The same for a command that cannot fail in Rust and so returns its value directly (e.g.
 * `listProviders`): the IPC call itself can still reject, and that becomes an error too.
 */
export async function settleValue<T>(request: Promise<T>): Promise<Settled<T>> {
  return settle(request.then((data) => ({ status: 'ok' as const, data })));
}

export function toAppError(value: unknown): AppError {
  if (isAppError(value)) return { code: value.code, message: value.message, field: value.field ?? null };
  const message =
    value instanceof Error ? value.message : typeof value === 'string' ? value : 'Unexpected error';
  return { code: 'internal', message, field: null };
}

function isAppError(value: unknown): value is AppError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AppError).code === 'string' &&
    typeof (value as AppError).message === 'string'
  );
}
