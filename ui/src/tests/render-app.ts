import { render, screen } from '@testing-library/svelte';
import App from '../App.svelte';
import type { Backend, Role } from '../backend';
import { createMockBackend } from '../backend/mock';
import { Router, type PageId, type Route } from '../lib/router.svelte';

/**
 * Renders the whole app against a mock backend, starting on `page` (or at `route`), signed in as
 * the first sample user with `role` (an admin unless told; `null` for nobody). A `backend` given
 * brings its own session instead. The app reads the session first, so wait for the page (or use
 * `renderSignedIn`) before looking for anything in it.
 */
export function renderApp({
  role = 'admin',
  backend = createMockBackend({}, { signedIn: role }),
  page = 'dashboard',
  route,
}: { role?: Role | null; backend?: Backend; page?: PageId; route?: Route } = {}) {
  const router = new Router(route ?? page);
  const result = render(App, { props: { backend, kind: 'tauri', router } });
  return { ...result, router, backend };
}

/** `renderApp`, then waits until the signed-in app (its sidebar) is shown. */
export async function renderSignedIn(options: Parameters<typeof renderApp>[0] = {}) {
  const rendered = renderApp(options);
  await screen.findByTestId('sidebar');
  return rendered;
}
