import type { IntegrationStatus, Level, OutcomeKind, Provider, TestRecord } from '../backend';

/** The status badge's words; the colour is only a second cue. */
export const LEVEL_LABELS: Record<Level, string> = {
  green: 'Working',
  yellow: 'Check',
  red: 'Not working',
  off: 'Off',
};

/** A connection test's outcome in a few words, for the test history. */
export const OUTCOME_LABELS: Record<OutcomeKind, string> = {
  ok: 'Passed',
  credentials_rejected: 'Credentials rejected',
  permission_missing: 'Permission missing',
  account_suspended: 'Account suspended or closed',
  not_found: 'Not found',
  rate_limited: 'Too many requests',
  provider_error: 'Problem at the provider',
  unreachable: 'Could not connect',
  unexpected_response: 'Unexpected answer',
  missing_secret: 'Secret missing',
  keychain_unavailable: 'Keychain unavailable',
};

/** How people call each provider in a sentence ("Square said: …"). */
export const PROVIDER_NAMES: Record<Provider, string> = {
  twilio: 'Twilio',
  square: 'Square',
  quickbooks: 'QuickBooks',
};

/** What the network failure was, for an unreachable provider. */
const ERROR_CLASSES: Record<string, string> = {
  dns: 'the server name did not resolve (DNS)',
  connect: 'the connection was refused or could not be made',
  tls: 'the secure connection failed (TLS)',
  timeout: 'no answer in time (timeout)',
  reset: 'the connection was cut off',
};

/**
 * The provider's own words: "Square said: This request could not be authorized. (UNAUTHORIZED)".
 * Null when the provider gave neither a message nor a code.
 */
export function providerSaid(provider: Provider, test: Pick<TestRecord, 'providerMessage' | 'providerCode'>): string | null {
  const name = PROVIDER_NAMES[provider] ?? provider;
  const message = test.providerMessage?.trim();
  const code = test.providerCode?.trim();
  if (message && code) return `${name} said: ${message} (${code})`;
  if (message) return `${name} said: ${message}`;
  if (code) return `${name} answered with the code ${code}.`;
  return null;
}

/** "No answer in time (timeout)" for an unreachable provider, else null. */
export function networkProblem(test: Pick<TestRecord, 'errorClass'>): string | null {
  if (!test.errorClass) return null;
  const words = ERROR_CLASSES[test.errorClass] ?? test.errorClass;
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "3 working · 1 needs attention · 1 not working · 1 off", leaving out what there is none of. */
export function statusSummary(statuses: readonly Pick<IntegrationStatus, 'level'>[]): string {
  const count = (level: Level) => statuses.filter((s) => s.level === level).length;
  const parts = [
    [count('green'), 'working'],
    [count('yellow'), count('yellow') === 1 ? 'needs attention' : 'need attention'],
    [count('red'), 'not working'],
    [count('off'), 'off'],
  ] as const;
  return parts
    .filter(([n]) => n > 0)
    .map(([n, words]) => `${n} ${words}`)
    .join(' · ');
}
