import { tick } from 'svelte';
import type { AppError } from '../backend';

/**
 * A validation error from the backend about one of a form's `fields`: that field's message, to
 * show under it. Null for anything else, which the form shows as a whole.
 */
export function fieldErrorOf<F extends string>(error: AppError, fields: readonly F[]): Partial<Record<F, string>> | null {
  if (error.code !== 'validation' || error.field === null) return null;
  const field = fields.find((f) => f === error.field);
  return field === undefined ? null : ({ [field]: error.message } as Partial<Record<F, string>>);
}

/** Once the errors are shown: focus the first field marked invalid. */
export async function focusFirstInvalid(form: HTMLElement | undefined): Promise<void> {
  await tick();
  form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}
