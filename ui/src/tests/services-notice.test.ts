import { screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { createMockBackend, mockAppInfo, ok } from '../backend/mock';
import { renderApp } from './render-app';

/** Lets the app's start-up appInfo call settle. */
async function startedUp() {
  await screen.findByTestId('clinic-name');
  await new Promise((resolve) => setTimeout(resolve, 0));
}

const SERVE = 'switchboard serve (pid 1234, since 14:02)';

describe('background services notice', () => {
  it('is absent when this window runs the background services', async () => {
    renderApp();
    await startedUp();
    expect(screen.queryByTestId('services-notice')).not.toBeInTheDocument();
  });

  it('names the program that runs them when it is another one, quietly', async () => {
    const info = mockAppInfo({ services: { runningHere: false, holder: SERVE } });
    renderApp({ backend: createMockBackend({ appInfo: async () => ok(info) }) });

    const notice = await screen.findByTestId('services-notice');
    expect(notice).toHaveRole('status');
    expect(screen.getByTestId('services-holder').textContent).toBe(SERVE);
    expect(notice).toHaveTextContent('This window shows and changes the same data.');
  });

  it('says they are not running when nobody has said where they run', async () => {
    const info = mockAppInfo({ services: { runningHere: false, holder: null } });
    renderApp({ backend: createMockBackend({ appInfo: async () => ok(info) }) });

    expect(await screen.findByTestId('services-notice')).toHaveTextContent(
      'Background work is not running in this window yet',
    );
  });

  it('goes once the window has taken the services over', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      let info = mockAppInfo({ services: { runningHere: false, holder: SERVE } });
      renderApp({ backend: createMockBackend({ appInfo: async () => ok(info) }) });
      await screen.findByTestId('services-notice');

      info = mockAppInfo({ services: { runningHere: true, holder: 'the Switchboard app window' } });
      await vi.advanceTimersByTimeAsync(30_000);

      expect(screen.queryByTestId('services-notice')).not.toBeInTheDocument();
    } finally {
      vi.useRealTimers();
    }
  });

  it('Settings › About says where they run', async () => {
    const info = mockAppInfo({ services: { runningHere: false, holder: SERVE } });
    renderApp({ page: 'settings', backend: createMockBackend({ appInfo: async () => ok(info) }) });

    const row = await screen.findByTestId('info-services');
    expect(row).toHaveAttribute('data-running-here', 'false');
    expect(row).toHaveTextContent(`Run by ${SERVE}`);
  });
});
