// The idle lock, on the window's side: the person's own keys, clicks and scrolling count as
// activity (views refreshing themselves do not). Activity is reported to the backend, whose idle
// clock is the one that counts, at most once per TOUCH_EVERY_MS; a local timer locks the window
// once the idle time has passed without any, so the lock screen shows even if no command runs.

/** The backend hears of activity at most this often. */
export const TOUCH_EVERY_MS = 20_000;

export const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'wheel'] as const;

export interface IdleLockOptions {
  /** Where activity is heard (the window). */
  target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  /** The idle time before `onIdle`. */
  idleMs: number;
  /** Reports activity to the backend (throttled). */
  touch: () => void;
  /** The idle time passed without activity. */
  onIdle: () => void;
  now?: () => number;
}

/** Watches for activity until the returned function is called. */
export function watchIdle({ target, idleMs, touch, onIdle, now = Date.now }: IdleLockOptions): () => void {
  // Signing in (or unlocking) has just started the backend's clock.
  let lastTouch = now();
  let timer = setTimeout(onIdle, idleMs);

  const activity = () => {
    clearTimeout(timer);
    timer = setTimeout(onIdle, idleMs);
    const at = now();
    if (at - lastTouch >= TOUCH_EVERY_MS) {
      lastTouch = at;
      touch();
    }
  };

  const options = { capture: true, passive: true };
  for (const type of ACTIVITY_EVENTS) target.addEventListener(type, activity, options);
  return () => {
    clearTimeout(timer);
    for (const type of ACTIVITY_EVENTS) target.removeEventListener(type, activity, options);
  };
}
