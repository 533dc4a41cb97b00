// The delivery log's filter: to and from the route (`#/delivery-log/endpoint=ep_1&status=dead`,
// so other pages can link to a filtered log) and to and from the date inputs.
import type { DeliveryFilter, DeliveryStatus } from '../backend';
import { DELIVERY_STATUSES } from './webhook-text';

/** What the filter inputs hold: every field a string, '' for "any". */
export interface FilterValues {
  endpointId: string;
  eventType: string;
  status: DeliveryStatus | '';
  /** RFC 3339, or ''. */
  from: string;
  to: string;
  eventId: string;
}

export const NO_FILTER: FilterValues = { endpointId: '', eventType: '', status: '', from: '', to: '', eventId: '' };

const KEYS: Record<keyof FilterValues, string> = {
  endpointId: 'endpoint',
  eventType: 'type',
  status: 'status',
  from: 'from',
  to: 'to',
  eventId: 'event',
};

/** The route item for a filter ('' for none): `endpoint=ep_1&status=dead`. */
export function itemFromFilter(values: Partial<FilterValues>): string | null {
  const params = new URLSearchParams();
  for (const [field, key] of Object.entries(KEYS) as [keyof FilterValues, string][]) {
    const value = values[field]?.trim();
    if (value) params.set(key, value);
  }
  const text = params.toString();
  return text === '' ? null : text;
}

/** The filter a route item asks for; unknown keys and statuses are ignored. */
export function filterFromItem(item: string | null): FilterValues {
  const values = { ...NO_FILTER };
  if (!item) return values;
  const params = new URLSearchParams(item);
  for (const [field, key] of Object.entries(KEYS) as [keyof FilterValues, string][]) {
    const value = params.get(key)?.trim() ?? '';
    if (field === 'status') values.status = (DELIVERY_STATUSES as readonly string[]).includes(value) ? (value as DeliveryStatus) : '';
    else values[field] = value;
  }
  return values;
}

/** What listDeliveries is asked for: only what is set. */
export function toDeliveryFilter(values: FilterValues): DeliveryFilter {
  const filter: DeliveryFilter = {};
  if (values.endpointId) filter.endpointId = values.endpointId;
  if (values.eventType) filter.eventType = values.eventType;
  if (values.status) filter.status = values.status;
  if (values.from) filter.from = values.from;
  if (values.to) filter.to = values.to;
  if (values.eventId.trim()) filter.eventId = values.eventId.trim();
  return filter;
}

export function sameFilter(a: FilterValues, b: FilterValues): boolean {
  return (Object.keys(KEYS) as (keyof FilterValues)[]).every((k) => a[k].trim() === b[k].trim());
}

export function isFiltered(values: FilterValues): boolean {
  return !sameFilter(values, NO_FILTER);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** RFC 3339 → a `datetime-local` input's value, in this computer's time zone. */
export function toLocalInput(iso: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` input's value (local time) → RFC 3339 in UTC; '' when empty or invalid. */
export function fromLocalInput(value: string): string {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().replace('.000Z', 'Z');
}
