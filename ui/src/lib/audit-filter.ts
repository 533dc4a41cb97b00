// The audit viewer's filter: to and from the route (`#/audit-log/actor=dana&action=user`, so a
// filtered view can be linked to and survives a reload) and to what auditPage is asked for.
import type { AuditFilter, AuditResult } from '../backend';

export const AUDIT_RESULTS: readonly AuditResult[] = ['ok', 'refused', 'failed'];

/** What the filter inputs hold: every field a string, '' for "any". */
export interface AuditFilterValues {
  actor: string;
  /** An action (`integration.update`) or a family (`integration`). */
  action: string;
  /** An object's id or name. */
  object: string;
  result: AuditResult | '';
  /** RFC 3339, or ''. */
  from: string;
  to: string;
}

export const NO_AUDIT_FILTER: AuditFilterValues = { actor: '', action: '', object: '', result: '', from: '', to: '' };

const FIELDS = Object.keys(NO_AUDIT_FILTER) as (keyof AuditFilterValues)[];

/** The route item for a filter (null for none): `actor=dana&result=refused`. */
export function itemFromAuditFilter(values: Partial<AuditFilterValues>): string | null {
  const params = new URLSearchParams();
  for (const field of FIELDS) {
    const value = values[field]?.trim();
    if (value) params.set(field, value);
  }
  const text = params.toString();
  return text === '' ? null : text;
}

/** The filter a route item asks for; unknown keys and results are ignored. */
export function auditFilterFromItem(item: string | null): AuditFilterValues {
  const values = { ...NO_AUDIT_FILTER };
  if (!item) return values;
  const params = new URLSearchParams(item);
  for (const field of FIELDS) {
    const value = params.get(field)?.trim() ?? '';
    if (field === 'result') values.result = (AUDIT_RESULTS as readonly string[]).includes(value) ? (value as AuditResult) : '';
    else values[field] = value;
  }
  return values;
}

/** What auditPage and exportAudit are asked for: only what is set. */
export function toAuditFilter(values: AuditFilterValues): AuditFilter {
  const filter: AuditFilter = {};
  if (values.actor.trim()) filter.actor = values.actor.trim();
  if (values.action.trim()) filter.action = values.action.trim();
  if (values.object.trim()) filter.object = values.object.trim();
  if (values.result) filter.result = values.result;
  if (values.from) filter.from = values.from;
  if (values.to) filter.to = values.to;
  return filter;
}

export function sameAuditFilter(a: AuditFilterValues, b: AuditFilterValues): boolean {
  return FIELDS.every((k) => a[k].trim() === b[k].trim());
}

export function isAuditFiltered(values: AuditFilterValues): boolean {
  return !sameAuditFilter(values, NO_AUDIT_FILTER);
}
