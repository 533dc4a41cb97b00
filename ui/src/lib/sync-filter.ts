// The sync log's filter: to and from the route (`#/sync-log/integration=int_1&status=dead`, so a
// card can link to its integration's log) and to the backend's JobFilter.
import type { JobFilter, JobStatus, SyncRule } from '../backend';
import { JOB_STATUSES, SYNC_RULES } from './sync-text';

/** What the filter inputs hold: every field a string, '' for "any". */
export interface SyncFilterValues {
  integrationId: string;
  status: JobStatus | '';
  rule: SyncRule | '';
  search: string;
}

export const NO_SYNC_FILTER: SyncFilterValues = { integrationId: '', status: '', rule: '', search: '' };

const KEYS: Record<keyof SyncFilterValues, string> = {
  integrationId: 'integration',
  status: 'status',
  rule: 'rule',
  search: 'q',
};

/** The route item for a filter (null for none): `integration=int_1&status=dead`. */
export function syncItemFromFilter(values: Partial<SyncFilterValues>): string | null {
  const params = new URLSearchParams();
  for (const [field, key] of Object.entries(KEYS) as [keyof SyncFilterValues, string][]) {
    const value = values[field]?.trim();
    if (value) params.set(key, value);
  }
  const text = params.toString();
  return text === '' ? null : text;
}

/** The filter a route item asks for; unknown keys, statuses and rules are ignored. */
export function syncFilterFromItem(item: string | null): SyncFilterValues {
  const values = { ...NO_SYNC_FILTER };
  if (!item) return values;
  const params = new URLSearchParams(item);
  const get = (field: keyof SyncFilterValues) => params.get(KEYS[field])?.trim() ?? '';
  values.integrationId = get('integrationId');
  values.search = get('search');
  const status = get('status');
  values.status = JOB_STATUSES.some((s) => s.status === status) ? (status as JobStatus) : '';
  const rule = get('rule');
  values.rule = SYNC_RULES.some((r) => r.rule === rule) ? (rule as SyncRule) : '';
  return values;
}

/** What listSyncJobs is asked for: only what is set. */
export function toJobFilter(values: SyncFilterValues): JobFilter {
  const filter: JobFilter = {};
  if (values.integrationId) filter.integrationId = values.integrationId;
  if (values.status) filter.status = values.status;
  if (values.rule) filter.rule = values.rule;
  if (values.search.trim()) filter.search = values.search.trim();
  return filter;
}

export function sameSyncFilter(a: SyncFilterValues, b: SyncFilterValues): boolean {
  return (Object.keys(KEYS) as (keyof SyncFilterValues)[]).every((k) => a[k].trim() === b[k].trim());
}

export function isSyncFiltered(values: SyncFilterValues): boolean {
  return !sameSyncFilter(values, NO_SYNC_FILTER);
}
