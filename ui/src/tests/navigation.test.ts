import { screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createMockBackend } from '../backend/mock';
import { renderApp, renderSignedIn } from './render-app';

const SECTIONS = [
  ['dashboard', 'Dashboard'],
  ['integrations', 'Integrations'],
  ['webhooks', 'Webhooks'],
  ['delivery-log', 'Delivery log'],
  ['sync-log', 'Sync log'],
  ['audit-log', 'Audit log'],
  ['settings', 'Settings'],
] as const;

describe('sidebar', () => {
  it('lists the seven sections with their labels, in order, for an admin', async () => {
    await renderSignedIn();
    const sidebar = screen.getByTestId('sidebar');
    const links = within(sidebar).getAllByRole('link');
    expect(links.map((link) => link.textContent?.trim())).toEqual(SECTIONS.map(([, label]) => label));
    for (const [id, label] of SECTIONS) {
      expect(within(sidebar).getByTestId(`nav-${id}`)).toHaveTextContent(label);
    }
  });

  it('starts on the dashboard with its item marked as the current page', async () => {
    await renderSignedIn();
    expect(screen.getByTestId('page-dashboard')).toBeInTheDocument();
    expect(screen.getByTestId('nav-dashboard')).toHaveAttribute('aria-current', 'page');
    expect(screen.getByTestId('nav-settings')).not.toHaveAttribute('aria-current');
  });

  it.each(SECTIONS)('switches to the %s page and shows its heading', async (id, label) => {
    const user = userEvent.setup();
    const { router } = await renderSignedIn({ page: id === 'dashboard' ? 'settings' : 'dashboard' });

    await user.click(screen.getByTestId(`nav-${id}`));

    // The audit log's page is `audit-page` (the id end-to-end tests know it by).
    const page = screen.getByTestId(id === 'audit-log' ? 'audit-page' : `page-${id}`);
    expect(within(page).getByRole('heading', { level: 1 })).toHaveTextContent(label);
    expect(screen.getByTestId(`nav-${id}`)).toHaveAttribute('aria-current', 'page');
    expect(router.current).toBe(id);
    // Only one page is shown at a time.
    expect(screen.getAllByTestId(/^(page-.*|audit-page)$/)).toHaveLength(1);
  });
});

describe('sidebar by role', () => {
  const labels = () => within(screen.getByTestId('sidebar')).getAllByRole('link').map((link) => link.textContent?.trim());

  it('shows the front desk exactly the Dashboard and the Delivery log', async () => {
    await renderSignedIn({ role: 'front_desk' });
    expect(labels()).toEqual(['Dashboard', 'Delivery log', 'Sync log']);
    for (const hidden of ['integrations', 'webhooks', 'audit-log', 'settings']) {
      expect(screen.queryByTestId(`nav-${hidden}`)).not.toBeInTheDocument();
    }
  });

  it('shows a manager everything but the Audit log', async () => {
    await renderSignedIn({ role: 'manager' });
    expect(labels()).toEqual(['Dashboard', 'Integrations', 'Webhooks', 'Delivery log', 'Sync log', 'Settings']);
    expect(screen.queryByTestId('nav-audit-log')).not.toBeInTheDocument();
  });

  it('says "no access" for a hidden page opened by its address, and renders nothing of it', async () => {
    const user = userEvent.setup();
    const { router } = await renderSignedIn({ role: 'manager' });
    router.go('audit-log');
    expect(await screen.findByTestId('no-access')).toHaveTextContent("You don't have access to this page");
    expect(screen.queryByTestId('page-audit-log')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: /go to the dashboard/i }));
    expect(await screen.findByTestId('page-dashboard')).toBeInTheDocument();
  });

  it('starts whoever signs in on a page they may open', async () => {
    const backend = createMockBackend({}, { signedIn: 'front_desk' });
    renderApp({ backend, page: 'settings' });
    expect(await screen.findByTestId('page-dashboard')).toBeInTheDocument();
    expect(screen.queryByTestId('page-settings')).not.toBeInTheDocument();
  });
});

describe('header', () => {
  it('shows the app name and "Your clinic" while no clinic name is set', async () => {
    await renderSignedIn();
    expect(screen.getByRole('banner')).toHaveTextContent('Switchboard');
    expect(screen.getByTestId('clinic-name')).toHaveTextContent('Your clinic');
  });

  it('shows who is signed in and their role', async () => {
    await renderSignedIn({ role: 'manager' });
    expect(screen.getByTestId('current-user')).toHaveTextContent(/^Maria Lopez$/);
    expect(screen.getByTestId('current-role')).toHaveTextContent(/^Manager$/);
    expect(screen.getByTestId('lock-button')).toHaveTextContent('Lock');
  });
});
