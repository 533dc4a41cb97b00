// The one door to the backend for the rest of the UI.
import { createMockBackend, sampleIntegrations } from './mock';
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
 * sample integrations, or with none when the address has `?empty` (to see the empty states).
 */
export function selectBackend(win: Window = window): SelectedBackend {
  if ('__TAURI_INTERNALS__' in win) return { backend: tauriBackend, kind: 'tauri' };
  const empty = new URLSearchParams(win.location.search).has('empty');
  const backend = createMockBackend({}, { integrations: empty ? [] : sampleIntegrations(), latencyMs: 150 });
  return { backend, kind: 'preview' };
}
