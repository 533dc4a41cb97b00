/**
 * The time relative times are computed from ("4 min ago"). It moves on every 30 seconds while
 * started, so such texts stay true without asking the backend anything.
 */
export class Clock {
  now: number = $state(Date.now());
  readonly #intervalMs: number;

  constructor(intervalMs = 30_000) {
    this.#intervalMs = intervalMs;
  }

  /** Starts ticking; returns the function that stops it (an `onMount` cleanup). */
  start(): () => void {
    this.tick();
    const timer = setInterval(() => this.tick(), this.#intervalMs);
    return () => clearInterval(timer);
  }

  tick(): void {
    this.now = Date.now();
  }
}
