import { render } from '@testing-library/svelte';
import App from '../App.svelte';
import type { Backend } from '../backend';
import { createMockBackend } from '../backend/mock';
import { Router, type PageId, type Route } from '../lib/router.svelte';

/** Renders the whole app against a mock backend, starting on `page` (or at `route`). */
export function renderApp({
  backend = createMockBackend(),
  page = 'dashboard',
  route,
}: { backend?: Backend; page?: PageId; route?: Route } = {}) {
  const router = new Router(route ?? page);
  const result = render(App, { props: { backend, kind: 'tauri', router } });
  return { ...result, router, backend };
}
