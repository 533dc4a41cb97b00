// The Backend interface is derived from the generated bindings, so adding a Rust command adds it
// here with no hand-kept duplicate. Type-only imports: nothing from Tauri reaches the bundle via
// this file.
import type { commands } from './bindings';

/** Every command the Rust side exposes, exactly as tauri-specta generated it. */
export type Backend = typeof commands;

/** The name of one command, e.g. `"appInfo"`. */
export type CommandName = keyof Backend;

/**
 * What a fallible command resolves to. The generator inlines this shape into each command's
 * return type instead of exporting it; it is spelled out here so the mock and `settle` can name
 * it. The mock's `satisfies Backend` fails if the two ever drift apart.
 */
export type Result<T, E> = { status: 'ok'; data: T } | { status: 'error'; error: E };

// Every model type (AppInfo, AppError, ErrorCode, …) the generator emits.
export type * from './bindings';
