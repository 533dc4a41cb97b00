// How audit rows read: who (a person, or Switchboard itself), the kinds of action, the changes
// (secret fields by name and what happened, never a value), and the result in words.
import type { AuditResult, FieldChange } from '../backend';
import { formatActor } from './format';

export const AUDIT_RESULT_LABELS: Record<AuditResult, string> = {
  ok: 'OK',
  refused: 'Refused',
  failed: 'Failed',
};

/** `dana`; `system:checks` → "Switchboard (checks)"; `api:Kiosk` → "API key “Kiosk”". */
export function actorText(actor: string): string {
  if (actor.startsWith('system:')) return `Switchboard (${actor.slice('system:'.length)})`;
  if (actor.startsWith('api:')) return `API key “${actor.slice('api:'.length)}”`;
  return formatActor(actor);
}

const FAMILY_LABELS: Record<string, string> = {
  api_key: 'API keys',
  audit: 'The audit log',
  delivery: 'Deliveries',
  delivery_log: 'The delivery log',
  endpoint: 'Webhook endpoints',
  event: 'Events',
  integration: 'Integrations',
  session: 'Sign-ins and locks',
  settings: 'Settings',
  status: 'Status views',
  user: 'Users',
};

export function familyLabel(family: string): string {
  return FAMILY_LABELS[family] ?? family;
}

/**
 * The action filter's choices: each family (`integration`, every `integration.*`) and each
 * action. Core reads a filter without a dot as a family, so an action without one (`setup`)
 * cannot be chosen on its own.
 */
export function actionChoices(actions: readonly string[]): { families: string[]; actions: string[] } {
  const dotted = actions.filter((a) => a.includes('.'));
  const families = [...new Set(dotted.map((a) => a.slice(0, a.indexOf('.'))))].sort();
  return { families, actions: [...dotted].sort() };
}

/** One change: "role: manager → admin", "password (secret): replaced", "sender: +1555…". */
export function changeText(change: FieldChange): string {
  if (change.secret) return `${change.field} (secret): ${change.to ?? 'changed'}`;
  const from = change.from ?? null;
  const to = change.to ?? null;
  if (from !== null && to !== null) return `${change.field}: ${from} → ${to}`;
  if (to !== null) return `${change.field}: ${to}`;
  if (from !== null) return `${change.field}: ${from} → (none)`;
  return change.field;
}

/** Every change of a row, on one line. */
export function changesText(changes: readonly FieldChange[]): string {
  return changes.map(changeText).join('; ');
}
