import type { Backend, BatchReport } from '../backend';

/** How long after a worker batch views refresh; batches in between are taken together. */
export const REFRESH_DELAY_MS = 500;

/**
 * Calls `onChange` after the delivery worker has finished batches (the `deliveriesChanged`
 * event), at most once per `delayMs`: a busy worker reports many batches a second, and the views
 * refresh from the backend, never by polling it. The report passed on sums the batches heard.
 * Returns the function that stops listening (safe to call before listening has started).
 */
export function listenToDeliveries(
  backend: Backend,
  onChange: (report: BatchReport) => void,
  delayMs = REFRESH_DELAY_MS,
): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: BatchReport | null = null;

  const heard = (report: BatchReport) => {
    pending = pending
      ? {
          sent: pending.sent + report.sent,
          succeeded: pending.succeeded + report.succeeded,
          failed: pending.failed + report.failed,
          disabled: [...pending.disabled, ...report.disabled],
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
    .then(() => backend.onDeliveriesChanged(({ report }) => heard(report)))
    .then(
      (unlisten) => {
        if (stopped) unlisten();
        else stop = unlisten;
      },
      (error: unknown) => console.warn('Switchboard: could not listen for deliveries', error),
    );
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    stop?.();
  };
}
