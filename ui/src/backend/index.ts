// The one door to the backend for the rest of the UI.
import { createMockBackend, sampleIntegrations, sampleTests } from './mock';
import { sampleApiKeys, sampleApiKeyUses } from './mock-api-keys';
import { sampleAudit } from './mock-audit';
import { sampleSync } from './mock-sync';
import { sampleOptOuts } from './mock-rules';
import { SAMPLE_PASSWORD } from './mock-users';
import { sampleWebhooks } from './mock-webhooks';
import { tauriBackend } from './tauri';
import type { Backend } from './types';

export type * from './types';
export { settle, settleValue, toAppError, type Settled } from './result';

/** `tauri` inside the app window; `preview` when the page is opened in a plain browser. */
export type BackendKind = 'tauri' | 'preview';

export interface SelectedBackend {
  backend: Backend;
  kind: BackendKind;
  /** The preview's sample accounts, for its sign-in screen. */
  signInHint?: string;
}

const PREVIEW_SIGN_IN_HINT = `Browser preview with sample data: sign in as dana (admin), maria (manager) or sam (front desk), password “${SAMPLE_PASSWORD}”.`;

/**
 * Picks the real backend inside Tauri's webview, else the in-memory mock. The preview starts with
 * sample integrations and test history (one of each status) and sample webhook endpoints (one of
 * each level) with their delivery log (every status), or with none when the address has `?empty`
 * (to see the empty states); `?many` adds 10,000 older deliveries and 5,000 older audit rows. Its
 * connection tests take a second and a half; queued deliveries are attempted two seconds after
 * they are queued.
 *
 * It starts signed in as the sample admin (so everything shows), as the first sample user with
 * another role given by `?as=manager` or `?as=front_desk`, with the screen locked with `?locked`,
 * signed out with `?signedout`, or at first-run setup (no users, nothing stored) with `?setup`.
 */
export function selectBackend(win: Window = window): SelectedBackend {
  if ('__TAURI_INTERNALS__' in win) return { backend: tauriBackend, kind: 'tauri' };
  const params = new URLSearchParams(win.location.search);
  const setup = params.has('setup');
  const empty = setup || params.has('empty');
  const many = params.has('many');
  const session = setup
    ? { users: [], signedIn: null }
    : { signedIn: params.has('signedout') ? null : (params.get('as') ?? 'admin'), locked: params.has('locked') };
  const backend = createMockBackend(
    {},
    empty
      ? { ...session, latencyMs: 150, workerDelayMs: 2000 }
      : {
          ...session,
          integrations: sampleIntegrations(),
          tests: sampleTests(),
          webhooks: sampleWebhooks(Date.now(), many ? 10_000 : 0),
          sync: sampleSync(),
          rules: { optOuts: sampleOptOuts() },
          apiKeys: sampleApiKeys(),
          apiKeyUses: sampleApiKeyUses(),
          audit: sampleAudit(Date.now(), many ? 5_000 : 0),
          settings: { clinicName: 'Riverside Veterinary Clinic' },
          latencyMs: 150,
          testLatencyMs: 1500,
          workerDelayMs: 2000,
        },
  );
  return { backend, kind: 'preview', signInHint: PREVIEW_SIGN_IN_HINT };
}
