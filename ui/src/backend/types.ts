// The Backend interface is derived from the generated bindings, so adding a Rust command adds it
// here with no hand-kept duplicate. Type-only imports: nothing from Tauri reaches the bundle via
// this file.
import type { commands, ConnectionTested, DeliveriesChanged, SessionChanged, SyncChanged } from './bindings';

/** Every command the Rust side exposes, exactly as tauri-specta generated it. */
export type Commands = typeof commands;

/** Stops listening. */
export type Unlisten = () => void;

/**
 * The events the Rust side sends. Each `on…` resolves once listening has started, to the function
 * that stops it.
 */
export interface BackendEvents {
  /** A connection test finished: "Test now" (here or elsewhere in the app) or a background check. */
  onConnectionTested(listener: (payload: ConnectionTested) => void): Promise<Unlisten>;
  /** The delivery worker finished a batch: deliveries moved on, endpoints may have been disabled. */
  onDeliveriesChanged(listener: (payload: DeliveriesChanged) => void): Promise<Unlisten>;
  /** The session changed without the UI asking (the idle lock, a lock or sign-out elsewhere). */
  onSessionChanged(listener: (payload: SessionChanged) => void): Promise<Unlisten>;
  /** The sync worker finished a batch: jobs moved on (synced, failed, retrying). */
  onSyncChanged(listener: (payload: SyncChanged) => void): Promise<Unlisten>;
}

/** What the UI talks to: the commands and the events. */
export type Backend = Commands & BackendEvents;

/** The name of one command, e.g. `"appInfo"`. */
export type CommandName = keyof Commands;

/**
 * What a fallible command resolves to. The generator inlines this shape into each command's
 * return type instead of exporting it; it is spelled out here so the mock and `settle` can name
 * it. The mock's `satisfies Backend` fails if the two ever drift apart.
 */
export type Result<T, E> = { status: 'ok'; data: T } | { status: 'error'; error: E };

// Every model type (AppInfo, AppError, ErrorCode, …) the generator emits.
export type * from './bindings';
