import { afterEach, describe, expect, it, vi } from 'vitest';
import { TOUCH_EVERY_MS, watchIdle } from './idle-lock';

describe('watchIdle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function start(idleMs = 60_000) {
    vi.useFakeTimers();
    const target = new EventTarget();
    const touch = vi.fn();
    const onIdle = vi.fn();
    const stop = watchIdle({ target, idleMs, touch, onIdle, now: () => Date.now() });
    return { target, touch, onIdle, stop };
  }

  it('locks after the idle time without activity', () => {
    const { onIdle } = start();
    vi.advanceTimersByTime(59_999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('starts the idle time again on a key, a click or the wheel', () => {
    const { target, onIdle } = start();
    for (const type of ['keydown', 'pointerdown', 'wheel']) {
      vi.advanceTimersByTime(50_000);
      target.dispatchEvent(new Event(type));
    }
    vi.advanceTimersByTime(59_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('tells the backend at most once per 20 seconds', () => {
    const { target, touch } = start();
    target.dispatchEvent(new Event('keydown'));
    expect(touch).not.toHaveBeenCalled(); // signing in has just started the backend's clock
    vi.advanceTimersByTime(TOUCH_EVERY_MS);
    target.dispatchEvent(new Event('keydown'));
    target.dispatchEvent(new Event('pointerdown'));
    expect(touch).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(TOUCH_EVERY_MS - 1);
    target.dispatchEvent(new Event('wheel'));
    expect(touch).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    target.dispatchEvent(new Event('wheel'));
    expect(touch).toHaveBeenCalledTimes(2);
  });

  it('stops listening and timing when stopped', () => {
    const { target, touch, onIdle, stop } = start();
    stop();
    vi.advanceTimersByTime(10 * 60_000);
    target.dispatchEvent(new Event('keydown'));
    expect(onIdle).not.toHaveBeenCalled();
    expect(touch).not.toHaveBeenCalled();
  });
});
