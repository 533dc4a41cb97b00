import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { createMockBackend } from '../backend/mock';
import { sampleAudit, type AuditEntry } from '../backend/mock-audit';
import { AUDIT_ROW_HEIGHT } from '../components/AuditTable.svelte';
import { renderApp } from './render-app';

const NOW = Date.now();

function backendWith(audit: AuditEntry[] = sampleAudit(NOW)) {
  return createMockBackend({}, { audit });
}

async function openAudit(backend = backendWith(), item: string | null = null) {
  const rendered = renderApp({ backend, route: { page: 'audit-log', item } });
  await screen.findByTestId('audit-page');
  return rendered;
}

function auditRow(seq: number): HTMLElement {
  const found = screen.queryAllByTestId('audit-row').find((r) => r.dataset.seq === String(seq));
  if (!found) throw new Error(`row ${seq} is not shown`);
  return found;
}

const seqs = () => screen.queryAllByTestId('audit-row').map((r) => Number(r.dataset.seq));

describe('the audit log page', () => {
  it('shows who did what to which object, the changes (secrets by name only) and the result, newest first', async () => {
    await openAudit();
    await waitFor(() => expect(seqs().length).toBe(16));
    expect(seqs()).toEqual([...seqs()].sort((a, b) => b - a));

    // The Square update: a value change and a replaced secret.
    const square = within(auditRow(7));
    expect(square.getByTestId('audit-actor')).toHaveTextContent('maria');
    expect(square.getByTestId('audit-action')).toHaveTextContent('integration.update');
    expect(square.getByTestId('audit-object')).toHaveTextContent('Card payments');
    expect(square.getByTestId('audit-object')).toHaveTextContent('integration');
    expect(square.getByTestId('audit-changes')).toHaveTextContent('environment: production → sandbox; access_token (secret): replaced');
    expect(square.getByTestId('audit-result')).toHaveTextContent('OK');

    // The front desk's refused change, with core's reason.
    const refused = within(auditRow(12));
    expect(refused.getByTestId('audit-result')).toHaveTextContent('Refused');
    expect(refused.getByTestId('audit-result')).toHaveAttribute('data-result', 'refused');
    expect(refused.getByTestId('audit-changes')).toHaveTextContent('Only a practice manager or an admin can change the configuration.');
    // A failed sign-in, by Switchboard's sign-in screen.
    expect(within(auditRow(10)).getByTestId('audit-actor')).toHaveTextContent('Switchboard (app)');
    expect(within(auditRow(10)).getByTestId('audit-result')).toHaveTextContent('Failed');
  });

  it('filters by who, action family, object and result, and keeps the filter in the route', async () => {
    const user = userEvent.setup();
    const backend = backendWith();
    const auditPage = vi.spyOn(backend, 'auditPage');
    const { router } = await openAudit(backend);
    await waitFor(() => expect(seqs().length).toBe(16));

    const actions = within(screen.getByTestId('audit-filter-action')).getAllByRole('option').map((o) => o.getAttribute('value'));
    expect(actions).toEqual(expect.arrayContaining(['integration', 'session', 'user', 'user.create', 'integration.update']));

    await user.selectOptions(screen.getByTestId('audit-filter-actor'), 'maria');
    await waitFor(() => expect(seqs()).toEqual([15, 9, 8, 7, 6, 5]));
    await user.selectOptions(screen.getByTestId('audit-filter-action'), 'integration');
    await waitFor(() => expect(seqs()).toEqual([7, 6]));
    expect(router.item).toBe('actor=maria&action=integration');
    expect(auditPage).toHaveBeenLastCalledWith({ actor: 'maria', action: 'integration' }, null, 100);

    await user.click(screen.getByTestId('audit-filter-clear'));
    await waitFor(() => expect(seqs().length).toBe(16));
    await user.type(screen.getByTestId('audit-filter-object'), 'front desk sms');
    await waitFor(() => expect(seqs()).toEqual([6]));
    await user.clear(screen.getByTestId('audit-filter-object'));
    await user.selectOptions(screen.getByTestId('audit-filter-result'), 'refused');
    await waitFor(() => expect(seqs()).toEqual([12]));
  });

  it('filters by time, as local date-times sent in UTC', async () => {
    const backend = backendWith();
    const auditPage = vi.spyOn(backend, 'auditPage');
    await openAudit(backend);
    await waitFor(() => expect(seqs().length).toBe(16));
    fireEvent.change(screen.getByTestId('audit-filter-from'), { target: { value: '2026-01-02T09:30' } });
    await waitFor(() =>
      expect(auditPage).toHaveBeenLastCalledWith({ from: new Date('2026-01-02T09:30').toISOString().replace('.000Z', 'Z') }, null, 100),
    );
  });

  it('opens with the filter in its address', async () => {
    await openAudit(backendWith(), 'actor=sam&result=refused');
    await waitFor(() => expect(seqs()).toEqual([12]));
    expect(screen.getByTestId('audit-filter-actor')).toHaveValue('sam');
    expect(screen.getByTestId('audit-filter-result')).toHaveValue('refused');
  });

  it('keeps only the rows in view, and reads older pages by seq as it scrolls', async () => {
    const entries: AuditEntry[] = Array.from({ length: 450 }, (_, i) => ({
      at: new Date(NOW - (450 - i) * 60_000).toISOString(),
      actor: 'dana',
      action: 'session.login',
      objectType: 'user',
    }));
    const backend = backendWith(entries);
    const auditPage = vi.spyOn(backend, 'auditPage');
    await openAudit(backend);
    const table = await screen.findByTestId('audit-table');
    await waitFor(() => expect(Number(table.dataset.rows)).toBeGreaterThanOrEqual(100));
    expect(auditPage).toHaveBeenCalledTimes(1);
    expect(auditPage).toHaveBeenCalledWith({}, null, 100);
    expect(screen.getAllByTestId('audit-row').length).toBeLessThan(40);

    // Near the end of what is loaded, the next page is read: the rows before the last one shown.
    const viewport = screen.getByTestId('audit-viewport');
    viewport.scrollTop = 440 * AUDIT_ROW_HEIGHT;
    fireEvent.scroll(viewport);
    await waitFor(() => expect(auditPage).toHaveBeenCalledWith({}, 351, 100));
    await waitFor(() => expect(table.dataset.rows).toBe('450'));
    expect(seqs()).toContain(1);
    expect(screen.getByTestId('audit-table-foot')).toHaveTextContent('All 450 rows shown.');
  });

  it('says when there is nothing yet, and when nothing matches', async () => {
    const user = userEvent.setup();
    await openAudit(backendWith([]));
    expect(await screen.findByTestId('audit-empty')).toHaveTextContent('No audit records yet');
    await user.click(screen.getByTestId('audit-verify'));
    // Verifying is recorded too: the log now has that row.
    await waitFor(() => expect(seqs()).toEqual([1]));
    await user.selectOptions(screen.getByTestId('audit-filter-result'), 'refused');
    expect(await screen.findByTestId('audit-no-match')).toBeInTheDocument();
  });

  it('verifies the chain: green when intact, red naming the row when not', async () => {
    const user = userEvent.setup();
    const backend = backendWith();
    await openAudit(backend);

    await user.click(screen.getByTestId('audit-verify'));
    const ok = await screen.findByTestId('audit-verify-result');
    expect(ok).toHaveAttribute('data-ok', 'true');
    expect(ok).toHaveTextContent('All 16 audit rows are intact.');

    backend.audit.tamper(4);
    await user.click(screen.getByTestId('audit-verify'));
    await waitFor(() => expect(screen.getByTestId('audit-verify-result')).toHaveAttribute('data-ok', 'false'));
    expect(screen.getByTestId('audit-verify-result')).toHaveTextContent('Audit row 4 was changed after it was written.');
  });

  it('exports what the filter shows, with the chain check, and says where', async () => {
    const user = userEvent.setup();
    const backend = backendWith();
    const exportAudit = vi.spyOn(backend, 'exportAudit');
    await openAudit(backend, 'action=user');
    await waitFor(() => expect(seqs()).toEqual([14, 4, 3, 2]));

    await user.click(screen.getByTestId('audit-export-csv'));
    const result = await screen.findByTestId('audit-export-result');
    expect(exportAudit).toHaveBeenCalledWith({ action: 'user' }, 'csv');
    expect(result).toHaveTextContent(/^Saved 4 rows to \/home\/frontdesk\/Downloads\/switchboard-audit-.+\.csv — chain intact/);

    backend.audit.tamper(2, 'deleted');
    await user.click(screen.getByTestId('audit-export-json'));
    await waitFor(() => expect(screen.getByTestId('audit-export-result')).toHaveAttribute('data-ok', 'false'));
    expect(screen.getByTestId('audit-export-result')).toHaveTextContent(
      /\.json — chain broken: Audit row 2 is missing: it was deleted \(the next row is 3\)\./,
    );
  });
});
