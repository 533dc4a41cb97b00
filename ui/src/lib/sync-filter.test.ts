import { describe, expect, it } from 'vitest';
import { NO_SYNC_FILTER, syncFilterFromItem, syncItemFromFilter, toJobFilter } from './sync-filter';
import { canAcknowledge, canRetry, canSkip, jobStatusLabel, syncCountsText } from './sync-text';

describe('the sync log filter', () => {
  it('goes to and from the route item, dropping what is unset and ignoring unknown statuses and rules', () => {
    const item = syncItemFromFilter({ integrationId: 'int_1', status: 'dead', rule: 'invoices', search: ' VET-1042 ' });
    expect(item).toBe('integration=int_1&status=dead&rule=invoices&q=VET-1042');
    expect(syncFilterFromItem(item)).toEqual({ integrationId: 'int_1', status: 'dead', rule: 'invoices', search: 'VET-1042' });
    expect(syncItemFromFilter(NO_SYNC_FILTER)).toBeNull();
    expect(syncFilterFromItem('status=paused&rule=invoice&q=x')).toEqual({ ...NO_SYNC_FILTER, search: 'x' });
    expect(toJobFilter({ ...NO_SYNC_FILTER, search: '   ' })).toEqual({});
    expect(toJobFilter({ integrationId: 'int_1', status: '', rule: 'payments_in', search: 'a' })).toEqual({ integrationId: 'int_1', rule: 'payments_in', search: 'a' });
  });
});

describe('sync words and actions', () => {
  it('uses core’s words and core’s states for Retry, Skip and Acknowledge', () => {
    expect(jobStatusLabel('succeeded')).toBe('Synced');
    expect(jobStatusLabel('dead')).toBe('Failed');
    expect(canRetry({ status: 'skipped' })).toBe(true);
    expect(canRetry({ status: 'succeeded' })).toBe(false);
    expect(canSkip({ status: 'scheduled' })).toBe(true);
    expect(canSkip({ status: 'cancelled' })).toBe(false);
    expect(canAcknowledge({ status: 'dead', acknowledged: false })).toBe(true);
    expect(canAcknowledge({ status: 'dead', acknowledged: true })).toBe(false);
    expect(canAcknowledge({ status: 'retrying', acknowledged: false })).toBe(false);
    expect(
      syncCountsText({ integrationId: 'i', rulesOn: 1, syncedToday: 12, waiting: 2, retrying: 1, failed: 1, skippedToday: 0, latestFailure: null }),
    ).toBe('Synced today 12 · Waiting 3 · Failed 1');
  });
});
