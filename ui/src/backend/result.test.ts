import { describe, expect, it } from 'vitest';
import { fail, ok } from './mock';
import { settle, settleValue } from './result';

describe('settle', () => {
  it('returns the data of an ok result', async () => {
    expect(await settle(Promise.resolve(ok(42)))).toEqual({ ok: true, data: 42 });
  });

  it('returns the AppError of an error result', async () => {
    const outcome = await settle(Promise.resolve(fail('validation', 'Account SID must start with AC', 'accountSid')));
    expect(outcome).toEqual({
      ok: false,
      error: { code: 'validation', message: 'Account SID must start with AC', field: 'accountSid' },
    });
  });

  it('turns a bare string error from Tauri (e.g. unknown command) into an internal error', async () => {
    const outcome = await settle(
      Promise.resolve({ status: 'error' as const, error: 'command app_info not found' as never }),
    );
    expect(outcome).toEqual({
      ok: false,
      error: { code: 'internal', message: 'command app_info not found', field: null },
    });
  });

  it('turns a thrown Error into an internal error instead of throwing', async () => {
    const outcome = await settle(Promise.reject(new Error('IPC channel closed')));
    expect(outcome).toEqual({
      ok: false,
      error: { code: 'internal', message: 'IPC channel closed', field: null },
    });
  });

  it('wraps a command that returns its value directly (listProviders)', async () => {
    expect(await settleValue(Promise.resolve(['twilio']))).toEqual({ ok: true, data: ['twilio'] });
    expect(await settleValue(Promise.reject('command list_providers not found'))).toEqual({
      ok: false,
      error: { code: 'internal', message: 'command list_providers not found', field: null },
    });
  });
});
