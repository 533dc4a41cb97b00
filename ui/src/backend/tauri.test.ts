// The real backend's event, with Tauri's event API replaced: it listens to the event the shell
// emits and hands the listener the payload only.
import { describe, expect, it, vi } from 'vitest';
import { mockStatus, mockTestRecord } from './mock';
import type { ConnectionTested, DeliveriesChanged, SessionChanged } from './types';

const tauri = vi.hoisted(() => ({
  listen: vi.fn(),
  unlisten: vi.fn(),
}));

vi.mock('@tauri-apps/api/event', () => ({
  listen: tauri.listen,
  once: vi.fn(),
  emit: vi.fn(),
  emitTo: vi.fn(),
}));
vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

describe('tauriBackend.onConnectionTested', () => {
  it('listens to "connection-tested" and passes on the payload', async () => {
    tauri.listen.mockResolvedValue(tauri.unlisten);
    const { tauriBackend } = await import('./tauri');
    const heard: ConnectionTested[] = [];

    const stop = await tauriBackend.onConnectionTested((payload) => heard.push(payload));

    expect(tauri.listen).toHaveBeenCalledWith('connection-tested', expect.any(Function));
    const handler = tauri.listen.mock.calls[0]?.[1] as (event: unknown) => void;
    const payload: ConnectionTested = {
      run: { integrationId: 'a', test: mockTestRecord(), status: mockStatus({ integrationId: 'a' }), previousLevel: 'yellow' },
    };
    handler({ event: 'connection-tested', id: 1, payload });
    expect(heard).toEqual([payload]);

    stop();
    expect(tauri.unlisten).toHaveBeenCalledTimes(1);
  });
});

describe('tauriBackend.onDeliveriesChanged', () => {
  it('listens to "deliveries-changed" and passes on the payload', async () => {
    tauri.listen.mockReset();
    tauri.unlisten.mockReset();
    tauri.listen.mockResolvedValue(tauri.unlisten);
    const { tauriBackend } = await import('./tauri');
    const heard: DeliveriesChanged[] = [];

    const stop = await tauriBackend.onDeliveriesChanged((payload) => heard.push(payload));

    expect(tauri.listen).toHaveBeenCalledWith('deliveries-changed', expect.any(Function));
    const handler = tauri.listen.mock.calls[0]?.[1] as (event: unknown) => void;
    const payload: DeliveriesChanged = {
      report: { sent: 3, succeeded: 2, failed: 1, disabled: [{ endpointId: 'ep_1', url: 'https://a.example/', reason: 'Gone.' }] },
    };
    handler({ event: 'deliveries-changed', id: 2, payload });
    expect(heard).toEqual([payload]);

    stop();
    expect(tauri.unlisten).toHaveBeenCalledTimes(1);
  });
});

describe('tauriBackend.onSessionChanged', () => {
  it('listens to "session-changed" and passes on the payload', async () => {
    tauri.listen.mockReset();
    tauri.unlisten.mockReset();
    tauri.listen.mockResolvedValue(tauri.unlisten);
    const { tauriBackend } = await import('./tauri');
    const heard: SessionChanged[] = [];

    const stop = await tauriBackend.onSessionChanged((payload) => heard.push(payload));

    expect(tauri.listen).toHaveBeenCalledWith('session-changed', expect.any(Function));
    const handler = tauri.listen.mock.calls[0]?.[1] as (event: unknown) => void;
    handler({ event: 'session-changed', id: 3, payload: { reason: 'idle_locked' } });
    expect(heard).toEqual([{ reason: 'idle_locked' }]);

    stop();
    expect(tauri.unlisten).toHaveBeenCalledTimes(1);
  });
});
