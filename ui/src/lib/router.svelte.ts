// A tiny router: the current page, and what it shows inside itself, live in one piece of state.
// The app window has no address bar, so the location hash is kept in sync only to make pages
// linkable in the browser preview and reachable by end-to-end tests (`index.html#/settings`,
// `index.html#/dashboard/<integration id>`).

export const PAGE_IDS = [
  'dashboard',
  'integrations',
  'webhooks',
  'delivery-log',
  'sync-log',
  'audit-log',
  'settings',
] as const;

export type PageId = (typeof PAGE_IDS)[number];

/** A page, and the item it shows in detail (the dashboard's integration), if any. */
export interface Route {
  page: PageId;
  item: string | null;
}

export function isPageId(value: string): value is PageId {
  return (PAGE_IDS as readonly string[]).includes(value);
}

/** `#/delivery-log` → `delivery-log`; anything else → null. */
export function pageFromHash(hash: string): PageId | null {
  return routeFromHash(hash)?.page ?? null;
}

/** `#/dashboard/int_1` → `{ page: 'dashboard', item: 'int_1' }`; not a page → null. */
export function routeFromHash(hash: string): Route | null {
  const [page = '', ...rest] = hash.replace(/^#\/?/, '').split('/');
  if (!isPageId(page)) return null;
  const item = rest.join('/');
  return { page, item: item ? decodeURIComponent(item) : null };
}

export function hashOf({ page, item }: Route): string {
  return item === null ? `#/${page}` : `#/${page}/${encodeURIComponent(item)}`;
}

/**
 * A click on a link to a page of the app. A plain one: its default is prevented and the answer is
 * true, for the caller to switch pages in place. A modified one (new tab, new window, …): false,
 * and the browser follows the link as usual.
 */
export function inPlace(event: MouseEvent): boolean {
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return false;
  event.preventDefault();
  return true;
}

export class Router {
  current: PageId = $state('dashboard');
  /** What the current page shows in detail; null for the page's overview. */
  item: string | null = $state(null);
  #onNavigate: ((route: Route) => void) | undefined;

  constructor(initial: PageId | Route = 'dashboard', onNavigate?: (route: Route) => void) {
    const route = typeof initial === 'string' ? { page: initial, item: null } : initial;
    this.current = route.page;
    this.item = route.item;
    this.#onNavigate = onNavigate;
  }

  /** Opens a page (its overview, unless an item is given). */
  go(page: PageId, item: string | null = null): void {
    if (page === this.current && item === this.item) return;
    this.current = page;
    this.item = item;
    this.#onNavigate?.({ page, item });
  }
}

/** A Router that starts from, and writes to, the window's location hash. */
export function createHashRouter(win: Window = window): Router {
  const router = new Router(routeFromHash(win.location.hash) ?? 'dashboard', (route) => {
    win.history.replaceState(null, '', hashOf(route));
  });
  win.addEventListener('hashchange', () => {
    const route = routeFromHash(win.location.hash);
    if (route) router.go(route.page, route.item);
  });
  return router;
}
