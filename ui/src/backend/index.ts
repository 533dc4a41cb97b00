// The one door to the backend for the rest of the UI.
import { createMockBackend, sampleIntegrations, sampleTests } from './mock';
import { tauriBackend } from './tauri';
import type { Backend } from './types';

export type * from './types';
export { settle, settleValue, toAppError, type Settled } from './result';

/** `tauri` inside the app window; `preview` when the page is opened in a plain browser. */
export type BackendKind = 'tauri' | 'preview';

export interface SelectedBackend {
  backend: Backend;
  kind: BackendKind;
}

/**
 * Picks the real backend inside Tauri's webview, else the in-memory mock. The preview starts with
 * sample integrations and test history (one of each status), or with none when the address has
 * `?empty` (to see the empty states). Its connection tests take a second and a half.
 */
export function selectBackend(win: Window = window): SelectedBackend {
  if ('__TAURI_INTERNALS__' in win) return { backend: tauriBackend, kind: 'tauri' };
  const empty = new URLSearchParams(win.location.search).has('empty');
  const backend = createMockBackend(
    {},
    empty
      ? { latencyMs: 150 }
      : { integrations: sampleIntegrations(), tests: sampleTests(), latencyMs: 150, testLatencyMs: 1500 },
  );
  return { backend, kind: 'preview' };
}
