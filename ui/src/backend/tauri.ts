// The real backend: the tauri-specta command wrappers, which call Rust over Tauri's IPC, and the
// generated events. This file and bindings.ts are the only ones allowed to import @tauri-apps/*
// (see src/tests/tauri-imports.test.ts).
import { commands, events } from './bindings';
import type { Backend } from './types';

export const tauriBackend: Backend = {
  ...commands,
  onConnectionTested: (listener) => events.connectionTested.listen((event) => listener(event.payload)),
  onDeliveriesChanged: (listener) => events.deliveriesChanged.listen((event) => listener(event.payload)),
  onSessionChanged: (listener) => events.sessionChanged.listen((event) => listener(event.payload)),
  onSyncChanged: (listener) => events.syncChanged.listen((event) => listener(event.payload)),
};
