import { screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderApp } from './render-app';

describe('empty dashboard', () => {
  it('says what to do first', async () => {
    renderApp();
    const empty = await screen.findByTestId('dashboard-empty');
    expect(within(empty).getByRole('heading', { name: 'No integrations yet' })).toBeInTheDocument();
    expect(empty).toHaveTextContent(/add Twilio.*Square.*QuickBooks Online.*under Integrations/i);
    expect(empty).toHaveTextContent(/then press Test now/);
  });

  it('its button opens Integrations', async () => {
    const user = userEvent.setup();
    renderApp();

    await user.click(await screen.findByRole('button', { name: /go to integrations/i }));

    expect(screen.getByTestId('page-integrations')).toBeInTheDocument();
    expect(screen.queryByTestId('page-dashboard')).not.toBeInTheDocument();
    expect(screen.getByTestId('nav-integrations')).toHaveAttribute('aria-current', 'page');
  });
});

describe('empty pages', () => {
  it.each([
    ['integrations', 'No integrations yet'],
    ['webhooks', 'No webhook endpoints yet'],
    ['delivery-log', 'No deliveries yet'],
    ['sync-log', 'Nothing synced yet'],
    ['audit-log', 'No audit records yet'],
  ] as const)('%s says there is nothing yet: "%s"', async (page, title) => {
    renderApp({ page });
    const root = await screen.findByTestId(page === 'audit-log' ? 'audit-page' : `page-${page}`);
    expect(await within(root).findByRole('heading', { level: 2, name: title })).toBeInTheDocument();
    expect(root).not.toHaveTextContent(/coming (soon|in this version)/i);
  });
});
