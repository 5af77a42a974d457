// The docs page in a real browser (Debian's Chromium, driven by playwright-core) over real
// HTTPS: it renders the operations of our document, and no request leaves this service: every
// request the page makes is recorded, and any to another origin is refused and fails the test.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { createListeningApp, type ListeningApp } from './helpers/listening.js';
import { toolOrSkip } from './helpers/tools.js';

const browser = toolOrSkip('/usr/bin/chromium', 'chromium');

describe('docs page in headless Chromium', { skip: browser.skip }, () => {
  let t: ListeningApp;
  before(async () => {
    t = await createListeningApp('pglite');
  });
  after(() => t.close());

  test('renders our operations, loading everything from this service alone', async () => {
    const chrome = await chromium.launch({
      executablePath: browser.path,
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
    try {
      const page = await (await chrome.newContext({ ignoreHTTPSErrors: true })).newPage();
      const ours: string[] = [];
      const elsewhere: string[] = [];
      const violations: string[] = [];
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(`${t.url}/`) || url.startsWith('data:')) {
          ours.push(url);
          return route.continue();
        }
        elsewhere.push(url);
        return route.abort();
      });
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
      });
      await page.goto(`${t.url}/auth/docs/`, { waitUntil: 'networkidle' });
      await page.locator('.opblock-summary-path', { hasText: '/auth/token/refresh/' }).first().waitFor();
      const paths = await page.locator('.opblock-summary-path').allTextContents();
      assert.ok(
        paths.some((p) => p.includes('/auth/login/')),
        paths.join(' '),
      );
      assert.ok(paths.length >= 14, `operations shown: ${paths.length}`);
      assert.deepEqual(elsewhere, []);
      assert.deepEqual(violations, []);
      assert.ok(
        ours.some((u) => u.endsWith('/auth/docs/json')),
        ours.join(' '),
      );
      assert.ok(
        ours.some((u) => u.endsWith('/swagger-ui-bundle.js')),
        ours.join(' '),
      );
    } finally {
      await chrome.close();
    }
  });
});
