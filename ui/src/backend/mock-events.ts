// The mock's check of event data against core's catalogue (`check_data` in crates/domain): the
// field types come from the generated domain export, the value shapes are the JSON Schema's
// patterns exported with it; domain.test.ts holds this code to core's verdicts on every case.
import { domain } from './domain';
import type { FieldInfo } from './types';

/** A value at a JSON path that breaks the catalogue. */
export interface PathIssue {
  path: string;
  message: string;
}

const values = domain.eventValues;
const CURRENCIES: ReadonlySet<string> = new Set(values.currencies);
const MONEY = new RegExp(values.moneyPattern);
const QUANTITY = new RegExp(values.quantityPattern);
const DATE_TIME = new RegExp(values.dateTimePattern);
const DATE = new RegExp(values.datePattern);
const PHONE = new RegExp(values.phonePattern);

function validDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const at = new Date(Date.UTC(y, m - 1, d));
  return at.getUTCFullYear() === y && at.getUTCMonth() === m - 1 && at.getUTCDate() === d;
}

function validDateTime(s: string): boolean {
  if (!DATE_TIME.test(s) || !validDate(s.slice(0, 10))) return false;
  const [h, min, sec] = s.slice(11, 19).split(':').map(Number) as [number, number, number];
  const offset = s.endsWith('Z') ? [0, 0] : s.slice(-5).split(':').map(Number);
  return h <= 23 && min <= 59 && sec <= 59 && (offset[0] ?? 0) <= 23 && (offset[1] ?? 0) <= 59;
}

const isInteger = (v: unknown) => typeof v === 'number' && Number.isInteger(v);

/** Whether `v` has the field's type (containers: whether it is an object / array). */
function hasType(type: string, v: unknown, field: FieldInfo): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'integer':
      return isInteger(v);
    case 'money':
      return typeof v === 'string' && MONEY.test(v);
    case 'currency':
      return typeof v === 'string' && CURRENCIES.has(v);
    case 'date-time':
      return typeof v === 'string' && validDateTime(v);
    case 'date':
      return typeof v === 'string' && validDate(v);
    case 'phone':
      return typeof v === 'string' && PHONE.test(v);
    case 'quantity':
      return isInteger(v) || (typeof v === 'string' && QUANTITY.test(v));
    case 'enum':
      return typeof v === 'string' && field.values.includes(v);
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    default:
      return true;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields directly under `prefix` (`""`, `"patient."`, `"lines[]."`). */
function childrenOf(fields: readonly FieldInfo[], prefix: string): FieldInfo[] {
  return fields.filter((f) => f.path.startsWith(prefix) && !/[.[]/.test(f.path.slice(prefix.length)));
}

function checkObject(fields: readonly FieldInfo[], prefix: string, object: Record<string, unknown>, at: string, out: PathIssue[]) {
  for (const field of childrenOf(fields, prefix)) {
    const name = field.path.slice(prefix.length);
    if (!(name in object)) continue;
    const value = object[name];
    const path = `${at}.${name}`;
    if (!hasType(field.type, value, field)) {
      out.push({ path, message: `must be ${field.type === 'array' ? 'an array of objects' : `a valid ${field.type}`}` });
      continue;
    }
    if (field.type === 'object') checkObject(fields, `${field.path}.`, value as Record<string, unknown>, path, out);
    if (field.type === 'array') {
      (value as unknown[]).forEach((item, i) => {
        if (isObject(item)) checkObject(fields, `${field.path}[].`, item, `${path}[${i}]`, out);
        else out.push({ path: `${path}[${i}]`, message: 'must be an object' });
      });
    }
  }
}

/** Core's `check_data`: the issues with `data` for `type`, empty when it passes. */
export function checkEventData(type: string, data: unknown): PathIssue[] {
  const spec = domain.eventCatalogue.find((t) => t.type === type);
  if (!spec) return [{ path: 'type', message: `“${type}” is not an event type` }];
  if (!isObject(data)) return [{ path: 'data', message: 'must be a JSON object' }];
  const out: PathIssue[] = [];
  checkObject(spec.fields, '', data, 'data', out);
  return out;
}
