// What an integration form holds and what it sends, derived from the provider's spec alone: no
// provider is special-cased here. Core is the authority on validation; these helpers only decide
// which fields are shown and which values go into a draft or a patch.
import type {
  FieldIssue,
  FieldSpec,
  Integration,
  IntegrationDraft,
  IntegrationPatch,
  ProviderSpec,
} from '../backend';
import { isSyncField } from '../backend/domain';

/** Issue field names for the parts of the form that are not spec fields. */
export const NAME_FIELD = 'name';
export const ENVIRONMENT_FIELD = 'environment';
export const BASE_URL_FIELD = 'base_url';

/** Everything the user can type or choose, as typed (never trimmed: what they see is kept). */
export interface FormValues {
  name: string;
  environment: string;
  baseUrl: string;
  /** Non-secret spec fields by name. */
  values: Record<string, string>;
  /** Secret spec fields by name; empty means "not given" (on edit: keep the stored one). */
  secrets: Record<string, string>;
}

type Values = Readonly<Record<string, string>>;

/** Whether a field takes part in the form, given the other values (mirrors core's rule). */
export function isActive(field: FieldSpec, values: Values): boolean {
  const r = field.requirement;
  return r.kind !== 'required_when' || (values[r.field] ?? '').trim() === r.equals;
}

/** Whether a field must have a value, given the other values. */
export function isRequired(field: FieldSpec, values: Values): boolean {
  const r = field.requirement;
  if (r.kind === 'required') return true;
  if (r.kind === 'optional') return false;
  return (values[r.field] ?? '').trim() === r.equals;
}

/**
 * The spec fields shown right now, in spec order. A sync rule's settings (templates, quiet
 * hours…) are not the connection's: they are edited under the rule, on the integration's page.
 */
export function activeFields(spec: ProviderSpec, values: Values): FieldSpec[] {
  return spec.fields.filter((f) => isActive(f, values) && !isSyncField(spec.provider, f.name));
}

/** The order in which a form shows its fields; the first invalid one in it gets focus. */
export function fieldOrder(spec: ProviderSpec, values: Values): string[] {
  return [NAME_FIELD, ENVIRONMENT_FIELD, ...activeFields(spec, values).map((f) => f.name), BASE_URL_FIELD];
}

/** The label a form shows for an issue's field. */
export function fieldLabel(spec: ProviderSpec, field: string): string {
  if (field === NAME_FIELD) return 'Display name';
  if (field === ENVIRONMENT_FIELD) return 'Environment';
  if (field === BASE_URL_FIELD) return 'Custom base URL';
  return spec.fields.find((f) => f.name === field)?.label ?? field;
}

/** A blank form for a new integration: spec defaults, first environment, a free name. */
export function blankForm(spec: ProviderSpec, takenNames: readonly string[] = []): FormValues {
  const taken = new Set(takenNames.map((n) => n.trim().toLowerCase()));
  const values: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const field of spec.fields) {
    if (field.secret) secrets[field.name] = '';
    else values[field.name] = field.default ?? '';
  }
  return {
    name: taken.has(spec.name.toLowerCase()) ? '' : spec.name,
    environment: spec.environments[0]?.name ?? '',
    baseUrl: '',
    values,
    secrets,
  };
}

/** A form showing a stored integration: its settings, and no secret (they are never returned). */
export function formFrom(spec: ProviderSpec, integration: Integration): FormValues {
  const values: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const field of spec.fields) {
    if (field.secret) secrets[field.name] = '';
    else values[field.name] = integration.settings[field.name] ?? '';
  }
  return {
    name: integration.name,
    environment: integration.environment,
    baseUrl: integration.baseUrl ?? '',
    values,
    secrets,
  };
}

/** The secrets typed into fields that are shown; empty ones are left out. */
function givenSecrets(spec: ProviderSpec, form: FormValues): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const field of activeFields(spec, form.values)) {
    const value = form.secrets[field.name] ?? '';
    if (field.secret && value.trim() !== '') secrets[field.name] = value;
  }
  return secrets;
}

/** What a new integration's form submits. Fields that are hidden are not sent. */
export function toDraft(spec: ProviderSpec, form: FormValues): IntegrationDraft {
  const values: Record<string, string> = {};
  for (const field of activeFields(spec, form.values)) {
    if (!field.secret) values[field.name] = form.values[field.name] ?? '';
  }
  const draft: IntegrationDraft = {
    provider: spec.provider,
    name: form.name,
    environment: form.environment,
    values,
    secrets: givenSecrets(spec, form),
  };
  if (form.baseUrl.trim() !== '') draft.baseUrl = form.baseUrl;
  return draft;
}

/**
 * What an edit submits: only what differs from the stored integration, the revision the form was
 * opened at, and only the secrets typed in (an empty one keeps the stored secret).
 */
export function toPatch(spec: ProviderSpec, stored: Integration, form: FormValues): IntegrationPatch {
  const patch: IntegrationPatch = { expectedRevision: stored.revision };
  if (form.name !== stored.name) patch.name = form.name;
  if (form.environment !== stored.environment) patch.environment = form.environment;
  // An emptied custom base URL is sent as "" — that is how core removes it.
  if (form.baseUrl.trim() !== (stored.baseUrl ?? '')) patch.baseUrl = form.baseUrl.trim();
  const values: Record<string, string> = {};
  for (const field of activeFields(spec, form.values)) {
    if (field.secret) continue;
    const value = form.values[field.name] ?? '';
    if (value !== (stored.settings[field.name] ?? '')) values[field.name] = value;
  }
  if (Object.keys(values).length > 0) patch.values = values;
  const secrets = givenSecrets(spec, form);
  if (Object.keys(secrets).length > 0) patch.secrets = secrets;
  return patch;
}

/** Whether a patch would change anything at all. */
export function patchChangesSomething(patch: IntegrationPatch): boolean {
  return Object.keys(patch).some((key) => key !== 'expectedRevision');
}

/** Stored secrets whose field would no longer be used, so saving removes them (core does). */
export function secretsDroppedBySave(spec: ProviderSpec, stored: Integration, form: FormValues): FieldSpec[] {
  const set = new Set(stored.secrets.filter((s) => s.set).map((s) => s.field));
  return spec.fields.filter((f) => f.secret && set.has(f.name) && !isActive(f, form.values));
}

/** The labels of what a provider asks for by default, e.g. "Account SID, Auth Token and Send from". */
export function whatYouNeed(spec: ProviderSpec): string {
  const form = blankForm(spec);
  const labels = activeFields(spec, form.values)
    .filter((f) => f.kind.kind !== 'choice' && f.default === null && isRequired(f, form.values))
    .map((f) => f.label);
  if (labels.length <= 1) return labels.join('');
  return `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
}

/** The first issue of a severity for a field. */
export function issueFor(issues: readonly FieldIssue[], field: string, severity: FieldIssue['severity']) {
  return issues.find((i) => i.field === field && i.severity === severity) ?? null;
}
