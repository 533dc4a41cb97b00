// The endpoint form's values, and what it sends: a draft for a new endpoint, a patch with only
// what changed for an existing one. Pure, so it is tested on its own. Core is the authority on
// validation; `localIssues` only catches what core cannot see (a header row without a name, the
// same name twice, a timeout that is not a number).
import type { Endpoint, EndpointDraft, EndpointPatch, Scheme } from '../backend';
import { receivesAll } from './webhook-text';

export interface HeaderRow {
  /** Stable across edits, for the row's key. */
  key: number;
  name: string;
  value: string;
}

export interface EndpointFormValues {
  url: string;
  description: string;
  allEvents: boolean;
  eventTypes: string[];
  scheme: Scheme;
  /** Editing: false while the stored custom headers are kept as they are. */
  replaceHeaders: boolean;
  headers: HeaderRow[];
  /** A number input: null while empty or not a number. */
  timeoutSecs: number | null;
  allowHttp: boolean;
  allowPrivate: boolean;
  /** Adding: use a secret the receiver already has instead of a generated one. */
  ownSecret: boolean;
  secret: string;
}

/** The form's field names, as core names them in its validation errors. */
export const ENDPOINT_FIELDS = ['url', 'description', 'event_types', 'scheme', 'secret', 'headers', 'timeout_secs', 'allow_http', 'allow_private'] as const;
export type EndpointField = (typeof ENDPOINT_FIELDS)[number];

export const FIELD_LABELS: Record<string, string> = {
  url: 'URL',
  description: 'Description',
  event_types: 'Events',
  scheme: 'Signing scheme',
  secret: 'Existing secret',
  headers: 'Custom headers',
  timeout_secs: 'Timeout',
  allow_http: 'Allow plain HTTP',
  allow_private: 'Allow private/LAN addresses',
};

export const DEFAULT_TIMEOUT_SECS = 30;

let nextKey = 1;
export function headerRow(name = '', value = ''): HeaderRow {
  return { key: nextKey++, name, value };
}

export function blankEndpointForm(): EndpointFormValues {
  return {
    url: '',
    description: '',
    allEvents: true,
    eventTypes: [],
    scheme: 'standard_webhooks',
    replaceHeaders: true,
    headers: [],
    timeoutSecs: DEFAULT_TIMEOUT_SECS,
    allowHttp: false,
    allowPrivate: false,
    ownSecret: false,
    secret: '',
  };
}

export function formFromEndpoint(endpoint: Endpoint): EndpointFormValues {
  const all = receivesAll(endpoint.eventTypes);
  return {
    url: endpoint.url,
    description: endpoint.description,
    allEvents: all,
    eventTypes: all ? [] : [...endpoint.eventTypes],
    scheme: endpoint.scheme,
    replaceHeaders: false,
    headers: endpoint.headerNames.map((name) => headerRow(name, '')),
    timeoutSecs: endpoint.timeoutSecs,
    allowHttp: endpoint.allowHttp,
    allowPrivate: endpoint.allowPrivate,
    ownSecret: false,
    secret: '',
  };
}

/** The rows that say something (a row left completely empty is ignored). */
function filledHeaders(form: EndpointFormValues): HeaderRow[] {
  return form.headers.filter((h) => h.name.trim() !== '' || h.value !== '');
}

function headerMap(form: EndpointFormValues): Record<string, string> {
  return Object.fromEntries(filledHeaders(form).map((h) => [h.name.trim(), h.value]));
}

function selectedTypes(form: EndpointFormValues): string[] {
  return form.allEvents ? ['*'] : [...form.eventTypes].sort();
}

/** Problems only the form can see, by field. */
export function localIssues(form: EndpointFormValues): Partial<Record<EndpointField, string>> {
  const issues: Partial<Record<EndpointField, string>> = {};
  if (!form.allEvents && form.eventTypes.length === 0) {
    issues.event_types = 'Choose at least one event, or All events.';
  }
  if (form.replaceHeaders) {
    const rows = filledHeaders(form);
    const unnamed = rows.find((h) => h.name.trim() === '');
    const names = rows.map((h) => h.name.trim().toLowerCase());
    const twice = names.find((n, i) => n !== '' && names.indexOf(n) !== i);
    if (unnamed) issues.headers = 'Every custom header needs a name.';
    else if (twice) issues.headers = `The header “${twice}” is listed twice.`;
  }
  if (form.timeoutSecs === null || !Number.isInteger(form.timeoutSecs)) {
    issues.timeout_secs = 'Enter a whole number of seconds, from 1 to 60.';
  }
  if (form.ownSecret && form.secret.trim() === '') {
    issues.secret = 'Paste the secret the receiving system already uses, or let Switchboard make one.';
  }
  return issues;
}

export function toEndpointDraft(form: EndpointFormValues): EndpointDraft {
  const draft: EndpointDraft = {
    url: form.url.trim(),
    description: form.description.trim(),
    eventTypes: selectedTypes(form),
    scheme: form.scheme,
    headers: headerMap(form),
    timeoutSecs: form.timeoutSecs ?? DEFAULT_TIMEOUT_SECS,
    allowHttp: form.allowHttp,
    allowPrivate: form.allowPrivate,
  };
  if (form.ownSecret && form.secret.trim() !== '') draft.secret = form.secret.trim();
  return draft;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Only what changed, with the revision the form started from. */
export function toEndpointPatch(stored: Endpoint, form: EndpointFormValues): EndpointPatch {
  const patch: EndpointPatch = { expectedRevision: stored.revision };
  if (form.url.trim() !== stored.url) patch.url = form.url.trim();
  if (form.description.trim() !== stored.description) patch.description = form.description.trim();
  const types = selectedTypes(form);
  const storedTypes = receivesAll(stored.eventTypes) ? ['*'] : [...stored.eventTypes].sort();
  if (!sameList(types, storedTypes)) patch.eventTypes = types;
  if (form.scheme !== stored.scheme) patch.scheme = form.scheme;
  if (form.replaceHeaders) patch.headers = headerMap(form);
  if (form.timeoutSecs !== null && form.timeoutSecs !== stored.timeoutSecs) patch.timeoutSecs = form.timeoutSecs;
  if (form.allowHttp !== stored.allowHttp) patch.allowHttp = form.allowHttp;
  if (form.allowPrivate !== stored.allowPrivate) patch.allowPrivate = form.allowPrivate;
  return patch;
}

export function patchChangesSomething(patch: EndpointPatch): boolean {
  return Object.keys(patch).some((k) => k !== 'expectedRevision');
}
