// The mock backend's copy of core's form checks (crates/core/src/providers/validate.rs and
// integrations/form.rs): rules that are code, so they cannot be exported as data. domain.test.ts
// runs `checkValue`, `checkName` and `checkBaseUrl` against core's verdict on every sample in
// the export and fails on any disagreement. Nothing in the UI depends on this file.
import type { FieldIssue, FieldSpec, ProviderSpec } from './types';

/** What is checked: a draft, or a patch already laid over the stored integration. */
export interface MockForm {
  name: string;
  environment: string;
  /** `undefined` keeps an already-checked stored URL unchecked (a patch that leaves it alone). */
  baseUrl: string | null | undefined;
  /** Non-secret values: stored or defaulted, overlaid with what was given. */
  values: Record<string, string>;
  /** Only the non-secret values the caller sent (unknown keys are errors). */
  givenValues: Record<string, string>;
  secrets: Record<string, string>;
  existingSecrets: ReadonlySet<string>;
}

export interface MockChecked {
  issues: FieldIssue[];
  name: string;
  environment: string;
  baseUrl: string | null;
  settings: Record<string, string>;
  /** Names of the secret fields set after this save. */
  secretsSet: Set<string>;
}

const TOKEN_PUNCTUATION = '-_.~+/=:';
/** Rust's `char::is_control`: the C0 and C1 control characters. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** The provider's name in core's messages (`provider_name`), shorter than the catalogue's. */
const CREDENTIAL_OWNER: Record<ProviderSpec['provider'], string> = { twilio: 'Twilio', square: 'Square', quickbooks: 'QuickBooks' };
const error = (field: string, message: string): FieldIssue => ({ field, message, severity: 'error' });
const warning = (field: string, message: string): FieldIssue => ({ field, message, severity: 'warning' });

function isActive(field: FieldSpec, values: Record<string, string>): boolean {
  const r = field.requirement;
  return r.kind !== 'required_when' || (values[r.field] ?? '').trim() === r.equals;
}

function isRequired(field: FieldSpec, values: Record<string, string>): boolean {
  const r = field.requirement;
  if (r.kind === 'required') return true;
  if (r.kind === 'optional') return false;
  return (values[r.field] ?? '').trim() === r.equals;
}

export function checkName(raw: string): FieldIssue | null {
  const value = raw.trim();
  if (value === '') return error('name', 'Name is required.');
  if ([...value].length > 80) return error('name', 'Name is too long: at most 80 characters.');
  if (CONTROL.test(value)) {
    return error('name', 'Name must not contain control characters or line breaks.');
  }
  if (/[<>]/.test(value)) return error('name', 'Name must not contain < or >.');
  return null;
}

export function checkBaseUrl(raw: string | null): { value: string | null; issue: FieldIssue | null } {
  const value = (raw ?? '').trim();
  if (value === '') return { value: null, issue: null };
  const fail = (message: string) => ({ value: null, issue: error('base_url', message) });
  if (/\s/.test(value)) return fail('Custom base URL must not contain spaces or control characters.');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('Custom base URL is not a valid URL; it must look like https://api.example.com.');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && !loopback) {
    return fail(
      'Custom base URL must use https://. Plain http:// is only allowed to this computer (localhost or 127.0.0.1).',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return fail('Custom base URL must start with https:// (other schemes are not allowed).');
  }
  if (url.username || url.password) return fail('Custom base URL must not contain a user name or password.');
  if (url.search || url.hash) return fail('Custom base URL must not contain ? or #.');
  return { value: url.href.replace(/\/+$/, ''), issue: null };
}

function checkTwilioSid(label: string, prefix: string, value: string): string | null {
  if (!value.startsWith(prefix)) return `${label} must start with ${prefix}.`;
  if (value.length !== 34) {
    return `${label} must be 34 characters long: ${prefix} followed by 32 hexadecimal digits (it has ${value.length}).`;
  }
  if (!/^[0-9a-fA-F]+$/.test(value.slice(2))) {
    return `${label} may only contain hexadecimal digits (0-9, a-f) after ${prefix}.`;
  }
  return null;
}

/** One present value against its field's rules: the first error, or warnings. */
export function checkValue(spec: ProviderSpec, field: FieldSpec, raw: string): FieldIssue[] {
  const { label, name } = field;
  const value = raw.trim();
  const fail = (message: string) => [error(name, message)];
  if (value === '') return fail(`${label} is required.`);
  if ([...value].length > field.maxLen) return fail(`${label} is too long: at most ${field.maxLen} characters.`);
  if (field.kind.kind === 'sms_template') return checkTemplate(name, value);
  if (CONTROL.test(value)) return fail(`${label} must not contain control characters or line breaks.`);
  if (/[^\x20-\x7e]/.test(value)) {
    return fail(`${label} must contain only plain ASCII characters (no accents or symbols).`);
  }
  if (/\s/.test(value)) return fail(`${label} must not contain spaces.`);
  const kind = field.kind;
  switch (kind.kind) {
    case 'twilio_sid': {
      const problem = checkTwilioSid(label, kind.prefix, value);
      return problem ? fail(problem) : [];
    }
    case 'twilio_sender': {
      if (value.startsWith('MG')) {
        const problem = checkTwilioSid(label, 'MG', value);
        return problem ? fail(problem) : [];
      }
      if (!/^\+[1-9]\d{1,14}$/.test(value)) {
        return fail(
          `${label} must be a phone number in international form, + then the country code and number, up to 15 digits (e.g. +15551234567), or a Messaging Service SID starting with MG.`,
        );
      }
      return [];
    }
    case 'token': {
      const bad = [...value].find((c) => !/[A-Za-z0-9]/.test(c) && !TOKEN_PUNCTUATION.includes(c));
      if (bad !== undefined) {
        return fail(
          `${label} contains '${bad}', which never appears in a ${CREDENTIAL_OWNER[spec.provider]} credential; it may only contain letters, digits and ${TOKEN_PUNCTUATION}.`,
        );
      }
      if (value.length < 2) return fail(`${label} is too short.`);
      if (spec.provider === 'twilio' && name === 'auth_token' && !/^[0-9a-fA-F]{32}$/.test(value)) {
        return [
          warning(
            name,
            'Twilio Auth Tokens are usually 32 hexadecimal characters. Check that you copied all of it; you can still save.',
          ),
        ];
      }
      if (spec.provider === 'square' && name === 'access_token' && !value.startsWith('EAA')) {
        return [
          warning(
            name,
            'Square access tokens usually start with EAA. Check that this is the access token, not the application ID or secret; you can still save.',
          ),
        ];
      }
      return [];
    }
    case 'square_location_id':
      return /^[A-Za-z0-9]+$/.test(value) ? [] : fail(`${label} may only contain letters and digits.`);
    case 'api_version_date': {
      const date = new Date(`${value}T00:00:00Z`);
      const ok = /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(date.getTime()) &&
        date.toISOString().startsWith(value);
      return ok ? [] : fail(`${label} must be a date written YYYY-MM-DD, e.g. 2026-08-19.`);
    }
    case 'digits':
      return /^\d+$/.test(value) ? [] : fail(`${label} must contain digits only.`);
    case 'choice':
      return kind.options.some((o) => o.value === value)
        ? []
        : fail(`${label} must be one of: ${kind.options.map((o) => o.value).join(', ')}.`);
    case 'time_of_day': {
      const m = /^(\d\d):(\d\d)$/.exec(value);
      return m && Number(m[1]) < 24 && Number(m[2]) < 60
        ? []
        : fail(`${label} must be a time written HH:MM, e.g. 21:00.`);
    }
    case 'time_zone':
      return isTimeZone(value)
        ? []
        : fail(
            `“${value}” is not a time zone name. Use an IANA name such as America/New_York or Europe/London.`,
          );
    case 'number': {
      const n = /^\d+$/.test(value) ? Number(value) : NaN;
      return n >= kind.min && n <= kind.max
        ? []
        : fail(`${label} must be a whole number from ${kind.min} to ${kind.max}.`);
    }
  }
}

/** Whether the browser's tz database knows the IANA name (core asks jiff's). */
function isTimeZone(name: string): boolean {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone === name;
  } catch {
    return false;
  }
}

export const PLACEHOLDERS = ['clinic_name', 'pet_name', 'owner_name', 'date', 'time', 'vet_name'];
// GSM 03.38: the basic table (one septet) and the extension table (two).
export const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
export const GSM_EXTENSION = '\f^{}\\[~]|€';

/** A text template, as core's `sms::Template::parse` and `warnings` check it. */
export function checkTemplate(field: string, text: string): FieldIssue[] {
  if (text.trim() === '') return [error(field, 'Write the text to send.')];
  const unknown: string[] = [];
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if ((c === '{' || c === '}') && chars[i + 1] === c) {
      i++;
      continue;
    }
    if (c !== '{') continue;
    const close = chars.indexOf('}', i + 1);
    if (close < 0) {
      return [error(field, 'A { has no closing }. Write placeholders like {pet_name}, or {{ for a brace.')];
    }
    const name = chars.slice(i + 1, close).join('');
    if (!PLACEHOLDERS.includes(name)) unknown.push(`{${name}}`);
    i = close;
  }
  if (unknown.length > 0) {
    return [
      error(
        field,
        `Unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}. Use ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}.`,
      ),
    ];
  }
  if (chars.length > 1600) return [error(field, 'A text can be at most 1600 characters.')];
  const odd = chars.filter((c) => !GSM_BASIC.includes(c) && !GSM_EXTENSION.includes(c));
  if (odd.length === 0) return [];
  const shown = odd.filter((c, i) => i === 0 || odd[i - 1] !== c).slice(0, 5);
  return [
    warning(
      field,
      `${shown.map((c) => `“${c}”`).join(', ')} is not in the GSM-7 alphabet, so each text is sent as UCS-2 (70 characters per segment instead of 160).`,
    ),
  ];
}

/** Every issue with a form, errors first, and the values that would be stored. */
export function checkForm(spec: ProviderSpec, form: MockForm): MockChecked {
  const issues: FieldIssue[] = [];
  const nameIssue = checkName(form.name);
  if (nameIssue) issues.push(nameIssue);
  const environment = form.environment.trim();
  if (!spec.environments.some((e) => e.name === environment)) {
    issues.push(
      error('environment', `Environment must be one of: ${spec.environments.map((e) => e.name).join(', ')}.`),
    );
  }
  let baseUrl: string | null = null;
  if (form.baseUrl !== undefined) {
    const checked = checkBaseUrl(form.baseUrl);
    if (checked.issue) issues.push(checked.issue);
    baseUrl = checked.value;
  }

  const fieldNamed = (name: string) => spec.fields.find((f) => f.name === name);
  for (const key of Object.keys(form.givenValues)) {
    const field = fieldNamed(key);
    if (!field) issues.push(error(key, `“${key}” is not a ${spec.name} setting.`));
    else if (field.secret) {
      issues.push(error(key, `${field.label} is a secret: enter it in its secret field so it goes to the keychain.`));
    }
  }
  for (const key of Object.keys(form.secrets)) {
    const field = fieldNamed(key);
    if (!field) issues.push(error(key, `“${key}” is not a ${spec.name} setting.`));
    else if (!field.secret) issues.push(error(key, `${field.label} is not a secret; enter it as a normal value.`));
  }

  const settings: Record<string, string> = {};
  const secretsSet = new Set<string>();
  for (const field of spec.fields) {
    if (!isActive(field, form.values)) continue;
    const given = field.secret ? (form.secrets[field.name] ?? '') : (form.values[field.name] ?? '');
    if (given.trim() !== '') {
      const found = checkValue(spec, field, given);
      issues.push(...found);
      if (!found.some((i) => i.severity === 'error')) {
        if (field.secret) secretsSet.add(field.name);
        else settings[field.name] = given.trim();
      }
    } else if (field.secret && form.existingSecrets.has(field.name)) {
      secretsSet.add(field.name);
    } else if (isRequired(field, form.values)) {
      issues.push(error(field.name, `${field.label} is required.`));
    }
  }
  issues.sort((a, b) => Number(a.severity !== 'error') - Number(b.severity !== 'error'));
  return { issues, name: form.name.trim(), environment, baseUrl, settings, secretsSet };
}
