// An in-memory Backend: used by the unit tests and by the browser preview (the built page opened
// outside the app). It must implement every command; `satisfies Backend` makes svelte-check fail
// when a command is added in Rust but not here.
//
// Integrations live in memory and behave like core's: names are unique, saves bump the revision,
// a stale `expectedRevision` is a conflict, and secrets are never kept — only whether each is set.
//
// Like the app, it has one session (mock-users.ts): every command but the few that need no
// sign-in answers `locked` while nobody is signed in or the screen is locked, and `forbidden`
// when the signed-in user's role does not allow it — both decided by core's command and roles
// tables (domain.ts, generated from Rust); refusals and changes are written to the audit log
// (mock-audit.ts). The provider catalogue and the status rules' data come from there too.
import { createApiKeyCommands, type MockKeyUses } from './mock-api-keys';
import { MockAuditLog, type AuditEntry } from './mock-audit';
import { commandRule, domain, PROVIDERS, TRANSIENT_KINDS, type StatusFacts } from './domain';
import { createUserCommands, sampleUsers, type MockSession, type MockUserSeed, type SessionControls } from './mock-users';
import { createSyncCommands, type MockSyncSeed, type SyncControls } from './mock-sync';
import { createRuleCommands, type MockRulesSeed, type RuleControls } from './mock-rules';
import { checkForm, type MockForm } from './mock-validation';
import { createWebhookCommands, type MockWebhookSeed, type WebhookControls } from './mock-webhooks';
import type {
  ApiKey,
  AppError,
  AppInfo,
  AuditFilter,
  Backend,
  BatchReport,
  CommandName,
  DeliveriesChanged,
  ErrorCode,
  ExportFormat,
  FieldChange,
  FieldIssue,
  Integration,
  IntegrationDraft,
  IntegrationPatch,
  IntegrationStatus,
  MissingSecret,
  Outcome,
  Permission,
  Provider,
  ProviderSpec,
  SquareLocation,
  Result,
  Role,
  SessionChanged,
  Settings,
  SyncChanged,
  SyncReport,
  MessageStatus,
  TestRecord,
  TestRun,
  TestText,
  TestTextRequest,
} from './types';

/** How a mock test text goes: see `MockOptions.testTexts`. */
export type MockTestText =
  | { statuses: MessageStatus[]; errorCode?: string; summary?: string }
  | { refused: string; summary: string };

const MOCK_REFUSALS: Record<string, { refused: string; summary: string }> = {
  '+15005550001': { refused: '21211', summary: 'Twilio refused the number: not a valid phone number (21211)' },
  '+15005550002': { refused: '21612', summary: 'Twilio refused the number: this number cannot be reached from this sender (21612)' },
  '+15005550003': {
    refused: '21408',
    summary: 'Twilio refused the number: texting this country is not enabled on the Twilio account (geographic permissions) (21408)',
  },
  '+15005550004': { refused: '21610', summary: 'Twilio refused the number: the recipient replied STOP to this sender and has opted out (21610)' },
  '+15005550009': { refused: '21614', summary: 'Twilio refused the number: not a mobile number (21614)' },
};

const FINAL_TEXT_STATUSES: MessageStatus[] = ['delivered', 'undelivered', 'failed', 'canceled', 'received', 'read'];

function textSummary(status: MessageStatus, errorCode: string | null, summary?: string): string {
  if (summary) return summary;
  switch (status) {
    case 'delivered':
      return 'Delivered: the phone received the test text.';
    case 'sent':
      return 'Sent: the carrier has it; waiting for the delivery receipt.';
    case 'undelivered':
      return errorCode ? `Not delivered: Twilio code ${errorCode}.` : 'Not delivered: the carrier gave no reason.';
    case 'failed':
      return errorCode ? `Failed: Twilio code ${errorCode}.` : 'Failed: Twilio could not send it.';
    default:
      return `Twilio has the text: ${status}.`;
  }
}

export function ok<T>(data: T): Result<T, AppError> {
  return { status: 'ok', data };
}

export function fail<T = never>(
  code: ErrorCode,
  message: string,
  field: string | null = null,
): Result<T, AppError> {
  return { status: 'error', error: { code, message, field } };
}

export const sampleAppInfo: AppInfo = {
  version: '0.1.0',
  buildKind: 'development',
  dataDir: '/home/frontdesk/.local/share/switchboard-dev',
  databasePath: '/home/frontdesk/.local/share/switchboard-dev/switchboard.sqlite3',
  schemaVersion: 1,
  keychain: { backend: 'secret-service', available: true, message: null },
  clinicName: null,
  services: { runningHere: true, holder: 'the Switchboard app window (pid 4242, since 08:00)' },
};

/** Sample AppInfo with some fields replaced; `keychain` and `services` may be given in part. */
export function mockAppInfo(
  patch: Partial<Omit<AppInfo, 'keychain' | 'services'>> & {
    keychain?: Partial<AppInfo['keychain']>;
    services?: Partial<AppInfo['services']>;
  } = {},
): AppInfo {
  return {
    ...sampleAppInfo,
    ...patch,
    keychain: { ...sampleAppInfo.keychain, ...patch.keychain },
    services: { ...sampleAppInfo.services, ...patch.services },
  };
}

function specOf(provider: Provider, catalog: readonly ProviderSpec[] = PROVIDERS): ProviderSpec {
  const spec = catalog.find((p) => p.provider === provider);
  if (!spec) throw new Error(`no provider spec for ${provider}`);
  return spec;
}

/** The secret states core reports: one per secret field of the provider. */
function secretStates(provider: Provider, set: Iterable<string>): Integration['secrets'] {
  const names = new Set(set);
  return specOf(provider)
    .fields.filter((f) => f.secret)
    .map((f) => ({ field: f.name, set: names.has(f.name) }));
}

/** A stored integration for tests: a valid Twilio one unless told otherwise. */
export function mockIntegration(
  patch: Partial<Omit<Integration, 'secrets'>> & { secretsSet?: string[] } = {},
): Integration {
  const { secretsSet, ...rest } = patch;
  const provider = rest.provider ?? 'twilio';
  const defaults: Record<Provider, Pick<Integration, 'name' | 'environment' | 'settings'> & { set: string[] }> = {
    twilio: {
      name: 'Front desk SMS',
      environment: 'live',
      settings: {
        account_sid: 'AC0123456789abcdef0123456789abcdef',
        auth_method: 'auth_token',
        sender: '+15551234567',
      },
      set: ['auth_token'],
    },
    square: {
      name: 'Card payments',
      environment: 'production',
      settings: { location_id: '18YC4JDH91E1H', square_version: '2026-08-19' },
      set: ['access_token'],
    },
    quickbooks: {
      name: 'Accounting',
      environment: 'production',
      settings: { client_id: 'ABcdEF0123456789', realm_id: '9341453000000001' },
      set: ['client_secret', 'refresh_token'],
    },
  };
  const base = defaults[provider];
  return {
    id: `int_${provider}_sample`,
    provider,
    name: base.name,
    environment: base.environment,
    baseUrl: null,
    settings: base.settings,
    enabled: true,
    revision: 1,
    createdAt: '2026-11-20T09:12:00Z',
    createdBy: 'os:frontdesk',
    updatedAt: '2026-11-20T09:12:00Z',
    updatedBy: 'os:frontdesk',
    ...rest,
    secrets: secretStates(provider, secretsSet ?? base.set),
  };
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Core's `status::compute` and `connect_action`: level, reason, action and the Connect button. */
export function statusFrom(
  f: StatusFacts,
  now: number,
): Pick<IntegrationStatus, 'level' | 'reason' | 'action' | 'connect'> {
  const expired = f.refreshTokenExpiresAt !== null && f.refreshTokenExpiresAt <= now;
  const c = f.connection;
  const connect: IntegrationStatus['connect'] =
    c === null ? null : !c.connected ? 'connect' : c.refreshRefused || expired ? 'reconnect' : null;
  const status = (level: IntegrationStatus['level'], reason: string, action: string) => ({ level, reason, action, connect });
  if (!f.enabled) return status('off', 'Turned off by a user.', 'Enable it on the Integrations page to use it again.');
  if (c !== null && !c.connected) return status('yellow', 'Not connected.', 'Connect');
  if (c !== null && c.refreshRefused) {
    return status(
      'red',
      'The provider refused the saved sign-in (invalid_grant): it expired, was revoked, or was replaced.',
      'Reconnect',
    );
  }
  const last = f.lastTest;
  if (!last) return status('yellow', 'Not tested yet.', 'Press “Test now” to check the connection.');
  if (last.kind !== 'ok') {
    if (!TRANSIENT_KINDS.has(last.kind)) return status('red', last.summary, last.action);
    if (now - (f.failingSince ?? last.at) > DAY_MS) return status('red', `Failing for over a day: ${last.summary}`, last.action);
    return status('yellow', last.summary, last.action);
  }
  const expires = f.refreshTokenExpiresAt;
  if (expires !== null) {
    if (expires <= now) return status('red', 'The refresh token has expired: the connection has ended.', 'Reconnect');
    if (expires - now < 14 * DAY_MS) {
      return status(
        'yellow',
        `The refresh token expires in ${Math.floor((expires - now) / DAY_MS)} days.`,
        'Test the connection (each test renews the token), or reconnect before it expires.',
      );
    }
  }
  if (now - last.at > 2 * f.checkIntervalMs) {
    return status(
      'yellow',
      'The last successful test is out of date.',
      'Press “Test now”; background checks may be paused while the app was closed.',
    );
  }
  return status('green', last.summary, 'Nothing to do.');
}

/** Whether an integration connects through its provider's sign-in page, and is connected. */
export function connectionOf(integration: Integration): StatusFacts['connection'] {
  if (integration.provider === 'twilio') return null;
  const set = new Set(integration.secrets.filter((s) => s.set).map((s) => s.field));
  const connected = set.has('refresh_token') || (integration.provider === 'square' && set.has('access_token'));
  return { connected, refreshRefused: false };
}

/** The Square sample's locations (Square's ListLocations example), both ACTIVE. */
export const MOCK_SQUARE_LOCATIONS: SquareLocation[] = [
  { id: '18YC4JDH91E1H', name: 'Grant Park', businessName: 'Jet Fuel Coffee', status: 'ACTIVE' },
  { id: '3Z4V4WHQK64X9', name: 'Midtown', businessName: 'Jet Fuel Coffee', status: 'ACTIVE' },
];

/** A connection test's outcome for tests: a passed Twilio test unless told otherwise. */
export function mockOutcome(patch: Partial<Outcome> = {}): Outcome {
  return {
    kind: 'ok',
    httpStatus: 200,
    providerCode: null,
    providerMessage: null,
    errorClass: null,
    retryAfterS: null,
    latencyMs: 230,
    summary: 'Connected to the Twilio account “Riverside Vet”.',
    action: 'Nothing to do.',
    ...patch,
  };
}

/** A stored test for tests: `mockOutcome(patch)` at `at` (now unless given). */
export function mockTestRecord(patch: Partial<TestRecord> = {}): TestRecord {
  const { at, ...outcome } = patch;
  return { at: at ?? new Date().toISOString(), ...mockOutcome(outcome) };
}

/** An integration's status as core reports it, for tests: a green Twilio one unless told otherwise. */
export function mockStatus(patch: Partial<IntegrationStatus> = {}): IntegrationStatus {
  const lastTest = patch.lastTest === undefined ? mockTestRecord() : patch.lastTest;
  return {
    integrationId: 'int_twilio_sample',
    name: 'Front desk SMS',
    provider: 'twilio',
    environment: 'live',
    level: 'green',
    reason: lastTest?.summary ?? 'Not tested yet.',
    action: 'Nothing to do.',
    lastCheckedAt: lastTest?.at ?? null,
    lastSuccessAt: lastTest?.kind === 'ok' ? lastTest.at : null,
    connect: null,
    renewBy: null,
    ...patch,
    lastTest,
  };
}

/** Outcomes as core words them, for the preview and for tests. */
export const SAMPLE_OUTCOMES = {
  squareUnauthorized: mockOutcome({
    kind: 'credentials_rejected',
    httpStatus: 401,
    providerCode: 'UNAUTHORIZED',
    providerMessage: 'This request could not be authorized.',
    latencyMs: 310,
    summary: 'Square rejected the access token (UNAUTHORIZED).',
    action:
      'Create a new access token in the Square Developer Console, and check that it matches the environment (production or sandbox).',
  }),
  squareOk: mockOutcome({ latencyMs: 280, summary: 'Connected to Square: location “Riverside Vet — Main St” is active.' }),
  quickbooksTimeout: mockOutcome({
    kind: 'unreachable',
    httpStatus: null,
    errorClass: 'timeout',
    latencyMs: 20_000,
    summary: 'QuickBooks did not answer in time.',
    action: 'Is this computer offline? Switchboard tries again automatically.',
  }),
  quickbooksOk: mockOutcome({ latencyMs: 640, summary: 'Connected to the QuickBooks company “Riverside Vet LLC”.' }),
  twilioOk: mockOutcome(),
} as const satisfies Record<string, Outcome>;

/**
 * What the browser preview starts with: one integration of each provider and a second Twilio one,
 * turned off, so the dashboard shows every level (see `sampleTests`).
 */
export function sampleIntegrations(): Integration[] {
  return [
    mockIntegration({ id: 'int_sample_twilio', provider: 'twilio' }),
    mockIntegration({
      id: 'int_sample_square',
      provider: 'square',
      environment: 'sandbox',
      updatedAt: '2026-11-22T16:40:00Z',
      updatedBy: 'os:manager',
      revision: 3,
    }),
    mockIntegration({ id: 'int_sample_quickbooks', provider: 'quickbooks', revision: 2 }),
    mockIntegration({
      id: 'int_sample_reminders',
      provider: 'twilio',
      name: 'Appointment reminders',
      environment: 'test',
      enabled: false,
      revision: 4,
    }),
  ];
}

/**
 * The sample integrations' test history, newest first, relative to `now`: Twilio passes (green),
 * Square's token was just rejected (red), QuickBooks timed out a few minutes ago (yellow), and the
 * reminders integration passed before it was turned off (off).
 */
export function sampleTests(now: number = Date.now()): Record<string, TestRecord[]> {
  const ago = (minutes: number) => new Date(now - minutes * MINUTE_MS).toISOString();
  const every = (outcome: Outcome, from: number, count: number, step = 15) =>
    Array.from({ length: count }, (_, i) => ({ at: ago(from + i * step), ...outcome, latencyMs: outcome.latencyMs + ((i * 37) % 90) }));
  return {
    int_sample_twilio: every(SAMPLE_OUTCOMES.twilioOk, 4, 6),
    int_sample_square: [
      { at: ago(2), ...SAMPLE_OUTCOMES.squareUnauthorized },
      { at: ago(17), ...SAMPLE_OUTCOMES.squareUnauthorized },
      ...every(SAMPLE_OUTCOMES.squareOk, 32, 4),
    ],
    int_sample_quickbooks: [{ at: ago(6), ...SAMPLE_OUTCOMES.quickbooksTimeout }, ...every(SAMPLE_OUTCOMES.quickbooksOk, 21, 4)],
    int_sample_reminders: every(SAMPLE_OUTCOMES.twilioOk, 3 * 24 * 60, 2, 24 * 60),
  };
}

export interface MockOptions {
  /** Integrations already stored. */
  integrations?: Integration[];
  /** Who changes things (`createdBy`, `updatedBy`); the signed-in user's username unless given. */
  actor?: string;
  /** Local accounts (`sampleUsers()` unless given; `[]` for a first start, which shows setup). */
  users?: MockUserSeed[];
  /**
   * Who is signed in at the start: a username, or a role for the first enabled user with it
   * (`admin` unless given; the sample admin is `dana`). `null`: nobody (the sign-in screen).
   */
  signedIn?: string | Role | null;
  /** Start with the screen locked for the signed-in user. */
  locked?: boolean;
  /** Settings stored at the start (clinic name, check interval, idle lock, retention). */
  settings?: Partial<Settings>;
  /** Audit rows already written, oldest first (`sampleAudit()` for the preview's). */
  audit?: AuditEntry[];
  /** Secrets the keychain lacks (a database copied from another computer). */
  missingSecrets?: MissingSecret[];
  /** A delay before every answer, so the preview shows progress states. */
  latencyMs?: number;
  /** Connection tests already stored, by integration id, newest first. */
  tests?: Record<string, TestRecord[]>;
  /**
   * What the next connection tests of an integration find, by id, in order. Once these are used
   * up a test finds what the last one found (a pass when there was none).
   */
  testOutcomes?: Record<string, Outcome[]>;
  /** Integration ids whose refresh token the provider refused: their cards are red with Reconnect. */
  refusedRefreshTokens?: string[];
  /** How much longer than other commands a connection test takes (it reaches the provider). */
  testLatencyMs?: number;
  /**
   * What test texts to a number go through, by E.164 number: the statuses one read at a time,
   * ending as the last (delivered unless told), or refused at once with a Twilio code. The magic
   * numbers of Twilio's test credentials answer as Twilio does (+15005550009: not a mobile number).
   */
  testTexts?: Record<string, MockTestText>;
  /** Webhook endpoints and deliveries already stored (`sampleWebhooks()` for the preview's). */
  webhooks?: MockWebhookSeed;
  /**
   * Plays the delivery worker: queued deliveries are attempted this long after they are queued,
   * each endpoint answering as its seed says (a 200 unless told). Off unless given; tests drive
   * deliveries themselves with `deliverPending` and `markDeliveries`.
   */
  workerDelayMs?: number;
  /** API keys already stored (`sampleApiKeys()` for the preview's). */
  apiKeys?: ApiKey[];
  /** Each stored key's usage, by key id (`sampleApiKeyUses()` for the preview's). */
  apiKeyUses?: Record<string, MockKeyUses>;
  /** Sync rules turned on and sync jobs already stored (`sampleSync()` for the preview's). */
  sync?: MockSyncSeed;
  /** The opt-out list and what QuickBooks answers for the rule settings' dropdowns (sample lists unless given). */
  rules?: MockRulesSeed;
}

/** The mock, plus what tests need to play the Rust side. */
export type MockBackend = Backend &
  WebhookControls &
  SyncControls &
  RuleControls &
  SessionControls & {
    /** Sends a `connectionTested` event to every listener, as the shell does after every test. */
    emitConnectionTested(run: TestRun): void;
    /** Sends a `deliveriesChanged` event, as the shell does after every worker batch. */
    emitDeliveriesChanged(report?: Partial<BatchReport>): void;
    /** Sends a `sessionChanged` event, as the shell does after a lock, a sign-out or the idle lock. */
    emitSessionChanged(reason?: string): void;
    /** Sends a `syncChanged` event, as the shell does after every sync worker batch. */
    emitSyncChanged(report?: Partial<SyncReport>): void;
    /** The audit log, to read what was recorded or `tamper` with a row. */
    audit: MockAuditLog;
    /** What `missingSecrets` reports from now on. */
    setMissingSecrets(missing: MissingSecret[]): void;
  };

/** A Backend whose commands answer from memory; pass `overrides` to replace any of them. */
export function createMockBackend(overrides: Partial<Backend> = {}, options: MockOptions = {}): MockBackend {
  const info = structuredClone(sampleAppInfo);
  const latency = options.latencyMs ?? 0;
  const store = new Map<string, Integration>(
    structuredClone(options.integrations ?? []).map((i) => [i.id, i]),
  );
  const audit = new MockAuditLog(options.audit);
  let missing: MissingSecret[] = structuredClone(options.missingSecrets ?? []);
  /** Connection tests by integration id, newest first. */
  const tests = new Map<string, TestRecord[]>(Object.entries(structuredClone(options.tests ?? {})));
  const queued = new Map<string, Outcome[]>(Object.entries(structuredClone(options.testOutcomes ?? {})));
  // Integrations whose refresh token the provider refused (red, Reconnect) and renewal dates.
  const refused = new Set<string>(options.refusedRefreshTokens ?? []);
  const renewBy = new Map<string, string>();
  const listeners = new Set<(payload: { run: TestRun }) => void>();
  const emit = (run: TestRun) => {
    for (const listener of [...listeners]) listener(structuredClone({ run }));
  };
  const deliveryListeners = new Set<(payload: DeliveriesChanged) => void>();
  const emitDeliveries = (report: Partial<BatchReport> = {}) => {
    const payload = { report: { sent: 0, succeeded: 0, failed: 0, disabled: [], ...report } };
    for (const listener of [...deliveryListeners]) listener(structuredClone(payload));
  };
  const syncListeners = new Set<(payload: SyncChanged) => void>();
  const emitSync = (report: Partial<SyncReport> = {}) => {
    const payload = { report: { performed: 0, succeeded: 0, failed: 0, ...report } };
    for (const listener of [...syncListeners]) listener(structuredClone(payload));
  };
  const sessionListeners = new Set<(payload: SessionChanged) => void>();
  const emitSession = (reason = 'locked') => {
    for (const listener of [...sessionListeners]) listener({ reason });
  };
  let settings: Settings = {
    clinicName: info.clinicName,
    ...domain.settingsDefaults,
    ...options.settings,
  };
  info.clinicName = settings.clinicName;
  let nextId = 1;

  const pause = async (ms: number) => {
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  };
  const answer = async <T>(value: T): Promise<T> => {
    await pause(latency);
    return structuredClone(value);
  };

  const find = (idOrName: string): Integration | undefined => {
    const key = idOrName.trim();
    return store.get(key) ?? [...store.values()].find((i) => i.name.toLowerCase() === key.toLowerCase());
  };
  const notFound = (key: string) => fail<never>('not_found', `The integration “${key.trim()}” was not found.`);
  const nameTaken = (name: string, exceptId: string | null) =>
    [...store.values()].some((i) => i.id !== exceptId && i.name.toLowerCase() === name.trim().toLowerCase());
  const duplicateName = (name: string): FieldIssue => ({
    field: 'name',
    message: `Another integration is already called “${name.trim()}”. Choose a different name.`,
    severity: 'error',
  });
  /** Test texts sent, by SID, with how far along their statuses they are. */
  const texts = new Map<
    string,
    { integrationId: string; to: string; plan: { statuses: MessageStatus[]; errorCode?: string; summary?: string }; at: number; testCredentials: boolean }
  >();
  let textCount = 0;
  const textAt = (sid: string): TestText => {
    const text = texts.get(sid);
    if (!text) throw new Error(`no mock text ${sid}`);
    const status = text.plan.statuses[text.at] ?? 'queued';
    const last = text.at === text.plan.statuses.length - 1;
    const isFinal = FINAL_TEXT_STATUSES.includes(status) || (text.testCredentials && text.at === 0);
    const errorCode = last && (status === 'undelivered' || status === 'failed') ? (text.plan.errorCode ?? null) : null;
    return {
      integrationId: text.integrationId,
      sid,
      to: text.to,
      status,
      isFinal,
      errorCode,
      summary:
        text.testCredentials && text.at === 0
          ? 'Twilio accepted the text with test credentials: nothing is sent or billed, and test credentials cannot read message status.'
          : textSummary(status, errorCode, last ? text.plan.summary : undefined),
      testCredentials: text.testCredentials,
    };
  };
  const record = (action: string, subject: Integration, changes: FieldChange[]) => {
    audit.append({ actor: actor(), action, objectType: 'integration', objectId: subject.id, objectLabel: subject.name, changes });
  };

  const draftForm = (draft: IntegrationDraft): MockForm => {
    const defaults = Object.fromEntries(
      specOf(draft.provider)
        .fields.filter((f) => !f.secret && f.default !== null)
        .map((f) => [f.name, f.default ?? '']),
    );
    return {
      name: draft.name,
      environment: draft.environment,
      baseUrl: draft.baseUrl ?? null,
      values: { ...defaults, ...draft.values },
      givenValues: draft.values ?? {},
      secrets: draft.secrets ?? {},
      existingSecrets: new Set(),
    };
  };
  const patchForm = (stored: Integration, patch: IntegrationPatch): MockForm => ({
    name: patch.name ?? stored.name,
    environment: patch.environment ?? stored.environment,
    baseUrl: patch.baseUrl ?? undefined,
    values: { ...stored.settings, ...patch.values },
    givenValues: patch.values ?? {},
    secrets: patch.secrets ?? {},
    existingSecrets: new Set(stored.secrets.filter((s) => s.set).map((s) => s.field)),
  });
  const firstError = (issues: FieldIssue[]) => issues.find((i) => i.severity === 'error');

  // Status by core's rules (statusFrom) from what the mock knows: no token lifetimes.
  const statusOf = (integration: Integration): IntegrationStatus => {
    const history = tests.get(integration.id) ?? [];
    const last = history[0] ?? null;
    const successIndex = history.findIndex((t) => t.kind === 'ok');
    const lastSuccess = history[successIndex] ?? null;
    const failures = successIndex === -1 ? history : history.slice(0, successIndex);
    const oldestFailure = failures[failures.length - 1];
    const connection = connectionOf(integration);
    if (connection && refused.has(integration.id)) connection.refreshRefused = true;
    const { level, reason, action, connect } = statusFrom(
      {
        enabled: integration.enabled,
        lastTest: last && { kind: last.kind, at: Date.parse(last.at), summary: last.summary, action: last.action },
        lastSuccessAt: lastSuccess && Date.parse(lastSuccess.at),
        failingSince: oldestFailure ? Date.parse(oldestFailure.at) : null,
        checkIntervalMs: settings.checkIntervalMinutes * MINUTE_MS,
        refreshTokenExpiresAt: null,
        connection,
      },
      Date.now(),
    );
    return {
      integrationId: integration.id,
      name: integration.name,
      provider: integration.provider,
      environment: integration.environment,
      level,
      reason,
      action,
      lastTest: last,
      lastCheckedAt: last?.at ?? null,
      lastSuccessAt: lastSuccess?.at ?? null,
      connect,
      renewBy: connection?.connected ? (renewBy.get(integration.id) ?? null) : null,
    };
  };

  /** What the next test of an integration finds: queued, else the same as last time, else a pass. */
  const nextOutcome = (integration: Integration): Outcome => {
    const next = queued.get(integration.id)?.shift();
    if (next) return next;
    const last = tests.get(integration.id)?.[0];
    if (last) {
      const { at: _at, ...outcome } = last;
      return outcome;
    }
    return mockOutcome({ summary: `Connected to ${specOf(integration.provider).name}.`, latencyMs: 120 });
  };

  const users = createUserCommands({
    answer,
    audit,
    users: options.users ?? sampleUsers(),
    signedIn: options.signedIn === undefined ? 'admin' : options.signedIn,
    locked: options.locked,
    clinicName: () => settings.clinicName,
    setClinicName: (name) => {
      settings = { ...settings, clinicName: name };
      info.clinicName = name;
    },
    idleLockMinutes: () => settings.idleLockMinutes,
    emitSessionChanged: emitSession,
  });
  const session: MockSession = users.session;
  function actor(): string {
    return options.actor ?? session.user()?.username ?? 'system:app';
  }

  const webhooks = createWebhookCommands({
    actor,
    answer,
    emit: emitDeliveries,
    seed: options.webhooks,
    workerDelayMs: options.workerDelayMs,
  });

  const sync = createSyncCommands({
    actor,
    answer,
    audit,
    integration: find,
    integrations: () => [...store.values()],
    seed: options.sync,
    workerDelayMs: options.workerDelayMs,
    emit: emitSync,
  });

  const ruleCommands = createRuleCommands({
    actor,
    answer,
    audit,
    integration: find,
    clinicName: () => settings.clinicName,
    seed: options.rules,
  });

  const backend = {
    async appInfo() {
      return answer(ok(info));
    },

    async listProviders() {
      return answer([...PROVIDERS]);
    },

    async listIntegrations() {
      const all = [...store.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }));
      return answer(ok(all));
    },

    async getIntegration(id: string) {
      const found = find(id);
      return answer(found ? ok(found) : notFound(id));
    },

    async validateIntegration(draft: IntegrationDraft) {
      const { issues } = checkForm(specOf(draft.provider), draftForm(draft));
      if (nameTaken(draft.name, null)) issues.push(duplicateName(draft.name));
      return answer(ok(issues));
    },

    async validateIntegrationPatch(id: string, patch: IntegrationPatch) {
      const stored = find(id);
      if (!stored) return answer(notFound(id));
      const { issues } = checkForm(specOf(stored.provider), patchForm(stored, patch));
      if (patch.name != null && nameTaken(patch.name, stored.id)) issues.push(duplicateName(patch.name));
      return answer(ok(issues));
    },

    async createIntegration(draft: IntegrationDraft) {
      const checked = checkForm(specOf(draft.provider), draftForm(draft));
      const problem = firstError(checked.issues) ?? (nameTaken(draft.name, null) ? duplicateName(draft.name) : undefined);
      if (problem) return answer(fail<never>('validation', problem.message, problem.field));
      const now = new Date().toISOString();
      const created: Integration = {
        id: `int_mock${nextId++}`,
        provider: draft.provider,
        name: checked.name,
        environment: checked.environment,
        baseUrl: checked.baseUrl,
        settings: checked.settings,
        secrets: secretStates(draft.provider, checked.secretsSet),
        enabled: true,
        revision: 1,
        createdAt: now,
        createdBy: actor(),
        updatedAt: now,
        updatedBy: actor(),
      };
      store.set(created.id, created);
      record('integration.create', created, []);
      return answer(ok({ integration: created, warnings: checked.issues }));
    },

    async updateIntegration(id: string, patch: IntegrationPatch) {
      const stored = find(id);
      if (!stored) return answer(notFound(id));
      const checked = checkForm(specOf(stored.provider), patchForm(stored, patch));
      const problem = firstError(checked.issues);
      if (problem) return answer(fail<never>('validation', problem.message, problem.field));
      if (patch.expectedRevision != null && patch.expectedRevision !== stored.revision) {
        return answer(
          fail<never>(
            'conflict',
            `“${stored.name}” was changed by ${stored.updatedBy} at ${stored.updatedAt} after you opened it. Reload to see that change, then make yours again.`,
          ),
        );
      }
      if (nameTaken(checked.name, stored.id)) {
        return answer(fail<never>('validation', duplicateName(checked.name).message, 'name'));
      }
      const updated: Integration = {
        ...stored,
        name: checked.name,
        environment: checked.environment,
        baseUrl: patch.baseUrl === undefined || patch.baseUrl === null ? stored.baseUrl : checked.baseUrl,
        settings: checked.settings,
        secrets: secretStates(stored.provider, checked.secretsSet),
      };
      const changed =
        JSON.stringify({ ...updated, revision: 0 }) !== JSON.stringify({ ...stored, revision: 0 }) ||
        Object.keys(patch.secrets ?? {}).some((k) => (patch.secrets?.[k] ?? '').trim() !== '');
      if (changed) {
        updated.revision = stored.revision + 1;
        updated.updatedAt = new Date().toISOString();
        updated.updatedBy = actor();
        store.set(updated.id, updated);
        record('integration.update', updated, []);
      }
      return answer(ok({ integration: store.get(stored.id) ?? updated, warnings: checked.issues }));
    },

    async setIntegrationEnabled(id: string, enabled: boolean) {
      const stored = find(id);
      if (!stored) return answer(notFound(id));
      if (stored.enabled !== enabled) {
        const updated = {
          ...stored,
          enabled,
          revision: stored.revision + 1,
          updatedAt: new Date().toISOString(),
          updatedBy: actor(),
        };
        store.set(updated.id, updated);
        record(enabled ? 'integration.enable' : 'integration.disable', updated, [
          { field: 'enabled', secret: false, from: String(!enabled), to: String(enabled) },
        ]);
      }
      return answer(ok(store.get(stored.id) ?? stored));
    },

    async deleteIntegration(id: string) {
      const stored = find(id);
      if (!stored) return answer(notFound(id));
      store.delete(stored.id);
      tests.delete(stored.id);
      queued.delete(stored.id);
      record(
        'integration.delete',
        stored,
        stored.secrets.filter((s) => s.set).map((s) => ({ field: s.field, secret: true, to: 'removed' })),
      );
      return answer(ok(null));
    },

    async testIntegration(id: string) {
      await pause(latency + (options.testLatencyMs ?? 0));
      const stored = find(id);
      if (!stored) return structuredClone(notFound(id));
      const previousLevel = statusOf(stored).level;
      const test: TestRecord = { at: new Date().toISOString(), ...nextOutcome(stored) };
      tests.set(stored.id, [test, ...(tests.get(stored.id) ?? [])]);
      const run: TestRun = { integrationId: stored.id, test, status: statusOf(stored), previousLevel };
      // As the shell does: every test is also announced, before the command answers.
      emit(run);
      return structuredClone(ok(run));
    },

    async sendTestText(id: string, request: TestTextRequest) {
      await pause(latency + (options.testLatencyMs ?? 0));
      const stored = find(id);
      if (!stored) return structuredClone(notFound(id));
      if (stored.provider !== 'twilio') {
        return structuredClone(fail<TestText>('validation', `${stored.name} is not a Twilio integration.`, 'integration'));
      }
      const to = request.to.trim().replace(/[\s\-.()]/g, '');
      if (!/^\+[1-9]\d{7,14}$/.test(to)) {
        return structuredClone(
          fail<TestText>('validation', 'Enter the number in international form, starting with + and the country code (+15551234567).', 'to'),
        );
      }
      const masked = `…${to.slice(-4)}`;
      const testCredentials = stored.environment === 'test';
      const plan = options.testTexts?.[to] ?? MOCK_REFUSALS[to] ?? { statuses: ['queued', 'sending', 'sent', 'delivered'] };
      if ('refused' in plan) {
        audit.append({
          actor: actor(),
          action: 'integration.test_text',
          objectType: 'integration',
          objectId: stored.id,
          objectLabel: stored.name,
          result: 'failed',
          detail: `to ${masked} · refused (${plan.refused})`,
        });
        const refused: TestText = {
          integrationId: stored.id,
          sid: null,
          to: masked,
          status: null,
          isFinal: true,
          errorCode: plan.refused,
          summary: plan.summary,
          testCredentials,
        };
        return structuredClone(ok(refused));
      }
      textCount += 1;
      const sid = `SM${textCount.toString(16).padStart(32, '0')}`;
      texts.set(sid, { integrationId: stored.id, to: masked, plan, at: 0, testCredentials });
      audit.append({
        actor: actor(),
        action: 'integration.test_text',
        objectType: 'integration',
        objectId: stored.id,
        objectLabel: stored.name,
        detail: `to ${masked} · ${sid} · ${plan.statuses[0] ?? 'queued'}`,
      });
      return structuredClone(ok(textAt(sid)));
    },

    async testTextStatus(id: string, sid: string) {
      await pause(latency);
      const stored = find(id);
      if (!stored) return structuredClone(notFound(id));
      const text = texts.get(sid);
      if (!text || text.integrationId !== stored.id) {
        return structuredClone(fail<TestText>('validation', 'A message SID is SM followed by 32 hexadecimal characters.', 'sid'));
      }
      if (text.testCredentials) {
        const unreadable: TestText = {
          ...textAt(sid),
          status: null,
          isFinal: true,
          summary: 'Twilio accepted the text, but test credentials cannot read message status (Twilio answers 403 to every status read made with them).',
        };
        return structuredClone(ok(unreadable));
      }
      text.at = Math.min(text.at + 1, text.plan.statuses.length - 1);
      return structuredClone(ok(textAt(sid)));
    },

    async connectIntegration(id: string) {
      await pause(latency + (options.testLatencyMs ?? 0));
      const stored = find(id);
      if (!stored) return answer(notFound(id));
      const spec = specOf(stored.provider);
      if (stored.provider === 'twilio') {
        return answer(fail<never>('validation', 'Twilio has no sign-in page to connect through; enter its credentials instead.', 'provider'));
      }
      const appField = stored.provider === 'quickbooks' ? 'client_id' : 'application_id';
      if (!stored.settings[appField]?.trim()) {
        return answer(fail<never>('validation', `Enter the ${spec.fields.find((f) => f.name === appField)?.label ?? appField} and save before connecting.`, appField));
      }
      const set = new Set(stored.secrets.filter((s) => s.set).map((s) => s.field));
      const changes: FieldChange[] = [{ field: 'refresh_token', secret: true, to: set.has('refresh_token') ? 'replaced' : 'set' }];
      set.add('refresh_token');
      if (stored.provider === 'square' && set.delete('access_token')) {
        changes.push({ field: 'access_token', secret: true, to: 'removed' });
      }
      const settingsNow = { ...stored.settings };
      let companyId: string | null = null;
      let locations: SquareLocation[] = [];
      if (stored.provider === 'quickbooks') {
        companyId = '9341453000000001';
        settingsNow.realm_id = companyId;
      } else {
        locations = MOCK_SQUARE_LOCATIONS;
        if (!locations.some((l) => l.id === settingsNow.location_id)) delete settingsNow.location_id;
      }
      const needsLocation = stored.provider === 'square' && !settingsNow.location_id;
      const renew = new Date(Date.now() + (stored.provider === 'quickbooks' ? 101 : 90) * DAY_MS).toISOString();
      const connectedNow: Integration = {
        ...stored,
        settings: settingsNow,
        secrets: secretStates(stored.provider, set),
        revision: stored.revision + 1,
        updatedAt: new Date().toISOString(),
        updatedBy: actor(),
      };
      store.set(stored.id, connectedNow);
      refused.delete(stored.id);
      renewBy.set(stored.id, renew);
      record('integration.connect', connectedNow, changes);
      if (!needsLocation) {
        const test: TestRecord = { at: new Date().toISOString(), ...nextOutcome(connectedNow) };
        tests.set(stored.id, [test, ...(tests.get(stored.id) ?? [])]);
        emit({ integrationId: stored.id, test, status: statusOf(connectedNow), previousLevel: 'yellow' });
      }
      return answer(ok({ integration: connectedNow, companyId, locations, needsLocation, renewBy: renew }));
    },

    async disconnectIntegration(id: string) {
      const stored = find(id);
      if (!stored) return answer(notFound(id));
      if (stored.provider === 'twilio') {
        return answer(fail<never>('validation', 'Twilio has no sign-in page to connect through; enter its credentials instead.', 'provider'));
      }
      const set = new Set(stored.secrets.filter((s) => s.set).map((s) => s.field));
      const changes: FieldChange[] = ['refresh_token', 'access_token']
        .filter((f) => set.delete(f))
        .map((f) => ({ field: f, secret: true, to: 'removed' }));
      const revoked = stored.provider === 'quickbooks' || set.has('application_secret');
      const message = revoked
        ? `${specOf(stored.provider).name} revoked the connection; its tokens were removed.`
        : 'The tokens were removed from this computer. Without the application secret Switchboard cannot revoke the grant: Square keeps it until the merchant removes the app in the Square Dashboard (Account & Settings › Apps).';
      const updated: Integration = {
        ...stored,
        secrets: secretStates(stored.provider, set),
        revision: stored.revision + 1,
        updatedAt: new Date().toISOString(),
        updatedBy: actor(),
      };
      store.set(stored.id, updated);
      renewBy.delete(stored.id);
      refused.delete(stored.id);
      record('integration.disconnect', updated, changes);
      return answer(ok({ integration: updated, revoked, message }));
    },

    async squareLocations(id: string) {
      const stored = find(id);
      if (!stored) return answer(notFound(id));
      if (stored.provider !== 'square') {
        return answer(fail<never>('validation', 'Only Square integrations have locations to choose.', 'location_id'));
      }
      return answer(ok(MOCK_SQUARE_LOCATIONS));
    },

    async chooseSquareLocation(id: string, locationId: string) {
      const stored = find(id);
      if (!stored) return answer(notFound(id));
      if (!MOCK_SQUARE_LOCATIONS.some((l) => l.id === locationId)) {
        const ids = MOCK_SQUARE_LOCATIONS.map((l) => l.id).join(', ');
        return answer(fail<never>('validation', `“${locationId}” is not one of this merchant's active locations (${ids}).`, 'location_id'));
      }
      const before = stored.settings.location_id ?? null;
      if (before === locationId) return answer(ok(stored));
      const updated: Integration = {
        ...stored,
        settings: { ...stored.settings, location_id: locationId },
        revision: stored.revision + 1,
        updatedAt: new Date().toISOString(),
        updatedBy: actor(),
      };
      store.set(stored.id, updated);
      record('integration.choose_location', updated, [{ field: 'location_id', secret: false, from: before, to: locationId }]);
      const test: TestRecord = { at: new Date().toISOString(), ...nextOutcome(updated) };
      tests.set(stored.id, [test, ...(tests.get(stored.id) ?? [])]);
      emit({ integrationId: stored.id, test, status: statusOf(updated), previousLevel: 'yellow' });
      return answer(ok(updated));
    },

    async integrationStatuses() {
      const all = [...store.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }));
      return answer(ok(all.map(statusOf)));
    },

    async testHistory(id: string, limit: number) {
      const stored = find(id);
      if (!stored) return answer(notFound(id));
      return answer(ok((tests.get(stored.id) ?? []).slice(0, limit)));
    },

    async getSettings() {
      return answer(ok(settings));
    },

    async updateSettings(next: Settings) {
      // As core: the clinic's settings need `configure`, the idle lock and retention `retention`.
      const configures =
        (settings.clinicName?.trim() || null) !== (next.clinicName?.trim() || null) ||
        settings.checkIntervalMinutes !== next.checkIntervalMinutes;
      const same = JSON.stringify(settings) === JSON.stringify(next);
      const needs: Permission[] = [
        ...(configures || same ? (['configure'] as const) : []),
        ...(settings.idleLockMinutes !== next.idleLockMinutes || settings.retentionDays !== next.retentionDays ? (['retention'] as const) : []),
      ];
      for (const permission of needs) {
        const refused = session.can(permission) ? null : session.refusal(permission, 'settings.update');
        if (refused) return answer(refused);
      }
      if (!(next.checkIntervalMinutes >= 1 && next.checkIntervalMinutes <= 1440)) {
        return answer(
          fail<never>(
            'validation',
            'The check interval must be between 1 and 1440 minutes (a day).',
            'check_interval_minutes',
          ),
        );
      }
      if (!(Number.isInteger(next.idleLockMinutes) && next.idleLockMinutes >= 1 && next.idleLockMinutes <= 240)) {
        return answer(fail<never>('validation', 'The idle lock must be between 1 and 240 minutes.', 'idle_lock_minutes'));
      }
      if (!(Number.isInteger(next.retentionDays) && next.retentionDays >= 365 && next.retentionDays <= 3650)) {
        return answer(
          fail<never>('validation', 'Records are kept between 365 days (a year) and 3650 days (ten years).', 'retention_days'),
        );
      }
      const saved: Settings = { ...next, clinicName: next.clinicName?.trim() || null };
      const changes: FieldChange[] = [
        ['clinic_name', settings.clinicName, saved.clinicName],
        ['check_interval_minutes', settings.checkIntervalMinutes, saved.checkIntervalMinutes],
        ['idle_lock_minutes', settings.idleLockMinutes, saved.idleLockMinutes],
        ['retention_days', settings.retentionDays, saved.retentionDays],
      ]
        .filter(([, from, to]) => from !== to)
        .map(([field, from, to]) => ({
          field: String(field),
          secret: false,
          from: from === null ? null : String(from),
          to: to === null ? null : String(to),
        }));
      if (changes.length > 0) audit.append({ actor: actor(), action: 'settings.update', objectType: 'settings', changes });
      settings = saved;
      info.clinicName = settings.clinicName;
      return answer(ok(settings));
    },

    async missingSecrets() {
      return answer(ok(missing));
    },

    ...webhooks.commands,

    ...sync.commands,
    ...ruleCommands.commands,

    ...createApiKeyCommands({ actor, answer, keys: options.apiKeys, uses: options.apiKeyUses }),

    ...users.commands,

    async auditPage(filter: AuditFilter, before: number | null, limit: number) {
      return answer(audit.page(filter, before, limit));
    },

    async auditFacets() {
      return answer(ok(audit.facets()));
    },

    async verifyAudit() {
      const verification = audit.verify();
      audit.append({
        actor: actor(),
        action: 'audit.verify',
        objectType: 'audit_log',
        result: verification.ok ? 'ok' : 'failed',
        detail: verification.message,
      });
      return answer(ok(verification));
    },

    async exportAudit(filter: AuditFilter, format: ExportFormat) {
      const exported = audit.export(filter, format);
      if (exported.status === 'ok') {
        const { path, rows } = exported.data.exported;
        audit.append({
          actor: actor(),
          action: 'audit.export',
          objectType: 'audit_log',
          objectLabel: path,
          changes: [{ field: 'rows', secret: false, to: String(rows) }],
          detail: `${format} export; chain ${exported.data.verification.ok ? 'intact' : 'broken'}`,
        });
      }
      return answer(exported);
    },

    async pruneNow() {
      const cutoff = Date.now() - settings.retentionDays * DAY_MS;
      const auditRows = audit.prune(cutoff);
      if (auditRows > 0) {
        audit.append({
          actor: actor(),
          action: 'audit.prune',
          objectType: 'audit_log',
          changes: [{ field: 'rows', secret: false, to: String(auditRows) }],
        });
      }
      // The mock's delivery history is never older than a year, so there is none to prune.
      return answer(ok({ auditRows, deliveryAttempts: 0, deliveries: 0, cutoff: new Date(cutoff).toISOString() }));
    },

    async onConnectionTested(listener: (payload: { run: TestRun }) => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async onDeliveriesChanged(listener: (payload: DeliveriesChanged) => void) {
      deliveryListeners.add(listener);
      return () => {
        deliveryListeners.delete(listener);
      };
    },
    async onSessionChanged(listener: (payload: SessionChanged) => void) {
      sessionListeners.add(listener);
      return () => {
        sessionListeners.delete(listener);
      };
    },
    async onSyncChanged(listener: (payload: SyncChanged) => void) {
      syncListeners.add(listener);
      return () => {
        syncListeners.delete(listener);
      };
    },
  } satisfies Backend;

  return {
    ...guarded(backend, session, answer),
    ...overrides,
    ...webhooks.controls,
    ...sync.controls,
    ...ruleCommands.controls,
    ...users.controls,
    emitConnectionTested: emit,
    emitDeliveriesChanged: emitDeliveries,
    emitSessionChanged: emitSession,
    emitSyncChanged: emitSync,
    audit,
    setMissingSecrets: (next) => {
      missing = structuredClone(next);
    },
  };
}

/**
 * The backend with every command that needs a session refused while locked, and every command
 * needing a permission refused when the role lacks it: core's command table (domain.ts).
 */
function guarded(backend: Backend, session: MockSession, answer: <T>(value: T) => Promise<T>): Backend {
  const wrapped: Record<string, unknown> = { ...backend };
  for (const name of Object.keys(domain.commands) as CommandName[]) {
    const rule = commandRule(name);
    if (!rule.session) continue;
    const command = backend[name] as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = async (...args: unknown[]) => {
      const action = rule.actionWhenDisabling && args[args.length - 1] === false ? rule.actionWhenDisabling : rule.action;
      const refused = session.refusal(rule.permission, action);
      return refused ? answer(refused) : command(...args);
    };
  }
  return wrapped as unknown as Backend;
}
