// Sample data for "Send test event": the catalogue's example `data` for each type (core's one
// copy, from `listEventCatalogue`). Only the `data` part; core wraps it in the envelope
// ({id, event, timestamp, data}) and signs the bytes.
import type { EventTypeInfo } from '../backend';

/** Pretty-printed sample data for an event type; marked as a test so receivers can ignore it. */
export function sampleData(catalogue: readonly EventTypeInfo[], type: string): string {
  const example = catalogue.find((t) => t.type === type)?.example;
  let sample: Record<string, unknown> = {};
  try {
    const parsed: unknown = example ? JSON.parse(example) : {};
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) sample = parsed as Record<string, unknown>;
  } catch {
    // An example that is not JSON cannot happen (core's tests parse each); an empty sample will do.
  }
  const marked = type === 'test.ping' ? sample : { ...sample, test: true };
  return JSON.stringify(marked, null, 2);
}
