import { render } from '@testing-library/svelte';
import App from '../App.svelte';
import type { Backend } from '../backend';
import { createMockBackend } from '../backend/mock';
import { Router } from '../lib/router.svelte';
import type { PageId } from '../lib/router.svelte';

/** Renders the whole app against a mock backend, starting on `page`. */
export function renderApp({
  backend = createMockBackend(),
  page = 'dashboard',
}: { backend?: Backend; page?: PageId } = {}) {
  const router = new Router(page);
  const result = render(App, { props: { backend, kind: 'tauri', router } });
  return { ...result, router, backend };
}
