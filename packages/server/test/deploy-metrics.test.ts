// deploy/grafana-dashboard.json and deploy/prometheus-alerts.yml against the service: every
// metric they query is one a live registry exports after traffic (a renamed metric would leave
// a panel empty or an alert silent), the dashboard is well-formed, and promtool accepts the rules.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createTestApp, type TestApp } from './helpers/app.js';
import { promtool, withMetrics } from './helpers/metrics.js';

const DEPLOY = new URL('../../../../deploy/', import.meta.url).pathname;
const dashboard = JSON.parse(readFileSync(`${DEPLOY}grafana-dashboard.json`, 'utf8')) as {
  uid: string;
  panels: { type: string; title: string; targets?: { expr: string }[] }[];
};
const alerts = readFileSync(`${DEPLOY}prometheus-alerts.yml`, 'utf8');

/** Metric names in PromQL text, histogram series folded into their histogram. */
function metricNames(promql: string): string[] {
  const names = promql.match(/\b(?:auth|nodejs|process)_[a-z0-9_]+/g) ?? [];
  return [...new Set(names.map((name) => name.replace(/_(bucket|count|sum)$/, '')))];
}

describe('dashboard and alerts against the exported metrics', () => {
  let t: TestApp;
  let exported: Set<string>;
  before(async () => {
    t = await createTestApp('pglite');
    const m = await withMetrics(t);
    await t.user('alice');
    await m.api.login('alice');
    await m.api.get('/auth/health/ready/');
    const text = await m.metrics.registry.metrics();
    exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] as string));
    await m.close();
  });
  after(() => t.close());

  test('every panel queries metrics the service exports', () => {
    const queried = dashboard.panels.flatMap((panel) => (panel.targets ?? []).flatMap((target) => metricNames(target.expr)));
    assert.ok(queried.length > 15, `metrics queried: ${queried.length}`);
    assert.deepEqual(
      queried.filter((name) => !exported.has(name)),
      [],
    );
  });

  test('the panels an on-call engineer opens first are there', () => {
    const titles = dashboard.panels.map((panel) => panel.title).join('\n');
    for (const wanted of [
      /Request rate by route/,
      /Errors by route/,
      /Latency/,
      /Logins by outcome/,
      /hash pool/i,
      /Database pool/,
      /key age/i,
    ]) {
      assert.match(titles, wanted);
    }
    assert.equal(dashboard.uid, 'auth-service');
  });

  test('every alert queries metrics the service exports (or up)', () => {
    assert.deepEqual(
      metricNames(alerts).filter((name) => !exported.has(name)),
      [],
    );
  });

  test('promtool check rules accepts the alerts', { skip: promtool.skip }, async () => {
    const { stdout } = await promisify(execFile)(promtool.path as string, ['check', 'rules', `${DEPLOY}prometheus-alerts.yml`]);
    assert.match(stdout, /SUCCESS: \d+ rules found/);
  });
});
