import type { Backend, SyncReport } from '../backend';
import { REFRESH_DELAY_MS } from './deliveries-changed';

/**
 * Calls `onChange` after the sync worker has finished batches (the `syncChanged` event), at most
 * once per `delayMs`, as `listenToDeliveries` does for deliveries: views refresh from the backend,
 * never by polling it. Returns the function that stops listening (safe before listening starts).
 */
export function listenToSync(backend: Backend, onChange: (report: SyncReport) => void, delayMs = REFRESH_DELAY_MS): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: SyncReport | null = null;

  const heard = (report: SyncReport) => {
    pending = pending
      ? {
          performed: pending.performed + report.performed,
          succeeded: pending.succeeded + report.succeeded,
          failed: pending.failed + report.failed,
        }
      : report;
    timer ??= setTimeout(() => {
      timer = null;
      const summed = pending;
      pending = null;
      if (!stopped && summed) onChange(summed);
    }, delayMs);
  };

  Promise.resolve()
    .then(() => backend.onSyncChanged(({ report }) => heard(report)))
    .then(
      (unlisten) => {
        if (stopped) unlisten();
        else stop = unlisten;
      },
      (error: unknown) => console.warn('Switchboard: could not listen for sync jobs', error),
    );
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    stop?.();
  };
}
