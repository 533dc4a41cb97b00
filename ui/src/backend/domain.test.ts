// The mock against core: every command's permission as every role, and every rule the mock must
// keep as code, against core's verdicts exported in domain.generated.ts. Each test lists every
// disagreement at once, so a drift names the command, field or input.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cases, domain, PROVIDERS } from './domain';
import { createMockBackend, statusFrom } from './mock';
import { checkBaseUrl, checkName, checkValue } from './mock-validation';
import { checkEventData } from './mock-events';
import { checkUrl, endpointStatusFrom, isPrivateHost } from './mock-webhooks';
import type { CommandName, Role } from './types';

const ROLES = Object.keys(domain.roles) as Role[];
const COMMANDS = Object.keys(domain.commands) as CommandName[];

type Answer = { status?: string; error?: { code: string; message: string } } | undefined;

/** An answer with only what core's case holds (an error's code is not in the case). */
function normalised(v: { issues: unknown[]; error: { field: string | null; message: string } | null }) {
  return { issues: v.issues, error: v.error && { field: v.error.field, message: v.error.message } };
}

/** Calls a command of a fresh mock as `signedIn`; a throw means the guard let the call through. */
async function call(command: CommandName, signedIn: Role | null) {
  const backend = createMockBackend({}, { signedIn });
  // The last argument of set…Enabled picks the refusal's audit action; false tries the other one.
  const args = command.endsWith('Enabled') ? ['missing', false] : [];
  const run = backend[command] as (...a: unknown[]) => Promise<Answer>;
  const answer = await run(...args).catch((): Answer => undefined);
  return { backend, code: answer?.status === 'error' ? answer.error?.code : undefined, answer };
}

describe("the mock follows core's command table", () => {
  it('has every command and every role', () => {
    expect(COMMANDS.length).toBeGreaterThan(40);
    expect(ROLES.sort()).toEqual(['admin', 'front_desk', 'manager']);
  });

  it('refuses a command exactly when core refuses it, for every role, and audits the refusal as core does', async () => {
    const wrong: string[] = [];
    for (const command of COMMANDS) {
      const rule = domain.commands[command];
      for (const role of ROLES) {
        const mayCall = rule.permission === null || domain.roles[role].includes(rule.permission);
        const { backend, code, answer } = await call(command, role);
        const refused = code === 'forbidden';
        if (refused === mayCall) {
          wrong.push(`${command} as ${role}: core ${mayCall ? 'allows' : 'refuses'}, the mock ${refused ? 'refuses' : 'allows'}`);
          continue;
        }
        if (!refused || rule.permission === null) continue;
        const row = backend.audit.rows[0];
        const action = rule.actionWhenDisabling ?? rule.action;
        if (row?.action !== action || row.result !== 'refused') {
          wrong.push(`${command} as ${role}: refusal audited as ${row?.action}/${row?.result}, core records ${action}`);
        }
        if (answer?.error?.message !== domain.refusals[rule.permission]) {
          wrong.push(`${command} as ${role}: refused with “${answer?.error?.message}”`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers only the open commands to nobody', async () => {
    const wrong: string[] = [];
    for (const command of COMMANDS) {
      const { code } = await call(command, null);
      if ((code === 'locked') !== domain.commands[command].session) {
        wrong.push(`${command}: ${code === 'locked' ? 'locked' : 'answered'} while signed out`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('tells each role its permissions from core', async () => {
    for (const role of ROLES) {
      const backend = createMockBackend({}, { signedIn: role });
      const state = await backend.sessionState();
      expect(state.status === 'ok' && state.data.user?.permissions).toEqual(domain.roles[role]);
    }
  });
});

describe("the mock's field rules agree with core on every sample", () => {
  it('checks provider fields as core does', () => {
    const wrong: string[] = [];
    for (const c of cases.fields) {
      const spec = PROVIDERS.find((p) => p.provider === c.provider);
      const field = spec?.fields.find((f) => f.name === c.field);
      if (!spec || !field) {
        wrong.push(`${c.provider}.${c.field}: not in the catalogue`);
        continue;
      }
      const got = checkValue(spec, field, c.input);
      if (!isDeepStrictEqual(got, c.issues)) {
        wrong.push(`${c.provider}.${c.field} ${JSON.stringify(c.input)}: core ${JSON.stringify(c.issues)}, mock ${JSON.stringify(got)}`);
      }
    }
    expect(cases.fields.length).toBeGreaterThan(100);
    expect(wrong).toEqual([]);
  });

  it('checks names as core does', () => {
    const wrong = cases.names
      .map((c) => ({ c, got: checkName(c.input) }))
      .filter(({ c, got }) => !isDeepStrictEqual(got, c.issues[0] ?? null))
      .map(({ c, got }) => `${JSON.stringify(c.input)}: core ${JSON.stringify(c.issues)}, mock ${JSON.stringify(got)}`);
    expect(wrong).toEqual([]);
  });

  it('checks custom base URLs as core does', () => {
    const wrong = cases.baseUrls
      .map((c) => ({ c, got: checkBaseUrl(c.input) }))
      .filter(({ c, got }) => !isDeepStrictEqual(got, { value: c.value, issue: c.issues[0] ?? null }))
      .map(({ c, got }) => `${JSON.stringify(c.input)}: core ${c.value} ${JSON.stringify(c.issues)}, mock ${JSON.stringify(got)}`);
    expect(wrong).toEqual([]);
  });
});

describe("the mock's forms agree with core on every sample draft", () => {
  it('validates whole integration drafts as core does', async () => {
    const wrong: string[] = [];
    for (const c of cases.integrationDrafts) {
      const answer = await createMockBackend().validateIntegration(c.draft);
      const got = answer.status === 'ok' ? { issues: answer.data, error: null } : { issues: [], error: answer.error };
      const expected = { issues: c.issues, error: c.error };
      if (!isDeepStrictEqual(normalised(got), normalised(expected))) {
        wrong.push(`${JSON.stringify(c.draft)}: core ${JSON.stringify(expected)}, mock ${JSON.stringify(got)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('creates endpoints, or names the first problem, as core does', async () => {
    const wrong: string[] = [];
    for (const c of cases.endpointDrafts) {
      const answer = await createMockBackend().createEndpoint(c.draft);
      const got = answer.status === 'ok' ? null : { field: answer.error.field, message: answer.error.message };
      if (!isDeepStrictEqual(got, c.error)) {
        wrong.push(`${JSON.stringify(c.draft)}: core ${JSON.stringify(c.error)}, mock ${JSON.stringify(got)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe("the mock's webhook rules agree with core on every sample", () => {
  it('checks endpoint URLs as core does, with and without plain HTTP and private addresses', () => {
    const wrong = cases.endpointUrls
      .map((c) => ({ c, got: checkUrl(c.url, c.allowHttp, c.allowPrivate) }))
      .filter(({ c, got }) => got.value !== c.value || got.problem !== (c.issue?.message ?? null))
      .map(
        ({ c, got }) =>
          `${c.url} (http ${c.allowHttp}, private ${c.allowPrivate}): core ${c.value} “${c.issue?.message}”, mock ${got.value} “${got.problem}”`,
      );
    expect(cases.endpointUrls.length).toBeGreaterThan(50);
    expect(wrong).toEqual([]);
  });

  it('calls the same addresses private as core', () => {
    const wrong = cases.privateAddresses.filter((c) => isPrivateHost(c.ip) !== c.private).map((c) => c.ip);
    expect(wrong).toEqual([]);
  });

  it("words an endpoint's status as core does", () => {
    const wrong = cases.endpointStatuses
      .map((c) => ({ c, got: endpointStatusFrom(c.facts) }))
      .filter(({ c, got }) => !isDeepStrictEqual(got, c.expected))
      .map(({ c, got }) => `${c.name}: core ${JSON.stringify(c.expected)}, mock ${JSON.stringify(got)}`);
    expect(wrong).toEqual([]);
  });
});

describe("the mock's integration status agrees with core", () => {
  it('gives the level, reason and action core gives for every sample', () => {
    const wrong = cases.statuses
      .map((c) => ({ c, got: statusFrom(c.facts, c.now) }))
      .filter(({ c, got }) => !isDeepStrictEqual(got, c.expected))
      .map(({ c, got }) => `${c.name}: core ${JSON.stringify(c.expected)}, mock ${JSON.stringify(got)}`);
    expect(cases.statuses.length).toBeGreaterThan(10);
    expect(wrong).toEqual([]);
  });
});

describe("the mock checks event data as core's catalogue does", () => {
  it('names the same JSON paths as core for every sample, and passes every example', () => {
    const wrong = cases.eventData
      .map((c) => ({ c, got: checkEventData(c.type, c.data).map((i) => i.path) }))
      .filter(({ c, got }) => !isDeepStrictEqual(got, c.issues.map((i) => i.path)))
      .map(({ c, got }) => `${c.type} ${JSON.stringify(c.data)}: core ${JSON.stringify(c.issues.map((i) => i.path))}, mock ${JSON.stringify(got)}`);
    expect(cases.eventData.filter((c) => c.issues.length > 0).length).toBeGreaterThan(20);
    expect(wrong).toEqual([]);
  });

  it('refuses data sent with the wrong types through sendEvent, naming the first path', async () => {
    const backend = createMockBackend({}, { signedIn: 'admin' });
    const refused = await backend.sendEvent({ type: 'invoice.created', data: '{"total": 84.5, "currency": "usd"}' });
    expect(refused).toMatchObject({ status: 'error', error: { code: 'validation', field: 'data.currency' } });
    const example = domain.eventCatalogue.find((t) => t.type === 'invoice.created')?.example ?? '';
    expect(await backend.sendEvent({ type: 'invoice.created', data: example })).toMatchObject({ status: 'ok' });
  });
});
