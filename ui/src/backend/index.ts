// The one door to the backend for the rest of the UI.
import { createMockBackend } from './mock';
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

/** Picks the real backend inside Tauri's webview, else the in-memory mock. */
export function selectBackend(win: Window = window): SelectedBackend {
  if ('__TAURI_INTERNALS__' in win) return { backend: tauriBackend, kind: 'tauri' };
  return { backend: createMockBackend(), kind: 'preview' };
}
