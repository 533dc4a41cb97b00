import { describe, expect, it, vi } from 'vitest';
import { pageFromHash, Router } from './router.svelte';

describe('pageFromHash', () => {
  it('reads a page id from the location hash', () => {
    expect(pageFromHash('#/delivery-log')).toBe('delivery-log');
    expect(pageFromHash('#settings')).toBe('settings');
  });

  it('ignores anything that is not a page', () => {
    expect(pageFromHash('')).toBeNull();
    expect(pageFromHash('#/nowhere')).toBeNull();
  });
});

describe('Router', () => {
  it('switches pages and reports each change once', () => {
    const onNavigate = vi.fn();
    const router = new Router('dashboard', onNavigate);
    router.go('webhooks');
    router.go('webhooks');
    expect(router.current).toBe('webhooks');
    expect(onNavigate).toHaveBeenCalledTimes(1);
    expect(onNavigate).toHaveBeenCalledWith('webhooks');
  });
});
