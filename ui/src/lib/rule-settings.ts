// What a sync rule's settings panel holds and sends: the rule's catalogue fields (SYNC_RULES in
// domain.ts), their values as stored (or the catalogue default), a patch with only what changed,
// and which QuickBooks list fills each dropdown. Core validates and stores.
import type { FieldSpec, Integration, IntegrationPatch, ProviderSpec, QbChoice, QuickbooksChoices, SyncRule } from '../backend';
import { SYNC_RULES } from '../backend/domain';

/** A rule's settings fields, in catalogue order. */
export function ruleFields(spec: ProviderSpec, rule: SyncRule): FieldSpec[] {
  const names = SYNC_RULES.find((r) => r.rule === rule)?.fields ?? [];
  return spec.fields.filter((f) => names.includes(f.name));
}

/** What each field shows: the stored value, else the catalogue default (what core uses). */
export function ruleValues(fields: readonly FieldSpec[], stored: Integration): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f.name, stored.settings[f.name] ?? f.default ?? '']));
}

/** A patch with only the values that differ from what was shown, and the revision it was shown at. */
export function rulePatch(stored: Integration, initial: Record<string, string>, values: Record<string, string>): IntegrationPatch {
  const changed: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value !== (initial[name] ?? '')) changed[name] = value;
  }
  const patch: IntegrationPatch = { expectedRevision: stored.revision };
  if (Object.keys(changed).length > 0) patch.values = changed;
  return patch;
}

/** Account types money can be deposited to. */
const DEPOSIT_TYPES = ['Bank', 'Other Current Asset'];

/**
 * The QuickBooks list a field picks from (Items for `item_*`, PaymentMethods for
 * `payment_method_*`, Bank and Other Current Asset accounts for `deposit_account`), or null
 * when the field is not a QuickBooks reference.
 */
export function qbListFor(field: string, choices: QuickbooksChoices): QbChoice[] | null {
  if (field.startsWith('item_')) return choices.items;
  if (field.startsWith('payment_method_')) return choices.paymentMethods;
  if (field === 'deposit_account') return choices.accounts.filter((a) => DEPOSIT_TYPES.includes(a.kind ?? ''));
  return null;
}

/** Whether a QuickBooks field takes its value from a dropdown. */
export function isQbReference(field: string): boolean {
  return field.startsWith('item_') || field.startsWith('payment_method_') || field === 'deposit_account';
}
