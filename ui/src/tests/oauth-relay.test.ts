// @vitest-environment node
// The relay page (packaging/oauth-relay/index.html) hands a provider's redirect to Switchboard's
// loopback listener. Its own script runs here against a stand-in `window` whose location is the
// provider's redirect; the address it navigates to is then requested from a real listener on
// 127.0.0.1, which must receive the query unchanged on /callback.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const page = readFileSync(fileURLToPath(new URL('../../../packaging/oauth-relay/index.html', import.meta.url)), 'utf8');
const script = /<script>([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';

/** Runs the page's script at `href`; returns where it navigated (null: it stayed) and its message. */
function openRelay(href: string): { navigatedTo: string | null; message: string } {
  const url = new URL(href);
  let navigatedTo: string | null = null;
  const message = { textContent: 'Returning to Switchboard on this computer…' };
  const window = {
    location: {
      search: url.search,
      replace: (to: string) => {
        navigatedTo = to;
      },
    },
  };
  const document = { getElementById: (id: string) => (id === 'message' ? message : null) };
  new Function('window', 'document', 'URLSearchParams', script)(window, document, URLSearchParams);
  return { navigatedTo, message: message.textContent };
}

const RANDOM = 'Qm9vbXMtYW5kLWJhbmdzLTEyMzQ'; // 27 base64url characters, as Switchboard makes

describe('the OAuth relay page', () => {
  it('has one inline script and forbids every other request', () => {
    expect(script).toContain('location.replace');
    expect(page).toContain("default-src 'none'");
    expect(page).toContain('no-referrer');
  });

  it('forwards the whole query to the listener on the port carried in state', async () => {
    const seen: IncomingMessage[] = [];
    const server = createServer((req, res) => {
      seen.push(req);
      res.writeHead(200, { 'content-type': 'text/html' }).end('Switchboard is connected');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const query = `?code=AB11-code%2Bplus&state=${RANDOM}.${port}&realmId=9341453000000001`;
      const { navigatedTo } = openRelay(`https://relay.example.com/switchboard-oauth/${query}`);
      expect(navigatedTo).toBe(`http://127.0.0.1:${port}/callback${query}`);
      const answer = await fetch(navigatedTo ?? '');
      expect(await answer.text()).toBe('Switchboard is connected');
      expect(seen.map((r) => r.url)).toEqual([`/callback${query}`]);
    } finally {
      server.close();
    }
  });

  it('forwards a denied consent too, so Switchboard can say so', () => {
    const { navigatedTo } = openRelay(`https://relay.example.com/?error=access_denied&state=${RANDOM}.47321`);
    expect(navigatedTo).toBe(`http://127.0.0.1:47321/callback?error=access_denied&state=${RANDOM}.47321`);
  });

  it('stays put, and says why, when state is not one Switchboard made', () => {
    for (const state of ['', 'short.5000', `${RANDOM}.0`, `${RANDOM}.70000`, `${RANDOM}.12ab`, `${RANDOM}<x>.5000`]) {
      const { navigatedTo, message } = openRelay(`https://relay.example.com/?code=c&state=${encodeURIComponent(state)}`);
      expect(navigatedTo, state).toBeNull();
      expect(message).toContain('without a Switchboard sign-in');
    }
  });
});
