import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createMockBackend, mockIntegration } from '../backend/mock';
import { renderApp } from './render-app';

const sms = mockIntegration({ id: 'int_sms', name: 'Front desk SMS', provider: 'twilio' });

describe('send a test text', () => {
  it('opens from the Twilio card and shows each status until delivered', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({}, { integrations: [sms] });
    renderApp({ backend, page: 'integrations' });
    await user.click(await screen.findByTestId('send-test-text'));
    const dialog = await screen.findByTestId('send-test-text-dialog');
    await user.type(within(dialog).getByTestId('test-text-to'), '+1 415 555 2345');
    await user.click(within(dialog).getByTestId('test-text-submit'));
    const result = await within(dialog).findByTestId('test-text-result', {}, { timeout: 3000 });
    await waitFor(() => expect(result).toHaveAttribute('data-final', 'true'), { timeout: 10000 });
    const steps = within(dialog)
      .getAllByTestId('test-text-step')
      .map((s) => s.dataset.status);
    expect(steps).toEqual(['queued', 'sending', 'sent', 'delivered']);
    expect(within(dialog).getByTestId('test-text-final')).toHaveTextContent('Delivered');
    expect(dialog).toHaveTextContent('…2345');
  }, 15000);

  it('names the field when the number is not in international form', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({}, { integrations: [sms] });
    renderApp({ backend, page: 'integrations' });
    await user.click(await screen.findByTestId('send-test-text'));
    const dialog = await screen.findByTestId('send-test-text-dialog');
    await user.type(within(dialog).getByTestId('test-text-to'), '555-2345');
    await user.click(within(dialog).getByTestId('test-text-submit'));
    expect(await within(dialog).findByTestId('error-to')).toHaveTextContent('international form');
  });

  it('says why Twilio refused the number', async () => {
    const backend = createMockBackend({}, { integrations: [sms] });
    const answer = await backend.sendTestText('int_sms', { to: '+15005550009' });
    expect(answer.status).toBe('ok');
    if (answer.status === 'ok') {
      expect(answer.data.summary).toBe('Twilio refused the number: not a mobile number (21614)');
      expect(answer.data.isFinal).toBe(true);
    }
  });

  it('is refused to the front desk by the mock as by core', async () => {
    const backend = createMockBackend({}, { integrations: [sms], signedIn: 'front_desk' });
    const answer = await backend.sendTestText('int_sms', { to: '+14155552345' });
    expect(answer.status).toBe('error');
  });
});

