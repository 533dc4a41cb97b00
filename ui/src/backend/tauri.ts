// The real backend: the tauri-specta command wrappers, which call Rust over Tauri's IPC.
// This file and bindings.ts are the only ones allowed to import @tauri-apps/* (see
// src/tests/tauri-imports.test.ts).
import { commands } from './bindings';
import type { Backend } from './types';

export const tauriBackend: Backend = commands;
