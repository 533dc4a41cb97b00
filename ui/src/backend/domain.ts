// Core's rules, as `domain.generated.ts` carries them from Rust (written by the
// `domain_export_is_current` test in src-tauri; `make bindings` rewrites it). The mock backend
// reads its tables from here instead of keeping copies; its rules that must be code are checked
// against `cases` (core's verdicts on sample inputs) by domain.test.ts.
import { CASES, DOMAIN } from './domain.generated';
import type {
  CommandName,
  EventTypeInfo,
  EndpointDraft,
  IntegrationDraft,
  FieldIssue,
  Level,
  OutcomeKind,
  Permission,
  Provider,
  ProviderSpec,
  Role,
  SyncRule,
} from './types';

/** What a command needs, as `src-tauri/src/commands/permissions.rs` says. */
export interface CommandRule {
  /** A signed-in, unlocked user (false: it answers signed out and while locked). */
  session: boolean;
  /** A permission of the roles table; null: the session is enough (core checks the rest). */
  permission: Permission | null;
  /** The audit action of a refusal. */
  action: string | null;
  /** The audit action of a refusal when the last argument (`enabled`) is false. */
  actionWhenDisabling?: string;
}

/** The error a command answered: a validation error's field and message. */
export interface CaseError {
  field: string | null;
  message: string;
}

/** Core's facts for an integration's status (`status::Facts`), times in unix ms. */
export interface StatusFacts {
  enabled: boolean;
  lastTest: { kind: OutcomeKind; at: number; summary: string; action: string } | null;
  lastSuccessAt: number | null;
  /** The oldest failed test since the last success. */
  failingSince: number | null;
  checkIntervalMs: number;
  refreshTokenExpiresAt: number | null;
  /** QuickBooks and Square (they connect through the provider's sign-in page); null otherwise. */
  connection: { connected: boolean; refreshRefused: boolean } | null;
}

/** Core's facts for an endpoint's status (`webhooks::health::EndpointFacts`). */
export interface EndpointFacts {
  enabled: boolean;
  disabledReason: string | null;
  attempts24h: number;
  succeeded24h: number;
  pending: number;
  retrying: number;
  dead: number;
}

/** Core's verdicts on sample inputs of the rules the mock keeps as code. */
export interface DomainCases {
  /** Whole drafts through core's `validate_integration` on an empty store, as an admin. */
  integrationDrafts: { draft: IntegrationDraft; issues: FieldIssue[]; error: CaseError | null }[];
  /** New endpoints through core's `create_endpoint` on an empty store: the first problem, or none. */
  endpointDrafts: { draft: EndpointDraft; error: CaseError | null }[];
  fields: { provider: Provider; field: string; input: string; issues: FieldIssue[] }[];
  names: { input: string; value: string | null; issues: FieldIssue[] }[];
  baseUrls: { input: string; value: string | null; issues: FieldIssue[] }[];
  endpointUrls: { url: string; allowHttp: boolean; allowPrivate: boolean; value: string | null; issue: FieldIssue | null }[];
  privateAddresses: { ip: string; private: boolean }[];
  statuses: {
    name: string;
    now: number;
    facts: StatusFacts;
    expected: { level: Level; reason: string; action: string; connect: 'connect' | 'reconnect' | null };
  }[];
  endpointStatuses: {
    name: string;
    facts: EndpointFacts;
    expected: { level: Level; reason: string; action: string; successRate24h: number | null };
  }[];
  /** Event data through core's `check_data`: the catalogue's examples and sample mistakes. */
  eventData: { type: string; data: unknown; issues: { path: string; message: string }[] }[];
}

export interface DomainExport {
  providers: ProviderSpec[];
  roles: Record<Role, Permission[]>;
  refusals: Record<Permission, string>;
  commands: Record<CommandName, CommandRule>;
  eventTypes: string[];
  /** The event catalogue as `listEventCatalogue` returns it. */
  eventCatalogue: EventTypeInfo[];
  /** The value shapes of event fields: the JSON Schema's patterns and the ISO 4217 codes. */
  eventValues: {
    currencies: string[];
    moneyPattern: string;
    quantityPattern: string;
    dateTimePattern: string;
    datePattern: string;
    phonePattern: string;
  };
  syncRules: SyncRuleInfo[];
  retry: { delaysMs: number[]; maxRetryAfterMs: number };
  limits: {
    deliveryLogMaxPage: number;
    rotationGraceMs: number;
    defaultTimeoutSecs: number;
    freeSignInTries: number;
    maxSignInWaitSecs: number;
    passwordMinLength: number;
    passwordMaxLength: number;
  };
  settingsDefaults: { checkIntervalMinutes: number; idleLockMinutes: number; retentionDays: number };
  outcomeKinds: { kind: OutcomeKind; transient: boolean }[];
}

/** Core's tables. */
export const domain = DOMAIN;

/** Core's verdicts on sample inputs; only tests read them (the app's bundle leaves them out). */
export const cases = CASES;

/** The provider catalogue as `listProviders` returns it. */
export const PROVIDERS: readonly ProviderSpec[] = domain.providers;

/** Core's event types, as `listEventTypes` returns them. */
export const EVENT_TYPES: readonly string[] = domain.eventTypes;

/** A sync rule: what it does, which provider runs it, and the settings that belong to it. */
export interface SyncRuleInfo {
  rule: SyncRule;
  label: string;
  provider: Provider;
  description: string;
  fields: string[];
}

export const SYNC_RULES: readonly SyncRuleInfo[] = domain.syncRules;

/** Whether a provider field is a sync rule's setting (shown with the rule, not the connection). */
export function isSyncField(provider: Provider, field: string): boolean {
  return SYNC_RULES.some((r) => r.provider === provider && r.fields.includes(field));
}

/** The delay after the 1st, 2nd, … failed attempt; one more attempt than delays, then dead. */
export const RETRY_SCHEDULE_MS: readonly number[] = domain.retry.delaysMs;

/** Outcome kinds that turn a card yellow for a day before red. */
export const TRANSIENT_KINDS: ReadonlySet<OutcomeKind> = new Set(
  domain.outcomeKinds.filter((k) => k.transient).map((k) => k.kind),
);

/** Whether a role has a permission, by core's roles table. */
export function roleHas(role: Role, permission: Permission): boolean {
  return domain.roles[role].includes(permission);
}

/** What a command needs. */
export function commandRule(command: CommandName): CommandRule {
  return domain.commands[command];
}
