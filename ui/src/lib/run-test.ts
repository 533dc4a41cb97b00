import { tick } from 'svelte';
import type { StatusesState } from './statuses.svelte';

/**
 * "Test now" or "Retry": runs the test, then, if focus was lost meanwhile (the pressed button was
 * disabled or removed), puts it on the result so a keyboard user lands on what happened.
 */
export async function runTest(
  statuses: StatusesState,
  id: string,
  resultElement: () => HTMLElement | undefined,
): Promise<void> {
  await statuses.test(id);
  await tick();
  const active = document.activeElement;
  if (active && active !== document.body) return;
  const result = resultElement();
  result?.focus({ preventScroll: true });
  result?.scrollIntoView?.({ block: 'nearest' });
}
