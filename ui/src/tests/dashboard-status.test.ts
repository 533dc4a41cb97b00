import { act, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Backend, IntegrationStatus, TestRun } from '../backend';
import {
  createMockBackend,
  fail,
  mockIntegration,
  mockStatus,
  mockTestRecord,
  ok,
  SAMPLE_OUTCOMES,
  type MockBackend,
  type MockOptions,
} from '../backend/mock';
import { renderApp } from './render-app';

const MINUTE = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/** The mock with every command wrapped in a spy that still runs the mock's own code. */
function spied(overrides: Partial<Backend> = {}, options: MockOptions = {}) {
  const base = createMockBackend(overrides, options);
  const spies = Object.fromEntries(
    Object.entries(base)
      .filter(([name]) => name !== 'emitConnectionTested' && name !== 'onConnectionTested')
      .map(([name, command]) => [name, vi.fn(command as (...args: unknown[]) => unknown)]),
  ) as unknown as Record<keyof Backend, ReturnType<typeof vi.fn>>;
  const backend = { ...base, ...spies } as MockBackend;
  const commandCalls = () => Object.values(spies).reduce((sum, spy) => sum + spy.mock.calls.length, 0);
  const clearCalls = () => Object.values(spies).forEach((spy) => spy.mockClear());
  return { backend, spies, commandCalls, clearCalls };
}

function card(name: string): HTMLElement {
  const found = screen.getAllByTestId('dashboard-integration').find((c) => c.dataset.name === name);
  if (!found) throw new Error(`no card for ${name}`);
  return found;
}

/** A promise the test settles, to hold a command "in flight". */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const FOUR: IntegrationStatus[] = [
  mockStatus({
    integrationId: 'a',
    name: 'Accounting',
    provider: 'quickbooks',
    environment: 'production',
    level: 'yellow',
    reason: 'QuickBooks did not answer in time.',
    action: 'Is this computer offline? Switchboard tries again automatically.',
    lastTest: mockTestRecord({ ...SAMPLE_OUTCOMES.quickbooksTimeout, at: ago(6 * MINUTE + 5000) }),
    lastSuccessAt: ago(21 * MINUTE + 5000),
  }),
  mockStatus({
    integrationId: 'b',
    name: 'Appointment reminders',
    environment: 'test',
    level: 'off',
    reason: 'Turned off by a user.',
    action: 'Enable it on the Integrations page to use it again.',
    lastTest: null,
  }),
  mockStatus({
    integrationId: 'c',
    name: 'Card payments',
    provider: 'square',
    environment: 'sandbox',
    level: 'red',
    reason: 'Square rejected the access token (UNAUTHORIZED).',
    action: 'Create a new access token in the Square Developer Console.',
    lastTest: mockTestRecord({ ...SAMPLE_OUTCOMES.squareUnauthorized, at: ago(2 * MINUTE + 5000) }),
    lastSuccessAt: null,
  }),
  mockStatus({
    integrationId: 'd',
    name: 'Front desk SMS',
    level: 'green',
    reason: 'Connected to the Twilio account “Riverside Vet”.',
    action: 'Nothing to do.',
    lastTest: mockTestRecord({ at: ago(4 * MINUTE + 5000), latencyMs: 230 }),
  }),
];

afterEach(() => {
  vi.useRealTimers();
});

describe('dashboard cards', () => {
  it('show each status exactly as core gives it: level, label, reason, and the action when not green', async () => {
    renderApp({ backend: createMockBackend({ integrationStatuses: async () => ok(FOUR) }) });
    await screen.findAllByTestId('dashboard-integration');

    const expected = [
      ['Accounting', 'yellow', 'Check', FOUR[0]],
      ['Appointment reminders', 'off', 'Off', FOUR[1]],
      ['Card payments', 'red', 'Not working', FOUR[2]],
      ['Front desk SMS', 'green', 'Working', FOUR[3]],
    ] as const;
    expect(screen.getAllByTestId('dashboard-integration').map((c) => c.dataset.name)).toEqual(expected.map(([n]) => n));
    for (const [name, level, label, status] of expected) {
      const c = within(card(name));
      expect(card(name)).toHaveAttribute('data-level', level);
      expect(c.getByTestId('status-badge')).toHaveTextContent(new RegExp(`^Status: ${label}$`));
      expect(c.getByTestId('status-badge')).toHaveAttribute('data-level', level);
      expect(c.getByTestId('status-reason')).toHaveTextContent(status?.reason ?? '');
      if (level === 'green') expect(c.queryByTestId('status-action')).not.toBeInTheDocument();
      else expect(c.getByTestId('status-action')).toHaveTextContent(status?.action ?? '');
    }
    expect(card('Card payments')).toHaveTextContent('Square · Sandbox');
  });

  it('show last checked and last success as relative times with the exact time in the tooltip, and the latency', async () => {
    renderApp({ backend: createMockBackend({ integrationStatuses: async () => ok(FOUR) }) });
    await screen.findAllByTestId('dashboard-integration');

    const sms = within(card('Front desk SMS'));
    expect(sms.getByTestId('last-checked')).toHaveTextContent(/^4 min ago$/);
    expect(sms.getByTestId('last-checked')).toHaveAttribute('datetime', FOUR[3]?.lastCheckedAt);
    expect(sms.getByTestId('last-checked').getAttribute('title')).toMatch(/\d{1,2}:\d{2}:\d{2}/);
    expect(sms.getByTestId('last-success')).toHaveTextContent(/^4 min ago$/);
    expect(sms.getByTestId('latency')).toHaveTextContent(/^230 ms$/);

    const square = within(card('Card payments'));
    expect(square.getByTestId('last-checked')).toHaveTextContent('2 min ago');
    expect(square.getByTestId('last-success')).toHaveTextContent(/^never$/);
    expect(within(card('Accounting')).getByTestId('latency')).toHaveTextContent('20.0 s');
    expect(within(card('Appointment reminders')).getByTestId('last-checked')).toHaveTextContent(/^never$/);
  });

  it.each([
    [FOUR, '1 working · 1 needs attention · 1 not working · 1 off'],
    [
      [
        mockStatus({ integrationId: '1', name: 'A' }),
        mockStatus({ integrationId: '2', name: 'B' }),
        mockStatus({ integrationId: '3', name: 'C' }),
        mockStatus({ integrationId: '4', name: 'D', level: 'yellow' }),
      ],
      '3 working · 1 needs attention',
    ],
    [
      [mockStatus({ integrationId: '1', name: 'A', level: 'yellow' }), mockStatus({ integrationId: '2', name: 'B', level: 'yellow' })],
      '2 need attention',
    ],
  ])('sum up the statuses at the top (%#)', async (statuses, summary) => {
    renderApp({ backend: createMockBackend({ integrationStatuses: async () => ok(statuses) }) });
    expect(await screen.findByTestId('status-summary')).toHaveTextContent(new RegExp(`^${summary}$`));
  });

  it('keep the empty state when there are no integrations', async () => {
    renderApp({ backend: createMockBackend({ integrationStatuses: async () => ok([]) }) });
    expect(await screen.findByTestId('dashboard-empty')).toBeInTheDocument();
    expect(screen.queryByTestId('status-summary')).not.toBeInTheDocument();
  });

  it('move relative times on every 30 seconds by themselves, without asking the backend', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    const { backend, commandCalls, clearCalls } = spied({
      integrationStatuses: async () => ok([mockStatus({ lastTest: mockTestRecord({ at: ago(20_000) }) })]),
    });
    renderApp({ backend });
    const checked = await screen.findByTestId('last-checked');
    expect(checked).toHaveTextContent('just now');
    clearCalls();

    await act(() => vi.advanceTimersByTime(30_000));
    expect(checked).toHaveTextContent('just now');
    await act(() => vi.advanceTimersByTime(30_000));
    expect(checked).toHaveTextContent('1 min ago');
    await act(() => vi.advanceTimersByTime(4 * 60_000));
    expect(checked).toHaveTextContent('5 min ago');
    expect(commandCalls()).toBe(0);
  });
});

describe('Test now', () => {
  it('shows progress, then the result on the card with the provider’s words and code and the HTTP status', async () => {
    const user = userEvent.setup();
    const held = gate();
    const base = createMockBackend(
      {},
      {
        integrations: [mockIntegration({ id: 'sq', provider: 'square', name: 'Card payments' })],
        testOutcomes: { sq: [SAMPLE_OUTCOMES.squareUnauthorized] },
      },
    );
    const backend: Backend = {
      ...base,
      testIntegration: async (id) => {
        await held.opened;
        return base.testIntegration(id);
      },
    };
    renderApp({ backend });
    await screen.findByTestId('dashboard-integration');
    const button = within(card('Card payments')).getByTestId('test-now');
    expect(button).toHaveAccessibleName('Test now: Card payments');

    await user.click(button);

    expect(button).toBeDisabled();
    expect(button).toHaveAttribute('data-busy', 'true');
    expect(button).toHaveTextContent('Testing…');
    expect(screen.queryByTestId('test-result')).not.toBeInTheDocument();

    held.open();

    const result = await within(card('Card payments')).findByTestId('test-result');
    expect(result).toHaveAttribute('data-kind', 'credentials_rejected');
    expect(result).toHaveTextContent('Test failed. Square rejected the access token (UNAUTHORIZED).');
    expect(within(result).getByTestId('test-provider-said')).toHaveTextContent(
      /^Square said: This request could not be authorized\. \(UNAUTHORIZED\)$/,
    );
    expect(within(result).getByTestId('test-http-status')).toHaveTextContent(/^HTTP 401$/);
    // What to do is on the card already; the banner does not repeat it.
    expect(within(card('Card payments')).getByTestId('status-action')).toHaveTextContent('Create a new access token');
    expect(within(result).queryByTestId('test-result-action')).not.toBeInTheDocument();
    expect(within(result).getByTestId('retry-test')).toBeInTheDocument();
    expect(button).toBeEnabled();
    expect(button).toHaveAttribute('data-busy', 'false');
    expect(button).toHaveTextContent('Test now');
    // The card itself now shows the new status, and the result is read out.
    expect(card('Card payments')).toHaveAttribute('data-level', 'red');
    expect(within(card('Card payments')).getByTestId('status-badge')).toHaveTextContent('Not working');
    expect(screen.getByTestId('test-announcer')).toHaveTextContent(
      'Card payments: Not working. Square rejected the access token (UNAUTHORIZED).',
    );
  });

  it('Retry runs the test again after a failure, and a pass shows no Retry', async () => {
    const user = userEvent.setup();
    const { backend, spies } = spied(
      {},
      {
        integrations: [mockIntegration({ id: 'sq', provider: 'square', name: 'Card payments' })],
        testOutcomes: { sq: [SAMPLE_OUTCOMES.squareUnauthorized, SAMPLE_OUTCOMES.squareOk] },
      },
    );
    renderApp({ backend });
    await user.click(await screen.findByTestId('test-now'));
    const failed = await screen.findByTestId('test-result');
    expect(failed).toHaveAttribute('data-kind', 'credentials_rejected');

    await user.click(within(failed).getByTestId('retry-test'));

    await waitFor(() => expect(screen.getByTestId('test-result')).toHaveAttribute('data-kind', 'ok'));
    expect(spies.testIntegration).toHaveBeenCalledTimes(2);
    expect(spies.testIntegration).toHaveBeenLastCalledWith('sq');
    const passed = screen.getByTestId('test-result');
    expect(passed).toHaveTextContent('Test passed.');
    expect(passed).toHaveTextContent('Took 280 ms');
    expect(within(passed).queryByTestId('retry-test')).not.toBeInTheDocument();
    expect(card('Card payments')).toHaveAttribute('data-level', 'green');
  });

  it('shows an error of the command itself in the banner, with Retry', async () => {
    const user = userEvent.setup();
    const testIntegration = vi
      .fn<Backend['testIntegration']>()
      .mockResolvedValueOnce(fail('keychain_unavailable', 'The keychain is locked. Unlock it and try again.'))
      .mockResolvedValueOnce(fail('not_found', 'The integration “Front desk SMS” was not found.'));
    renderApp({
      backend: createMockBackend({ testIntegration }, { integrations: [mockIntegration({ id: 'tw' })] }),
    });
    await user.click(await screen.findByTestId('test-now'));

    const result = await screen.findByTestId('test-result');
    expect(result).toHaveAttribute('data-kind', 'keychain_unavailable');
    expect(result).toHaveAttribute('data-source', 'command');
    expect(result).toHaveTextContent('The test could not run');
    expect(result).toHaveTextContent('The keychain is locked. Unlock it and try again.');
    expect(screen.getByTestId('keychain-banner')).toBeInTheDocument();

    await user.click(within(result).getByTestId('retry-test'));
    await waitFor(() => expect(screen.getByTestId('test-result')).toHaveAttribute('data-kind', 'not_found'));
    expect(screen.getByTestId('test-result')).toHaveTextContent('was not found');
    expect(testIntegration).toHaveBeenCalledTimes(2);
  });

  it('says what to do about the test when the card says something else (a turned-off integration)', async () => {
    const user = userEvent.setup();
    renderApp({
      backend: createMockBackend({}, {
        integrations: [mockIntegration({ id: 'sq', provider: 'square', name: 'Card payments', enabled: false })],
        testOutcomes: { sq: [SAMPLE_OUTCOMES.squareUnauthorized] },
      }),
    });
    await user.click(await screen.findByTestId('test-now'));
    const result = await screen.findByTestId('test-result');
    expect(card('Card payments')).toHaveAttribute('data-level', 'off');
    expect(within(card('Card payments')).getByTestId('status-action')).toHaveTextContent('Enable it on the Integrations page');
    expect(within(result).getByTestId('test-result-action')).toHaveTextContent(
      /^What to do: Create a new access token in the Square Developer Console/,
    );
  });

  it('can be done with the keyboard alone, and the result can be closed', async () => {
    const user = userEvent.setup();
    renderApp({ backend: createMockBackend({}, { integrations: [mockIntegration({ id: 'tw' })] }) });
    const button = await screen.findByTestId('test-now');
    button.focus();
    await user.keyboard('{Enter}');
    const result = await screen.findByTestId('test-result');
    expect(result).toHaveAttribute('data-kind', 'ok');
    await user.click(within(result).getByRole('button', { name: 'Close this test result' }));
    expect(screen.queryByTestId('test-result')).not.toBeInTheDocument();
  });
});

describe('the connectionTested event', () => {
  function runFor(status: IntegrationStatus, patch: Partial<TestRun> = {}): TestRun {
    if (!status.lastTest) throw new Error('status without a test');
    return { integrationId: status.integrationId, test: status.lastTest, status, previousLevel: 'green', ...patch };
  }

  it('updates the card in place without calling any command again', async () => {
    const { backend, commandCalls, clearCalls } = spied({}, {
      integrations: [mockIntegration({ id: 'tw', name: 'Front desk SMS' }), mockIntegration({ id: 'sq', provider: 'square', name: 'Card payments' })],
      tests: { tw: [mockTestRecord({ at: ago(3 * MINUTE) })] },
    });
    renderApp({ backend });
    await waitFor(() => expect(card('Front desk SMS')).toHaveAttribute('data-level', 'green'));
    const before = card('Front desk SMS');
    clearCalls();

    const test = mockTestRecord({
      kind: 'account_suspended',
      httpStatus: 200,
      summary: 'The Twilio account “Riverside Vet” is suspended.',
      action: 'Contact Twilio support to reactivate the account.',
      latencyMs: 410,
    });
    act(() =>
      backend.emitConnectionTested(
        runFor(
          mockStatus({
            integrationId: 'tw',
            name: 'Front desk SMS',
            level: 'red',
            reason: test.summary,
            action: test.action,
            lastTest: test,
            lastSuccessAt: ago(3 * MINUTE),
          }),
        ),
      ),
    );

    await waitFor(() => expect(card('Front desk SMS')).toHaveAttribute('data-level', 'red'));
    expect(card('Front desk SMS')).toBe(before);
    const c = within(card('Front desk SMS'));
    expect(c.getByTestId('status-badge')).toHaveTextContent('Not working');
    expect(c.getByTestId('status-reason')).toHaveTextContent('The Twilio account “Riverside Vet” is suspended.');
    expect(c.getByTestId('status-action')).toHaveTextContent('Contact Twilio support');
    expect(c.getByTestId('last-checked')).toHaveTextContent('just now');
    expect(c.getByTestId('last-success')).toHaveTextContent('3 min ago');
    expect(c.getByTestId('latency')).toHaveTextContent('410 ms');
    // A background test shows no result banner: that is for "Test now".
    expect(c.queryByTestId('test-result')).not.toBeInTheDocument();
    // The other card is untouched, and nothing asked the backend.
    expect(card('Card payments')).toHaveAttribute('data-level', 'yellow');
    expect(screen.getByTestId('status-summary')).toHaveTextContent('1 needs attention · 1 not working');
    expect(commandCalls()).toBe(0);
  });

  it('ignores a test older than the one shown, and adds an integration tested before the dashboard knew it', async () => {
    const shown = mockStatus({ integrationId: 'tw', lastTest: mockTestRecord({ at: ago(MINUTE) }) });
    const { backend, commandCalls, clearCalls } = spied({ integrationStatuses: async () => ok([shown]) });
    renderApp({ backend });
    await screen.findByTestId('dashboard-integration');
    clearCalls();

    const stale = mockTestRecord({ at: ago(10 * MINUTE), kind: 'unreachable', summary: 'Old news.' });
    act(() => backend.emitConnectionTested(runFor(mockStatus({ integrationId: 'tw', level: 'yellow', reason: 'Old news.', lastTest: stale }))));
    const added = mockStatus({ integrationId: 'qb', name: 'Accounting', provider: 'quickbooks', environment: 'production' });
    act(() => backend.emitConnectionTested(runFor(added)));

    await waitFor(() => expect(screen.getAllByTestId('dashboard-integration')).toHaveLength(2));
    expect(screen.getAllByTestId('dashboard-integration').map((c) => c.dataset.name)).toEqual(['Accounting', 'Front desk SMS']);
    expect(card('Front desk SMS')).toHaveAttribute('data-level', 'green');
    expect(commandCalls()).toBe(0);
  });

  it('stops being listened to when the app is closed', async () => {
    const base = createMockBackend({}, { integrations: [mockIntegration({ id: 'tw' })] });
    const unlisten = vi.fn();
    const onConnectionTested = vi.fn(async () => unlisten);
    const { unmount } = renderApp({ backend: { ...base, onConnectionTested } });
    await screen.findByTestId('dashboard-integration');
    expect(onConnectionTested).toHaveBeenCalledTimes(1);
    unmount();
    expect(unlisten).toHaveBeenCalledTimes(1);
  });
});

describe('the detail view', () => {
  const HISTORY = [
    mockTestRecord({ ...SAMPLE_OUTCOMES.squareUnauthorized, at: ago(2 * MINUTE) }),
    mockTestRecord({ ...SAMPLE_OUTCOMES.quickbooksTimeout, summary: 'Square did not answer in time.', at: ago(17 * MINUTE) }),
    mockTestRecord({ ...SAMPLE_OUTCOMES.squareOk, at: ago(32 * MINUTE) }),
  ];

  function withHistory() {
    return spied({}, {
      integrations: [
        mockIntegration({ id: 'sq', provider: 'square', name: 'Card payments' }),
        mockIntegration({ id: 'tw', name: 'Front desk SMS' }),
      ],
      tests: { sq: HISTORY },
    });
  }

  it('opens from the card’s name with the status, reason, action and the test history, newest first', async () => {
    const user = userEvent.setup();
    const { backend, spies } = withHistory();
    const { router } = renderApp({ backend });
    await screen.findAllByTestId('dashboard-integration');

    await user.click(within(card('Card payments')).getByTestId('open-details'));

    const detail = await screen.findByTestId('integration-detail');
    expect(router.item).toBe('sq');
    expect(screen.queryByTestId('dashboard-integration')).not.toBeInTheDocument();
    expect(within(detail).getByRole('heading', { level: 2, name: 'Card payments' })).toHaveFocus();
    expect(within(detail).getByTestId('status-badge')).toHaveTextContent('Not working');
    expect(within(detail).getByTestId('status-reason')).toHaveTextContent('Square rejected the access token (UNAUTHORIZED).');
    expect(within(detail).getByTestId('status-action')).toHaveTextContent('Create a new access token');

    const rows = await within(detail).findAllByTestId('history-row');
    expect(spies.testHistory).toHaveBeenCalledWith('sq', 50);
    expect(rows.map((r) => r.dataset.at)).toEqual(HISTORY.map((t) => t.at));
    const [first, second, third] = rows.map((r) => within(r));
    expect(first?.getByTestId('history-outcome')).toHaveTextContent('Credentials rejected');
    expect(first?.getByTestId('history-http-status')).toHaveTextContent(/^401$/);
    expect(first?.getByTestId('history-provider')).toHaveTextContent('UNAUTHORIZED This request could not be authorized.');
    expect(first?.getByTestId('history-latency')).toHaveTextContent('310 ms');
    expect(rows[0]).toHaveTextContent('2 min ago');
    expect(second?.getByTestId('history-outcome')).toHaveTextContent('Could not connect');
    expect(second?.getByTestId('history-http-status')).toHaveTextContent('None');
    expect(second?.getByTestId('history-http-status')).toHaveTextContent('No answer in time (timeout)');
    expect(third?.getByTestId('history-outcome')).toHaveTextContent('Passed');
    expect(third?.getByTestId('history-provider')).toHaveTextContent('—');
  });

  it('has Test now, whose test goes to the top of the history without reading it again', async () => {
    const user = userEvent.setup();
    const { backend, spies } = withHistory();
    renderApp({ backend, route: { page: 'dashboard', item: 'sq' } });
    const detail = await screen.findByTestId('integration-detail');
    await within(detail).findAllByTestId('history-row');

    await user.click(within(detail).getByTestId('test-now'));

    expect(await within(detail).findByTestId('test-result')).toHaveAttribute('data-kind', 'credentials_rejected');
    await waitFor(() => expect(within(detail).getAllByTestId('history-row')).toHaveLength(4));
    const rows = within(detail).getAllByTestId('history-row');
    expect(rows[0]).toHaveTextContent('just now');
    expect(rows.slice(1).map((r) => r.dataset.at)).toEqual(HISTORY.map((t) => t.at));
    expect(spies.testHistory).toHaveBeenCalledTimes(1);
  });

  it('says when there are no tests yet, and goes back to the dashboard', async () => {
    const user = userEvent.setup();
    const { backend } = withHistory();
    const { router } = renderApp({ backend, route: { page: 'dashboard', item: 'tw' } });
    expect(await screen.findByTestId('history-empty')).toHaveTextContent('No tests yet');

    await user.click(screen.getByTestId('back-to-dashboard'));

    expect(router.item).toBeNull();
    expect(screen.queryByTestId('integration-detail')).not.toBeInTheDocument();
    expect(await screen.findAllByTestId('dashboard-integration')).toHaveLength(2);
    expect(within(card('Front desk SMS')).getByTestId('open-details')).toHaveFocus();
  });

  it('says so when the integration no longer exists', async () => {
    const { backend } = withHistory();
    renderApp({ backend, route: { page: 'dashboard', item: 'gone' } });
    expect(await screen.findByTestId('detail-not-found')).toHaveTextContent('no longer exists');
  });
});
