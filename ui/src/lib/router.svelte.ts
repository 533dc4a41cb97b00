// A tiny router: the current page lives in one piece of state. The app window has no address bar,
// so the location hash is kept in sync only to make pages linkable in the browser preview and
// reachable by end-to-end tests (`index.html#/settings`).

export const PAGE_IDS = [
  'dashboard',
  'integrations',
  'webhooks',
  'delivery-log',
  'audit-log',
  'settings',
] as const;

export type PageId = (typeof PAGE_IDS)[number];

export function isPageId(value: string): value is PageId {
  return (PAGE_IDS as readonly string[]).includes(value);
}

/** `#/delivery-log` → `delivery-log`; anything else → null. */
export function pageFromHash(hash: string): PageId | null {
  const id = hash.replace(/^#\/?/, '');
  return isPageId(id) ? id : null;
}

export class Router {
  current: PageId = $state('dashboard');
  #onNavigate: ((page: PageId) => void) | undefined;

  constructor(initial: PageId = 'dashboard', onNavigate?: (page: PageId) => void) {
    this.current = initial;
    this.#onNavigate = onNavigate;
  }

  go(page: PageId): void {
    if (page === this.current) return;
    this.current = page;
    this.#onNavigate?.(page);
  }
}

/** A Router that starts from, and writes to, the window's location hash. */
export function createHashRouter(win: Window = window): Router {
  const router = new Router(pageFromHash(win.location.hash) ?? 'dashboard', (page) => {
    win.history.replaceState(null, '', `#/${page}`);
  });
  win.addEventListener('hashchange', () => {
    const page = pageFromHash(win.location.hash);
    if (page) router.go(page);
  });
  return router;
}
