import { screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderApp } from './render-app';

const SECTIONS = [
  ['dashboard', 'Dashboard'],
  ['integrations', 'Integrations'],
  ['webhooks', 'Webhooks'],
  ['delivery-log', 'Delivery log'],
  ['audit-log', 'Audit log'],
  ['settings', 'Settings'],
] as const;

describe('sidebar', () => {
  it('lists the six sections with their labels, in order', () => {
    renderApp();
    const sidebar = screen.getByTestId('sidebar');
    const links = within(sidebar).getAllByRole('link');
    expect(links.map((link) => link.textContent?.trim())).toEqual(SECTIONS.map(([, label]) => label));
    for (const [id, label] of SECTIONS) {
      expect(within(sidebar).getByTestId(`nav-${id}`)).toHaveTextContent(label);
    }
  });

  it('starts on the dashboard with its item marked as the current page', () => {
    renderApp();
    expect(screen.getByTestId('page-dashboard')).toBeInTheDocument();
    expect(screen.getByTestId('nav-dashboard')).toHaveAttribute('aria-current', 'page');
    expect(screen.getByTestId('nav-settings')).not.toHaveAttribute('aria-current');
  });

  it.each(SECTIONS)('switches to the %s page and shows its heading', async (id, label) => {
    const user = userEvent.setup();
    const { router } = renderApp({ page: id === 'dashboard' ? 'settings' : 'dashboard' });

    await user.click(screen.getByTestId(`nav-${id}`));

    const page = screen.getByTestId(`page-${id}`);
    expect(within(page).getByRole('heading', { level: 1 })).toHaveTextContent(label);
    expect(screen.getByTestId(`nav-${id}`)).toHaveAttribute('aria-current', 'page');
    expect(router.current).toBe(id);
    // Only one page is shown at a time.
    expect(screen.getAllByTestId(/^page-/)).toHaveLength(1);
  });
});

describe('header', () => {
  it('shows the app name and "Your clinic" while no clinic name is set', async () => {
    renderApp();
    expect(screen.getByRole('banner')).toHaveTextContent('Switchboard');
    expect(screen.getByTestId('clinic-name')).toHaveTextContent('Your clinic');
  });
});
