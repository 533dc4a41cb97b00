// The mock's commands for the sync rules' settings: the QuickBooks company's Items, Accounts and
// PaymentMethods for the dropdowns, the SMS preview with its segment count, and the opt-out list.
// A stand-in for core's (crates/core/src/sync/mod.rs `quickbooks_choices`, `preview_sms`,
// `sms_opt_outs`, `add_sms_opt_out`, `clear_sms_opt_out`; crates/domain/src/sms/segments.rs and
// phone.rs); core is the authority.
import type { AppError, Commands, Integration, OptOut, QuickbooksChoices, Result, SmsPreview } from './types';
import type { MockAuditLog } from './mock-audit';
import { checkTemplate, GSM_BASIC, GSM_EXTENSION } from './mock-validation';

type RuleCommands = Pick<Commands, 'quickbooksChoices' | 'previewSms' | 'smsOptOuts' | 'addSmsOptOut' | 'clearSmsOptOut'>;

/** A number on the opt-out list, as core stores it (E.164, unmasked). */
export interface MockOptOut {
  phone: string;
  since: string;
  /** `twilio:21610`, or the user who added it. */
  source: string;
}

export interface MockRulesSeed {
  optOuts?: MockOptOut[];
  /** What QuickBooks answers for the dropdowns, or the reason it cannot be reached. */
  quickbooks?: QuickbooksChoices | { unreachable: string };
}

export interface RuleControls {
  /** What QuickBooks answers from now on (the reason it cannot be reached, or its lists). */
  setQuickbooksChoices(choices: QuickbooksChoices | { unreachable: string }): void;
}

interface Helpers {
  actor: () => string;
  answer: <T>(value: T) => Promise<T>;
  audit: MockAuditLog;
  integration: (idOrName: string) => Integration | undefined;
  clinicName: () => string | null;
  seed?: MockRulesSeed;
}

const ok = <T>(data: T): Result<T, AppError> => ({ status: 'ok', data });
const fail = <T = never>(code: AppError['code'], message: string, field: string | null = null): Result<T, AppError> => ({
  status: 'error',
  error: { code, message, field },
});

/** Core's `phone::e164`: separators dropped, + and 8 to 15 digits not starting with 0. */
export function e164(field: string, raw: string): { value: string } | { field: string; message: string } {
  const number = raw.trim().replace(/[ \-.()]/g, '');
  const digits = number.startsWith('+') ? number.slice(1) : null;
  if (digits !== null && digits.length >= 8 && digits.length <= 15 && /^\d+$/.test(digits) && !digits.startsWith('0')) {
    return { value: number };
  }
  return {
    field,
    message: 'Enter the number in international form, starting with + and the country code (+15551234567).',
  };
}

/** Core's `phone::mask`: `…2345`. */
export function maskPhone(number: string): string {
  const digits = number.replace(/\D/g, '');
  return `…${digits.slice(-4)}`;
}

/** Core's `sms::segments::count`: GSM-7 (extension characters take two septets) or UCS-2. */
export function countSegments(text: string): { encoding: 'GSM-7' | 'UCS-2'; characters: number; units: number; segments: number } {
  const chars = [...text];
  const gsm = chars.map((c) => (GSM_BASIC.includes(c) ? 1 : GSM_EXTENSION.includes(c) ? 2 : null));
  const isGsm = gsm.every((w) => w !== null);
  const encoding = isGsm ? 'GSM-7' : 'UCS-2';
  const widths = isGsm ? (gsm as number[]) : chars.map((c) => c.length);
  const [single, perPart] = isGsm ? [160, 153] : [70, 67];
  const units = widths.reduce((a, b) => a + b, 0);
  let segments = 0;
  if (units > 0 && units <= single) segments = 1;
  else if (units > single) {
    segments = 1;
    let used = 0;
    for (const w of widths) {
      if (used + w > perPart) {
        segments += 1;
        used = 0;
      }
      used += w;
    }
  }
  return { encoding, characters: chars.length, units, segments };
}

/** Core's `Template::render` with the preview's sample appointment (tomorrow, this time). */
export function renderSample(template: string, clinicName: string, start: Date = new Date(Date.now() + 24 * 3_600_000)): string {
  // Intl may put a narrow no-break space before AM/PM; core's strftime writes a plain one.
  const time = start.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' }).replace(/\s/g, ' ');
  const date = start.toLocaleDateString('en-US', { weekday: 'long', month: 'long', day: 'numeric' });
  const values: Record<string, string> = {
    clinic_name: clinicName,
    pet_name: 'Rex',
    owner_name: 'Jane Doe',
    vet_name: 'Dr. Ortiz',
    date,
    time,
  };
  return template.replace(/\{\{|\}\}|\{([a-z_]+)\}/g, (whole, name: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    return values[name ?? ''] ?? whole;
  });
}

/** What the preview's QuickBooks sandbox company has. */
export function sampleQuickbooksChoices(): QuickbooksChoices {
  return {
    items: [
      { Id: '1', Name: 'Services', kind: 'Service', Active: true },
      { Id: '19', Name: 'Veterinary services', kind: 'Service', Active: true },
      { Id: '20', Name: 'Pet food and supplies', kind: 'NonInventory', Active: true },
      { Id: '21', Name: 'Clinic fees', kind: 'Service', Active: true },
    ],
    accounts: [
      { Id: '35', Name: 'Checking', kind: 'Bank', Active: true },
      { Id: '4', Name: 'Undeposited Funds', kind: 'Other Current Asset', Active: true },
      { Id: '79', Name: 'Sales of Product Income', kind: 'Income', Active: true },
      { Id: '33', Name: 'Accounts Payable (A/P)', kind: 'Accounts Payable', Active: true },
    ],
    paymentMethods: [
      { Id: '1', Name: 'Cash', kind: 'NON_CREDIT_CARD', Active: true },
      { Id: '2', Name: 'Check', kind: 'NON_CREDIT_CARD', Active: true },
      { Id: '3', Name: 'Visa', kind: 'CREDIT_CARD', Active: true },
      { Id: '4', Name: 'MasterCard', kind: 'CREDIT_CARD', Active: true },
    ],
  };
}

export function createRuleCommands({ actor, answer, audit, integration, clinicName, seed }: Helpers): {
  commands: RuleCommands;
  controls: RuleControls;
} {
  /** rowid → entry, as core's table. */
  const optOuts = new Map<number, MockOptOut>();
  let nextId = 1;
  for (const o of seed?.optOuts ?? []) optOuts.set(nextId++, structuredClone(o));
  let quickbooks = structuredClone(seed?.quickbooks ?? sampleQuickbooksChoices());

  const record = (phone: string, added: boolean) => {
    const masked = maskPhone(phone);
    audit.append({
      actor: actor(),
      action: 'opt_out.change',
      objectType: 'opt_out',
      objectId: masked,
      objectLabel: masked,
      changes: [{ field: 'opted_out', secret: false, from: String(!added), to: String(added) }],
    });
  };

  const commands: RuleCommands = {
    async quickbooksChoices(integrationId: string) {
      const i = integration(integrationId);
      if (!i) return answer(fail('not_found', `The integration “${integrationId.trim()}” was not found.`));
      if (i.provider !== 'quickbooks') return answer(fail('validation', `${i.name} is not a QuickBooks integration.`, 'integration'));
      if ('unreachable' in quickbooks) return answer(fail('provider', quickbooks.unreachable));
      return answer(ok(quickbooks));
    },

    async previewSms(field: string, template: string) {
      const issues = checkTemplate(field, template);
      const broken = issues.some((i) => i.severity === 'error' && !i.message.startsWith('A text can be at most'));
      const text = broken ? template : renderSample(template, clinicName() ?? 'Your clinic');
      const count = countSegments(text);
      const preview: SmsPreview = { text, encoding: count.encoding, characters: count.characters, segments: count.segments, issues };
      return answer(ok(preview));
    },

    async smsOptOuts() {
      const rows: OptOut[] = [...optOuts.entries()]
        .sort(([, a], [, b]) => Date.parse(b.since) - Date.parse(a.since))
        .map(([id, o]) => ({ id: String(id), phone: maskPhone(o.phone), since: o.since, source: o.source }));
      return answer(ok(rows));
    },

    async addSmsOptOut(phone: string) {
      const checked = e164('phone', phone);
      if (!('value' in checked)) return answer(fail('validation', checked.message, checked.field));
      if ([...optOuts.values()].some((o) => o.phone === checked.value)) {
        return answer(fail('conflict', 'That number is already on the opt-out list.'));
      }
      optOuts.set(nextId++, { phone: checked.value, since: new Date().toISOString(), source: actor() });
      record(checked.value, true);
      return answer(ok(null));
    },

    async clearSmsOptOut(id: string) {
      const trimmed = id.trim();
      if (!/^-?\d+$/.test(trimmed)) return answer(fail('validation', 'Not an opt-out entry.', 'id'));
      const entry = optOuts.get(Number(trimmed));
      if (!entry) return answer(fail('not_found', `Opt-out entry ${id} was not found`));
      optOuts.delete(Number(trimmed));
      record(entry.phone, false);
      return answer(ok(null));
    },
  };

  const controls: RuleControls = {
    setQuickbooksChoices(choices) {
      quickbooks = structuredClone(choices);
    },
  };
  return { commands, controls };
}

/** The preview's opt-out list: one owner replied STOP, one asked at the desk. */
export function sampleOptOuts(now: number = Date.now()): MockOptOut[] {
  return [
    { phone: '+15550133321', since: new Date(now - 140 * 60_000).toISOString(), source: 'twilio:21610' },
    { phone: '+15550118842', since: new Date(now - 3 * 86_400_000).toISOString(), source: 'maria' },
  ];
}
