// The mock's API keys for the ingest API: a stand-in for core's (crates/core/src/api_keys.rs).
// Keys are `sbk_` + base64url of 32 random bytes, shown once; only the prefix is kept.
import { MOCK_EVENT_TYPES } from './mock-webhooks';
import type { ApiKey, ApiKeyDraft, ApiKeyUse, AppError, Commands, ErrorCode, Result } from './types';

type ApiKeyCommands = Pick<Commands, 'listApiKeys' | 'createApiKey' | 'revokeApiKey' | 'apiKeyUses'>;

/** What core reads for a key's usage: the events it sent (any order) and its refusals counted in the audit log. */
export type MockKeyUses = { uses: ApiKeyUse[]; refused: number };

/** As core's MAX_USES_PAGE. */
const MAX_USES_PAGE = 200;

const DAY_MS = 24 * 3600 * 1000;
const MAX_EXPIRES_IN_DAYS = 3650;

const ok = <T>(data: T): Result<T, AppError> => ({ status: 'ok', data });
const fail = (code: ErrorCode, message: string, field: string | null = null): Result<never, AppError> => ({
  status: 'error',
  error: { code, message, field },
});

/** A stored key for tests and the preview: active, every scope, never expiring unless told. */
export function mockApiKey(patch: Partial<ApiKey> = {}): ApiKey {
  return {
    id: 'key_sample',
    name: 'Practice management system',
    prefix: 'sbk_Xq3v',
    scopes: ['*'],
    state: 'active',
    createdAt: '2026-11-18T11:00:00Z',
    createdBy: 'os:manager',
    expiresAt: null,
    revokedAt: null,
    revokedBy: null,
    lastUsedAt: null,
    ...patch,
  };
}

function newKey(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return `sbk_${btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')}`;
}

export function createApiKeyCommands({
  actor,
  answer,
  keys: initial = [],
  uses = {},
}: {
  /** Who is changing things now (the signed-in user). */
  actor: () => string;
  answer: <T>(value: T) => Promise<T>;
  keys?: ApiKey[];
  /** Each key's usage, by key id. */
  uses?: Record<string, MockKeyUses>;
}): ApiKeyCommands {
  const keys = new Map<string, ApiKey>(structuredClone(initial).map((k) => [k.id, k]));
  let lastCreated = 0;
  // As core: the state follows the clock when read.
  const current = (k: ApiKey): ApiKey =>
    k.revokedAt ? { ...k, state: 'revoked' } : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? { ...k, state: 'expired' } : { ...k, state: 'active' };

  return {
    async listApiKeys() {
      return answer(ok([...keys.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(current)));
    },

    async createApiKey(draft: ApiKeyDraft) {
      const name = draft.name.trim();
      if (name === '') return answer(fail('validation', 'Name is required.', 'name'));
      if ([...name].length > 80) return answer(fail('validation', 'Name is too long: at most 80 characters.', 'name'));
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f\u007f]/.test(name)) return answer(fail('validation', 'Name must not contain control characters or line breaks.', 'name'));
      if (/[<>]/.test(name)) return answer(fail('validation', 'Name must not contain < or >.', 'name'));
      let scopes = [...new Set((draft.scopes ?? []).map((s) => s.trim()).filter((s) => s !== ''))].sort();
      if (scopes.length === 0 || scopes.includes('*')) scopes = ['*'];
      const bad = scopes.find((s) => s !== '*' && !(MOCK_EVENT_TYPES as readonly string[]).includes(s));
      if (bad) return answer(fail('validation', `“${bad}” is not an event type. Known types: ${MOCK_EVENT_TYPES.join(', ')}.`, 'scopes'));
      const days = draft.expiresInDays ?? null;
      if (days !== null && !(Number.isInteger(days) && days >= 1 && days <= MAX_EXPIRES_IN_DAYS)) {
        return answer(fail('validation', `A key must expire within 1 to ${MAX_EXPIRES_IN_DAYS} days (ten years), or never.`, 'expires_in_days'));
      }
      lastCreated = Math.max(Date.now(), lastCreated + 1);
      const secret = newKey();
      const key: ApiKey = {
        id: `key_${crypto.randomUUID().replaceAll('-', '')}`,
        name,
        prefix: secret.slice(0, 8),
        scopes,
        state: 'active',
        createdAt: new Date(lastCreated).toISOString(),
        createdBy: actor(),
        expiresAt: days === null ? null : new Date(lastCreated + days * DAY_MS).toISOString(),
        revokedAt: null,
        revokedBy: null,
        lastUsedAt: null,
      };
      keys.set(key.id, key);
      return answer(ok({ key, secret }));
    },

    async revokeApiKey(id: string) {
      const key = keys.get(id);
      if (!key) return answer(fail('not_found', `API key ${id} was not found.`));
      if (!key.revokedAt) keys.set(id, { ...key, revokedAt: new Date().toISOString(), revokedBy: actor() });
      return answer(ok(current(keys.get(id) ?? key)));
    },

    // As core: newest first by seq, keyset paging with `before`, the limit clamped to 1…200.
    async apiKeyUses(id: string, before: number | null, limit: number) {
      if (!keys.has(id)) return answer(fail('not_found', `API key ${id} was not found.`));
      const size = Math.min(Math.max(limit, 1), MAX_USES_PAGE);
      const found = uses[id] ?? { uses: [], refused: 0 };
      const older = found.uses.filter((u) => before === null || u.seq < before).sort((a, b) => b.seq - a.seq);
      const page = older.slice(0, size);
      const nextBefore = older.length > size ? (page.at(-1)?.seq ?? null) : null;
      return answer(ok({ uses: structuredClone(page), nextBefore, refused: found.refused }));
    },
  };
}

/** The preview's usage: the key in use sent a few events and had some requests refused. */
export function sampleApiKeyUses(now: number = Date.now()): Record<string, MockKeyUses> {
  const types = ['appointment.created', 'appointment.updated', 'invoice.created', 'patient.updated'];
  return {
    key_sample_pms: {
      uses: Array.from({ length: 12 }, (_, i) => ({
        seq: 1000 + i,
        at: new Date(now - (12 - i) * 7 * 60_000).toISOString(),
        eventType: types[i % types.length] ?? 'test.ping',
        eventId: `evt_sample_${(1000 + i).toString(16)}`,
      })),
      refused: 3,
    },
  };
}

/** The preview's keys: one in use, one expired, one revoked. */
export function sampleApiKeys(now: number = Date.now()): ApiKey[] {
  const ago = (days: number) => new Date(now - days * DAY_MS).toISOString();
  return [
    mockApiKey({ id: 'key_sample_pms', lastUsedAt: ago(0.01), expiresAt: new Date(now + 300 * DAY_MS).toISOString() }),
    mockApiKey({
      id: 'key_sample_phones',
      name: 'Phone system',
      prefix: 'sbk_7Lmc',
      scopes: ['call.completed', 'emergency.detected'],
      createdAt: ago(120),
      expiresAt: ago(30),
      lastUsedAt: ago(31),
    }),
    mockApiKey({
      id: 'key_sample_old',
      name: 'Old kiosk',
      prefix: 'sbk_Qa0p',
      scopes: ['appointment.created'],
      createdAt: ago(200),
      revokedAt: ago(45),
      revokedBy: 'os:admin',
      lastUsedAt: ago(46),
    }),
  ];
}
