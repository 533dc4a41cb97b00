import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { createMockBackend, type MockBackend } from '../backend/mock';
import { GONE_REASON, MOCK_OUTCOMES, mockEndpoint, sampleWebhooks } from '../backend/mock-webhooks';
import { renderApp } from './render-app';

function card(url: string): HTMLElement {
  const found = screen.getAllByTestId('endpoint-card').find((c) => c.dataset.url === url);
  if (!found) throw new Error(`no card for ${url}`);
  return found;
}

function field(name: string): HTMLInputElement {
  const control = screen.getByTestId('endpoint-form').querySelector<HTMLInputElement>(`[name="${name}"][data-field]`);
  if (!control) throw new Error(`no control ${name}`);
  return control;
}

async function openAddForm(backend: MockBackend = createMockBackend()) {
  const user = userEvent.setup();
  const { router } = renderApp({ backend, page: 'webhooks' });
  await user.click(await screen.findByTestId('add-endpoint'));
  await screen.findByTestId('endpoint-form');
  return { user, backend, router };
}

describe('adding an endpoint', () => {
  it('puts core’s errors under the fields they are about and keeps what was typed', async () => {
    const { user, backend } = await openAddForm();
    const create = vi.spyOn(backend, 'createEndpoint');

    await user.type(field('url'), 'http://192.168.1.20:8080/switchboard');
    await user.type(field('description'), 'Lab server');
    await user.click(screen.getByTestId('save-endpoint'));

    expect(await screen.findByTestId('error-url')).toHaveTextContent(
      "URL must use https://. To send to a server on the clinic's own network over plain http, allow plain HTTP for this endpoint.",
    );
    expect(field('url')).toHaveValue('http://192.168.1.20:8080/switchboard');
    expect(field('url')).toHaveAttribute('aria-invalid', 'true');
    expect(field('url')).toHaveFocus();
    expect(field('description')).toHaveValue('Lab server');
    expect(screen.getByTestId('form-error')).toHaveTextContent('URL: URL must use https://');

    await user.click(field('allow_http'));
    expect(screen.queryByTestId('error-url')).not.toBeInTheDocument();
    await user.click(screen.getByTestId('save-endpoint'));
    expect(await screen.findByTestId('error-url')).toHaveTextContent(
      '192.168.1.20 is a private or local address. Allow private/LAN addresses for this endpoint to send there.',
    );

    await user.click(field('allow_private'));
    await user.clear(field('timeout_secs'));
    await user.type(field('timeout_secs'), '90');
    await user.click(screen.getByTestId('save-endpoint'));
    expect(await screen.findByTestId('error-timeout_secs')).toHaveTextContent('Timeout must be between 1 and 60 seconds.');
    expect(field('timeout_secs')).toHaveFocus();

    await user.clear(field('timeout_secs'));
    await user.type(field('timeout_secs'), '10');
    await user.click(screen.getByTestId('add-header'));
    await user.type(screen.getByTestId('header-name'), 'webhook-id');
    await user.type(screen.getByTestId('header-value'), 'mine');
    await user.click(screen.getByTestId('save-endpoint'));
    expect(await screen.findByTestId('error-headers')).toHaveTextContent('Header “webhook-id” is set by Switchboard and cannot be overridden.');
    expect(screen.getByTestId('header-value')).toHaveValue('mine');
    expect(screen.getByTestId('header-value')).toHaveAttribute('type', 'password');

    await user.clear(screen.getByTestId('header-name'));
    await user.type(screen.getByTestId('header-name'), 'Authorization');
    await user.click(screen.getByTestId('save-endpoint'));

    await screen.findByTestId('secret-once');
    expect(create).toHaveBeenLastCalledWith({
      url: 'http://192.168.1.20:8080/switchboard',
      description: 'Lab server',
      eventTypes: ['*'],
      scheme: 'standard_webhooks',
      headers: { Authorization: 'mine' },
      timeoutSecs: 10,
      allowHttp: true,
      allowPrivate: true,
    });
    expect(create).toHaveBeenCalledTimes(5);
  });

  it('sends the events chosen and the legacy scheme when picked; catches an empty choice itself', async () => {
    const { user, backend } = await openAddForm();
    const create = vi.spyOn(backend, 'createEndpoint');
    await user.type(field('url'), 'https://pms.example.com/hooks');
    const all = screen.getByRole('checkbox', { name: /All events/ });
    expect(all).toBeChecked();
    await user.click(all);
    await user.click(screen.getByTestId('save-endpoint'));
    expect(await screen.findByTestId('error-event_types')).toHaveTextContent('Choose at least one event, or All events.');
    expect(create).not.toHaveBeenCalled();

    await user.click(screen.getByRole('checkbox', { name: 'invoice.paid' }));
    await user.click(screen.getByRole('checkbox', { name: 'appointment.created' }));
    await user.click(screen.getByRole('radio', { name: /X-Webhook-Signature sha256 \(legacy\)/ }));
    await user.click(screen.getByTestId('save-endpoint'));

    const panel = await screen.findByTestId('secret-once');
    expect(create).toHaveBeenCalledWith(
      expect.objectContaining({ eventTypes: ['appointment.created', 'invoice.paid'], scheme: 'hmac_sha256_hex' }),
    );
    expect(within(panel).getByTestId('verify-snippet')).toHaveTextContent('X-Webhook-Signature: sha256=');
    const c = card('https://pms.example.com/hooks');
    expect(within(c).getByTestId('endpoint-events')).toHaveTextContent('appointment.created');
    expect(within(c).getByTestId('endpoint-scheme')).toHaveTextContent('X-Webhook-Signature sha256 (legacy)');
  });

  it('shows the signing secret once, with a warning and how to verify, and forgets it when closed', async () => {
    const { user, backend } = await openAddForm();
    const create = vi.spyOn(backend, 'createEndpoint');
    await user.type(field('url'), 'https://pms.example.com/hooks');
    await user.click(screen.getByTestId('save-endpoint'));

    const panel = await screen.findByTestId('secret-once');
    const result = await create.mock.results[0]?.value;
    const secret = result.status === 'ok' ? (result.data.secret as string) : '';
    expect(secret).toMatch(/^whsec_/);
    expect(within(panel).getByTestId('secret-value')).toHaveValue(secret);
    expect(within(panel).getByTestId('secret-warning')).toHaveTextContent(/Shown once.*will not show it again/);
    expect(within(panel).getByTestId('verify-snippet')).toHaveTextContent(/webhook-id.*webhook-timestamp.*webhook-signature/);
    expect(within(panel).getByTestId('copy-secret')).toBeInTheDocument();
    expect(card('https://pms.example.com/hooks')).toBeInTheDocument();

    await user.click(within(panel).getByTestId('close-secret'));
    expect(screen.queryByTestId('secret-once')).not.toBeInTheDocument();
    expect(document.body.innerHTML).not.toContain(secret);
    // Nor can anything bring it back: the endpoint as listed has no secret.
    expect(JSON.stringify(await backend.listEndpoints())).not.toContain(secret);
  });

  it('copies the secret to the clipboard', async () => {
    const { user } = await openAddForm();
    const writeText = vi.spyOn(navigator.clipboard, 'writeText');
    await user.type(field('url'), 'https://pms.example.com/hooks');
    await user.click(screen.getByTestId('save-endpoint'));
    const panel = await screen.findByTestId('secret-once');
    await user.click(within(panel).getByTestId('copy-secret'));
    expect(writeText).toHaveBeenCalledWith(within(panel).getByTestId<HTMLInputElement>('secret-value').value);
    expect(within(panel).getByTestId('copy-secret')).toHaveTextContent('Copied');
  });
});

describe('endpoint cards', () => {
  it('show every level in words, the disabling reason, rate and counts', async () => {
    renderApp({ backend: createMockBackend({}, { webhooks: sampleWebhooks() }), page: 'webhooks' });
    await waitFor(() => expect(screen.getAllByTestId('endpoint-card')).toHaveLength(5));
    const levels = screen.getAllByTestId('endpoint-card').map((c) => [c.dataset.level, within(c).getByTestId('status-badge').textContent?.trim()]);
    expect(levels).toEqual([
      ['green', 'Status: Working'],
      ['yellow', 'Status: Check'],
      ['red', 'Status: Not working'],
      ['red', 'Status: Not working'],
      ['off', 'Status: Off'],
    ]);
    const crm = within(card('https://old-crm.example.net/api/webhook'));
    expect(crm.getByTestId('endpoint-state')).toHaveTextContent('Disabled by Switchboard');
    expect(crm.getByTestId('endpoint-disabled-reason')).toHaveTextContent(`Disabled by Switchboard: ${GONE_REASON}`);
    expect(crm.getByTestId('toggle-endpoint')).toHaveTextContent('Enable');

    const pms = within(card('https://pms.riverside-vet.example/webhooks/switchboard'));
    expect(pms.getByTestId('endpoint-success-rate')).toHaveTextContent(/^100%/);
    expect(pms.getByTestId('endpoint-pending')).toHaveTextContent('2');
    expect(pms.getByTestId('endpoint-events')).toHaveTextContent('All events');
    expect(pms.getByTestId('endpoint-headers')).toHaveTextContent('Authorization');
    expect(pms.queryByTestId('endpoint-action')).not.toBeInTheDocument();

    const reminders = within(card('https://hooks.remindly.example.com/clinic/4412'));
    expect(reminders.getByTestId('endpoint-retrying')).toHaveTextContent('4');
    expect(reminders.getByTestId('endpoint-reason')).toHaveTextContent('4 deliveries failed and will be retried.');
    expect(reminders.getByTestId('endpoint-action')).toHaveTextContent('Check the receiver');

    const lab = within(card('http://192.168.1.20:8080/switchboard'));
    expect(lab.getByTestId('endpoint-dead')).toHaveTextContent('2');
    expect(lab.getByTestId('endpoint-connection')).toHaveTextContent('plain HTTP allowed · private/LAN addresses allowed');
    expect(lab.getByTestId('previous-secret')).toHaveTextContent('The previous secret also signs until');
  });

  it('follow the deliveriesChanged event, without polling', async () => {
    const backend = createMockBackend();
    const created = await backend.createEndpoint({ url: 'https://pms.example.com/hooks' });
    await backend.sendEvent({ type: 'test.ping', data: '{}' });
    renderApp({ backend, page: 'webhooks' });
    const c = await screen.findByTestId('endpoint-card');
    expect(c).toHaveAttribute('data-level', 'green');
    const statuses = vi.spyOn(backend, 'endpointStatuses');

    backend.deliverPending(() => MOCK_OUTCOMES.http500);

    await waitFor(() => expect(screen.getByTestId('endpoint-card')).toHaveAttribute('data-level', 'yellow'), { timeout: 2000 });
    expect(within(screen.getByTestId('endpoint-card')).getByTestId('endpoint-retrying')).toHaveTextContent('1');
    expect(within(screen.getByTestId('endpoint-card')).getByTestId('endpoint-success-rate')).toHaveTextContent('0%');
    expect(statuses).toHaveBeenCalledTimes(1);
    expect(created.status).toBe('ok');
  });

  it('disable, enable, and remove after a confirmation', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({}, { webhooks: { endpoints: [{ endpoint: mockEndpoint({ id: 'ep_1', description: 'PMS' }) }], deliveries: [] } });
    renderApp({ backend, page: 'webhooks' });
    const c = await screen.findByTestId('endpoint-card');
    await user.click(within(c).getByTestId('toggle-endpoint'));
    await waitFor(() => expect(screen.getByTestId('endpoint-card')).toHaveAttribute('data-enabled', 'false'));
    await waitFor(() => expect(screen.getByTestId('endpoint-card')).toHaveAttribute('data-level', 'off'));
    expect(within(screen.getByTestId('endpoint-card')).getByTestId('endpoint-state')).toHaveTextContent('Disabled');
    await user.click(within(screen.getByTestId('endpoint-card')).getByTestId('toggle-endpoint'));
    await waitFor(() => expect(screen.getByTestId('endpoint-card')).toHaveAttribute('data-enabled', 'true'));

    await user.click(within(screen.getByTestId('endpoint-card')).getByTestId('remove-endpoint'));
    const dialog = screen.getByTestId('confirm-dialog');
    expect(dialog).toHaveTextContent('Remove “PMS”?');
    expect(dialog).toHaveTextContent('Its entries in the Delivery log are deleted too');
    expect(within(dialog).getByTestId('confirm-cancel')).toHaveFocus();
    await user.click(within(dialog).getByTestId('confirm-cancel'));
    expect(screen.getByTestId('endpoint-card')).toBeInTheDocument();

    await user.click(within(screen.getByTestId('endpoint-card')).getByTestId('remove-endpoint'));
    await user.click(screen.getByTestId('confirm-remove'));
    expect(await screen.findByTestId('webhooks-empty')).toBeInTheDocument();
    expect(screen.getByTestId('form-success')).toHaveTextContent('Removed “PMS”.');
    expect(await backend.listEndpoints()).toEqual({ status: 'ok', data: [] });
  });

  it('edit sends only what changed with the revision, and keeps stored header values unless replaced', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend(
      {},
      { webhooks: { endpoints: [{ endpoint: mockEndpoint({ id: 'ep_1', headerNames: ['Authorization'], revision: 4 }) }], deliveries: [] } },
    );
    const update = vi.spyOn(backend, 'updateEndpoint');
    renderApp({ backend, page: 'webhooks' });
    await user.click(await screen.findByTestId('edit-endpoint'));
    expect(field('url')).toHaveValue('https://pms.example.com/webhooks/switchboard');
    expect(screen.getByTestId('stored-header')).toHaveTextContent('Authorization: •••••••• stored, not shown');

    await user.click(screen.getByTestId('save-endpoint'));
    expect(screen.getByTestId('form-unchanged')).toBeInTheDocument();
    expect(update).not.toHaveBeenCalled();

    await user.type(field('description'), 'Practice management');
    await user.click(screen.getByTestId('save-endpoint'));
    await screen.findByTestId('form-success');
    expect(update).toHaveBeenLastCalledWith('ep_1', { expectedRevision: 4, description: 'Practice management' });

    await user.click(screen.getByTestId('edit-endpoint'));
    await user.click(screen.getByTestId('replace-headers'));
    expect(screen.getByTestId('header-name')).toHaveValue('Authorization');
    expect(screen.getByTestId('header-value')).toHaveValue('');
    await user.type(screen.getByTestId('header-value'), 'Bearer new');
    await user.click(screen.getByTestId('save-endpoint'));
    await screen.findByTestId('form-success');
    expect(update).toHaveBeenLastCalledWith('ep_1', { expectedRevision: 5, headers: { Authorization: 'Bearer new' } });
    expect(document.body.innerHTML).not.toContain('Bearer new');
  });
});

describe('rotating a secret', () => {
  it('asks first, then shows the new secret once with the 24-hour overlap', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({}, { webhooks: { endpoints: [{ endpoint: mockEndpoint({ id: 'ep_1', description: 'PMS' }) }], deliveries: [] } });
    const rotate = vi.spyOn(backend, 'rotateEndpointSecret');
    renderApp({ backend, page: 'webhooks' });
    await user.click(await screen.findByTestId('rotate-secret'));
    const dialog = screen.getByTestId('confirm-dialog');
    expect(dialog).toHaveTextContent('keeps signing alongside the new one for 24 hours');
    expect(rotate).not.toHaveBeenCalled();
    await user.click(within(dialog).getByTestId('confirm-rotate'));

    const panel = await screen.findByTestId('secret-once');
    const answer = await rotate.mock.results[0]?.value;
    const secret = answer.status === 'ok' ? (answer.data as string) : 'none';
    expect(panel).toHaveAttribute('data-kind', 'rotated');
    expect(within(panel).getByTestId('secret-value')).toHaveValue(secret);
    expect(within(panel).getByTestId('secret-grace')).toHaveTextContent('The old secret keeps signing alongside the new one until');
    expect(within(screen.getByTestId('endpoint-card')).getByTestId('previous-secret')).toBeInTheDocument();

    await user.click(within(panel).getByTestId('close-secret'));
    expect(document.body.innerHTML).not.toContain(secret);
  });
});

describe('send test event', () => {
  it('queues a test.ping, shows its event id and links to its deliveries', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({}, { webhooks: sampleWebhooks() });
    const send = vi.spyOn(backend, 'sendEvent');
    const { router } = renderApp({ backend, page: 'webhooks' });
    await waitFor(() => expect(screen.getAllByTestId('endpoint-card')).toHaveLength(5));
    await user.click(within(card('http://192.168.1.20:8080/switchboard')).getByTestId('send-test-event'));

    const dialog = screen.getByTestId('send-test-dialog');
    expect(within(dialog).getByTestId('test-event-type')).toHaveValue('test.ping');
    expect(within(dialog).getByTestId('test-event-type')).toHaveFocus();
    // test.ping goes to every enabled endpoint that receives it: the PMS receives everything.
    expect(within(dialog).getByTestId('test-event-recipients')).toHaveTextContent('Also delivered to 1 other endpoint that receives test.ping: Practice management system.');

    await user.click(within(dialog).getByTestId('send-test-submit'));
    const result = await within(dialog).findByTestId('test-event-result');
    const answer = await send.mock.results[0]?.value;
    const eventId = answer.status === 'ok' ? (answer.data.eventId as string) : 'none';
    expect(eventId).toMatch(/^evt_/);
    expect(within(result).getByTestId('test-event-id')).toHaveTextContent(eventId);
    expect(result).toHaveTextContent('Queued 2 deliveries.');

    await user.click(within(result).getByTestId('test-event-deliveries'));
    expect(screen.queryByTestId('send-test-dialog')).not.toBeInTheDocument();
    expect(router.current).toBe('delivery-log');
    expect(router.item).toBe(`event=${eventId}`);
    await waitFor(() => expect(screen.getAllByTestId('delivery-row')).toHaveLength(2));
  });

  it('sends a sample of another type with the data as edited, and checks the JSON first', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({}, { webhooks: { endpoints: [{ endpoint: mockEndpoint({ id: 'ep_1' }) }], deliveries: [] } });
    const send = vi.spyOn(backend, 'sendEvent');
    renderApp({ backend, page: 'webhooks' });
    await user.click(await screen.findByTestId('send-test-event'));
    await user.selectOptions(screen.getByTestId('test-event-type'), 'invoice.paid');
    const data = screen.getByTestId<HTMLTextAreaElement>('test-event-data');
    // The catalogue's example for the type, marked as a test.
    expect(JSON.parse(data.value)).toMatchObject({ invoice_id: 'inv_5001', amount: '84.50', test: true });

    await user.clear(data);
    await user.type(data, '{{"invoiceId": "inv_9"');
    await user.click(screen.getByTestId('send-test-submit'));
    expect(await screen.findByTestId('error-data')).toHaveTextContent('This is not valid JSON');
    expect(send).not.toHaveBeenCalled();

    await user.type(data, '}');
    await user.click(screen.getByTestId('send-test-submit'));
    await screen.findByTestId('test-event-result');
    expect(send).toHaveBeenCalledWith({ type: 'invoice.paid', data: '{"invoiceId": "inv_9"}' });
    expect(screen.getByTestId('test-event-result')).toHaveTextContent('Queued 1 delivery.');

    // Data of the wrong type is refused as core refuses it, naming the JSON path under the data.
    await user.clear(data);
    await user.type(data, '{{"amount": 84.5}');
    await user.click(screen.getByTestId('send-test-submit'));
    expect(await screen.findByTestId('error-data')).toHaveTextContent('data.amount');
  });

  it('warns when the endpoint does not receive the chosen type', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend({}, { webhooks: { endpoints: [{ endpoint: mockEndpoint({ id: 'ep_1', eventTypes: ['invoice.paid'] }) }], deliveries: [] } });
    renderApp({ backend, page: 'webhooks' });
    await user.click(await screen.findByTestId('send-test-event'));
    expect(screen.getByTestId('test-event-type')).toHaveValue('invoice.paid');
    await user.selectOptions(screen.getByTestId('test-event-type'), 'test.ping');
    expect(screen.getByTestId('test-event-not-subscribed')).toHaveTextContent('This endpoint does not receive test.ping');
    await user.click(screen.getByTestId('send-test-submit'));
    expect(await screen.findByTestId('test-event-result')).toHaveTextContent('no enabled endpoint receives test.ping, so nothing was queued');
    expect(screen.queryByTestId('test-event-deliveries')).not.toBeInTheDocument();
  });
});

describe('Webhooks › Event types', () => {
  it('shows every type of the catalogue with its fields, what the sync rules need, and its example', async () => {
    const user = userEvent.setup();
    const backend = createMockBackend();
    const catalogue = vi.spyOn(backend, 'listEventCatalogue');
    renderApp({ backend, page: 'webhooks' });
    await user.click(await screen.findByTestId('show-event-types'));
    const list = await screen.findByTestId('event-types');
    expect(catalogue).toHaveBeenCalled();
    const types = within(list).getAllByTestId('event-type').map((t) => t.dataset.type);
    expect(types).toContain('lab.completed');
    expect(types).toContain('invoice.created');

    const invoice = within(list).getAllByTestId('event-type').find((t) => t.dataset.type === 'invoice.created') as HTMLElement;
    await user.click(within(invoice).getByText('invoice.created'));
    const amount = within(invoice).getAllByTestId('event-field').find((r) => r.dataset.path === 'lines[].amount') as HTMLElement;
    expect(amount).toHaveTextContent('amount ("150.00")');
    expect(within(amount).getByTestId('field-needed')).toHaveTextContent('needed');
    const number = within(invoice).getAllByTestId('event-field').find((r) => r.dataset.path === 'number') as HTMLElement;
    expect(within(number).queryByTestId('field-needed')).toBeNull();
    expect(JSON.parse(within(invoice).getByTestId('event-example').textContent ?? '')).toMatchObject({ total: '84.50' });

    await user.click(screen.getByTestId('back-to-list'));
    expect(await screen.findByTestId('add-endpoint')).toBeInTheDocument();
  });
});
