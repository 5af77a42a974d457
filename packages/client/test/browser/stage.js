// The browser tests' stage: a real auth service (test helper, HTTPS), the demo page
// (examples/web) on an origin of its own, and Debian's Chromium driven by playwright-core.
// Every refresh request any tab sends, and its answer, is recorded through the context.
import { existsSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startPageServer } from '../../../../examples/web/src/page-server.js';
import { freePort } from '../../../server/dist/test/helpers/process.js';
import { authService, tlsEnv, waitFor } from '../helpers.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Skipped only on a developer's machine without Chromium; in CI a missing browser fails. */
export function chromiumMissing() {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing (.ci/run installs the chromium package)`);
  return `${CHROMIUM} is not installed (apt-get install chromium)`;
}

export async function createStage(env = {}, { cookie = false } = {}) {
  const pagePort = await freePort();
  const pageOrigin = `https://127.0.0.1:${pagePort}`;
  const service = await authService({ CORS_ORIGINS: pageOrigin, ...env });
  const tls = tlsEnv();
  const page = await startPageServer({
    authUrl: service.url,
    cert: readFileSync(tls.TLS_CERT_FILE),
    key: readFileSync(tls.TLS_KEY_FILE),
    port: pagePort,
    cookie,
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const refreshes = [];
  const tabs = [];
  context.on('request', (request) => {
    if (request.method() === 'POST' && request.url().includes('/auth/token/refresh/')) {
      const entry = { body: request.postData(), status: undefined, at: Date.now(), tab: tabs.indexOf(request.frame().page()) };
      refreshes.push(entry);
      request
        .response()
        .then((response) => {
          entry.status = response?.status() ?? 'failed';
        })
        .catch(() => {
          entry.status = 'failed';
        });
    }
  });
  return {
    service,
    context,
    refreshes,
    /** A tab on the demo page, once its client is up (window.auth). */
    async open(query = '') {
      const tab = await context.newPage();
      tabs.push(tab);
      tab.on('pageerror', (error) => console.error('page error:', error));
      await tab.goto(`${page.url}/${query}`);
      await tab.waitForFunction(() => typeof window.auth === 'object');
      // Counts the logouts this tab's client reports (onChange with null).
      await tab.evaluate(() => {
        window.logouts = 0;
        window.auth.onChange((state) => {
          if (!state) window.logouts++;
        });
      });
      return tab;
    },
    /** Waits until every refresh sent so far has its answer (or has failed). */
    settled: () => waitFor('the refresh answers', () => refreshes.every((r) => r.status !== undefined)),
    /** Closes the tabs opened so far (each test starts with none). */
    async closeTabs() {
      for (const tab of tabs.splice(0)) await tab.close();
    },
    async close() {
      await browser.close();
      await page.close();
      await service.close();
    },
  };
}

/** In the tab: calls /auth/me/ through the client every `everyMs` for `forMs`; the tally of answers. */
export function callFor(tab, forMs, everyMs = 200) {
  return tab.evaluate(
    async ([forMs, everyMs]) => {
      const tally = { ok: 0, failed: [] };
      const until = Date.now() + forMs;
      while (Date.now() < until) {
        try {
          await window.auth.user();
          tally.ok++;
        } catch (error) {
          tally.failed.push(error.code);
        }
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
      return tally;
    },
    [forMs, everyMs],
  );
}

/** Logs in through the demo page's form and waits for the page to show the user. */
export async function loginThroughForm(tab, username, password) {
  await tab.fill('#login input[name=username]', username);
  await tab.fill('#login input[name=password]', password);
  await tab.click('#login button[type=submit]');
  await tab.waitForFunction((name) => document.getElementById('username')?.textContent === name, username);
}

/** The refresh tokens presented more than once (with rotation, a second refresh of one expiry). */
export function presentedTwice(refreshes) {
  const seen = new Map();
  for (const { body } of refreshes) {
    const token = JSON.parse(body ?? '{}').refresh ?? '(cookie)';
    seen.set(token, (seen.get(token) ?? 0) + 1);
  }
  return [...seen.values()].filter((n) => n > 1).length;
}
