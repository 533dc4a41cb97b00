import { describe, expect, it, vi } from 'vitest';
import { hashOf, inPlace, pageFromHash, Router, routeFromHash } from './router.svelte';

describe('pageFromHash', () => {
  it('reads a page id from the location hash', () => {
    expect(pageFromHash('#/delivery-log')).toBe('delivery-log');
    expect(pageFromHash('#settings')).toBe('settings');
    expect(pageFromHash('#/dashboard/int_1')).toBe('dashboard');
  });

  it('ignores anything that is not a page', () => {
    expect(pageFromHash('')).toBeNull();
    expect(pageFromHash('#/nowhere')).toBeNull();
    expect(pageFromHash('#/nowhere/dashboard')).toBeNull();
  });
});

describe('routeFromHash and hashOf', () => {
  it('read and write the item a page shows in detail', () => {
    expect(routeFromHash('#/dashboard')).toEqual({ page: 'dashboard', item: null });
    expect(routeFromHash('#/dashboard/int_1')).toEqual({ page: 'dashboard', item: 'int_1' });
    expect(hashOf({ page: 'dashboard', item: 'a b/c' })).toBe('#/dashboard/a%20b%2Fc');
    expect(routeFromHash(hashOf({ page: 'dashboard', item: 'a b/c' }))).toEqual({ page: 'dashboard', item: 'a b/c' });
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
    expect(onNavigate).toHaveBeenCalledWith({ page: 'webhooks', item: null });
  });

  it('opens an item and goes back to the overview of the same page', () => {
    const onNavigate = vi.fn();
    const router = new Router('dashboard', onNavigate);
    router.go('dashboard', 'int_1');
    expect([router.current, router.item]).toEqual(['dashboard', 'int_1']);
    router.go('dashboard');
    expect([router.current, router.item]).toEqual(['dashboard', null]);
    expect(onNavigate).toHaveBeenCalledTimes(2);
  });
});

describe('inPlace', () => {
  it('takes over a plain click and leaves a modified one to the browser', () => {
    const plain = new MouseEvent('click', { cancelable: true });
    expect(inPlace(plain)).toBe(true);
    expect(plain.defaultPrevented).toBe(true);
    for (const modifier of ['metaKey', 'ctrlKey', 'shiftKey', 'altKey']) {
      const modified = new MouseEvent('click', { cancelable: true, [modifier]: true });
      expect(inPlace(modified)).toBe(false);
      expect(modified.defaultPrevented).toBe(false);
    }
  });
});
