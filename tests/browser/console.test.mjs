// The operator console in real headless Chromium (Debian's `chromium`, driven by
// playwright-core; no browser download), against the real gateway binary, the real OpenID
// Provider and the Kestrel and Harrier connectors installed into the plugin store.
// host/tests/console_browser.rs starts all of them and runs this file with:
//   GATEWAY_URL  the gateway            IDP_ISSUER  the provider
//   AUDIT_FILE   the gateway's audit log             CONFIG_FILE  the gateway's configuration
//   KEY_ID       the vendor's key id                  HOSTILE_ACTOR  the installer's (hostile) name
//   SCREENSHOTS  where page screenshots go            CHROMIUM  the browser executable
//   USER_DATA_ROOT  where the browser profiles go
//
// The tests run in order: each step starts where the last one left off.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this through host/tests/console_browser.rs`);
  return v;
};
const GATEWAY = env('GATEWAY_URL');
const ISSUER = env('IDP_ISSUER');
const SCREENSHOTS = env('SCREENSHOTS');
const CONFIG_FILE = env('CONFIG_FILE');
const KEY_ID = env('KEY_ID');
const HOSTILE_ACTOR = env('HOSTILE_ACTOR');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const contexts = [];
let page;
const consoleErrors = [];

// A browser with a fresh profile of its own: the officer and the operator never share a session.
async function freshPage() {
  const userDataDir = mkdtempSync(join(env('USER_DATA_ROOT'), 'chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: env('CHROMIUM'),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  contexts.push(context);
  const p = context.pages()[0] ?? await context.newPage();
  p.setDefaultTimeout(15000);
  p.on('console', (m) => {
    if (m.type() === 'error' && p.url().startsWith(GATEWAY)) consoleErrors.push(`${p.url()}: ${m.text()}`);
  });
  p.on('pageerror', (e) => consoleErrors.push(`${p.url()}: ${e}`));
  return p;
}

before(async () => {
  page = await freshPage();
});

after(async () => {
  for (const c of contexts) await c.close();
});

async function shot(name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function axe(name) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => globalThis.axe.run(document, {
    resultTypes: ['violations'],
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(found, [], `axe-core on ${name}`);
}

function auditRecords() {
  return readFileSync(env('AUDIT_FILE'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function signIn(username, password) {
  await page.goto(`${GATEWAY}/console/`);
  await page.getByRole('link', { name: 'Sign in with your force account' }).click();
  await page.waitForURL((u) => u.href.startsWith(ISSUER));
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  try {
    await page.waitForURL(`${GATEWAY}/console/`);
  } catch (e) {
    await shot('console-failed-sign-in');
    throw new Error(`the sign-in stopped at ${page.url()}: ${await page.locator('body').innerText()}`);
  }
}

async function waitForConsole() {
  await page.locator('#view-console').waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.querySelectorAll('#connectors-body tr[data-connector]').length > 0);
}

async function act(buttonName, reason) {
  await page.getByRole('button', { name: buttonName }).click();
  await page.locator('#confirm').waitFor({ state: 'visible' });
  await page.getByLabel('Reason (recorded in the audit log)').fill(reason);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.locator('#confirm').waitFor({ state: 'hidden' });
  await page.locator('#action-result').waitFor({ state: 'visible' });
}

test('the console is served with the strict page policy and asks for a sign-in', async () => {
  const response = await page.goto(`${GATEWAY}/console/`);
  const h = response.headers();
  assert.equal(h['cache-control'], 'no-store');
  assert.match(h['content-security-policy'], /script-src 'self'/);
  assert.doesNotMatch(h['content-security-policy'], /unsafe-inline|unsafe-eval/);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await page.locator('#who').isVisible(), false, 'nobody is signed in yet');
  await axe('the console sign-in page');
  await shot('20-console-sign-in');
});

test('an officer is turned away, and the refusal is audited', async () => {
  await signIn('officer', 'officer-demo-password');
  await page.getByRole('heading', { name: 'Not an operator' }).waitFor();
  assert.match(await page.locator('#forbidden-text').textContent(), /signed in as officer/);
  assert.equal(await page.locator('#nav').isVisible(), false, 'no console navigation for a non-operator');
  const refused = auditRecords().filter((r) => r.operation === 'console-view' && r.user === 'officer');
  assert.ok(refused.length >= 1 && refused.every((r) => r.status === 403 && r.outcome === 'refused'), JSON.stringify(refused));
  await axe('the not-an-operator page');
  await shot('21-console-not-an-operator');
});

test('the operator sees the connectors, their charts, the history, the audit log and the keys', async () => {
  page = await freshPage();
  await signIn('operator', 'operator-demo-password');
  await waitForConsole();
  assert.match(await page.locator('#who-name').textContent(), /Signed in as operator/);
  for (const id of ['kestrel-rms', 'harrier-anpr']) {
    const row = page.locator(`#connectors-body tr[data-connector="${id}"]`);
    assert.match(await row.textContent(), /loaded/);
    assert.match(await row.textContent(), new RegExp(KEY_ID));
    // Calls were made before the browser opened: the p50 cell holds a time.
    assert.match(await row.locator('td').nth(6).textContent(), /ms$/);
    // The chart: bars of calls, and a latency line.
    const chart = page.locator(`figure[data-chart="${id}"]`);
    assert.ok(await chart.locator('svg[data-series="calls"] rect.calls').count() >= 1, `${id}: no call bars`);
    assert.equal(await chart.locator('svg[data-series="latency"] path.latency').count(), 1, `${id}: no latency line`);
    assert.match(await chart.locator('svg[data-series="calls"]').getAttribute('aria-label'), /Calls a minute/);
  }
  // The review findings policy review makes are shown (loopback is a private network grant).
  assert.ok(await page.locator('#findings-list li').count() >= 1);
  // The install history names the installer, as text: the markup in its name never runs.
  const history = page.locator('#history-body tr');
  assert.equal(await history.count(), 2);
  assert.equal(await history.first().locator('td').nth(6).textContent(), HOSTILE_ACTOR);
  assert.equal(await page.locator('#history-body img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  // The audit log verifies, with a signed checkpoint or the count of lines still unsigned.
  assert.match(await page.locator('#audit-facts').textContent(), /verified: no sign of tampering/);
  assert.match(await page.locator('#audit-facts').textContent(), /Last signed checkpoint/);
  // The trust store's key, trusted, with what it signed.
  const key = page.locator(`#keys-body tr[data-key="${KEY_ID}"]`);
  assert.match(await key.textContent(), /trusted/);
  assert.match(await key.textContent(), /harrier-anpr, kestrel-rms/);
  const viewed = auditRecords().filter((r) => r.operation === 'console-view' && r.user === 'operator');
  assert.ok(viewed.length >= 1 && viewed.every((r) => r.outcome === 'ok'), JSON.stringify(viewed));
  await axe('the console');
  await shot('22-console');
  // The first screen only, for docs/CONSOLE.md.
  await page.screenshot({ path: join(SCREENSHOTS, '22b-console-first-screen.png') });
  await page.setViewportSize({ width: 360, height: 800 });
  await shot('23-console-phone');
  await axe('the console at phone size');
  const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((e) => !e.closest('.scroll') && e.getBoundingClientRect().right > window.innerWidth + 1)
    .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className}`).slice(0, 5));
  assert.deepEqual(wide, [], 'nothing but the scrolling tables is wider than a 360 px screen');
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('a console action the session cookie authenticates needs the CSRF token', async () => {
  const statuses = await page.evaluate(async () => {
    const send = (headers) => fetch('/v1/console/reload', { method: 'POST', body: JSON.stringify({ reason: 'csrf probe' }), headers }).then((r) => r.status);
    return {
      none: await send({ 'content-type': 'application/json' }),
      wrong: await send({ 'content-type': 'application/json', 'x-csrf-token': 'not-the-token' }),
    };
  });
  assert.deepEqual(statuses, { none: 403, wrong: 403 });
  const refused = auditRecords().filter((r) => r.event === 'auth_failure' && r.user === 'operator');
  assert.ok(refused.some((r) => /x-csrf-token/i.test(r.policy_decision)), JSON.stringify(refused));
  assert.ok(!auditRecords().some((r) => r.operation === 'console-reload' && r.justification === 'csrf probe'), 'nothing was reloaded');
});

test('a role added to the file shows after a reload from the console, audited', async () => {
  const text = readFileSync(CONFIG_FILE, 'utf8');
  writeFileSync(CONFIG_FILE, `${text}\n[roles.night-desk]\nconnectors = ["kestrel-rms"]\noperations = ["search"]\n`);
  await page.getByRole('button', { name: 'Reload configuration' }).click();
  await page.locator('#confirm').waitFor({ state: 'visible' });
  await axe('the confirmation dialog');
  await shot('24-console-confirm');
  await page.getByLabel('Reason (recorded in the audit log)').fill('Night desk role, ticket OPS-2001');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.locator('#confirm').waitFor({ state: 'hidden' });
  await page.locator('#action-result').waitFor({ state: 'visible' });
  // The gateway's answer: reloaded, by the console or, a moment before, by its file watcher.
  assert.match(await page.locator('#action-result').textContent(), /configuration reloaded \(access generation \d+\)/);
  await page.locator('#roles-body tr[data-role="night-desk"]').waitFor();
  assert.match(await page.locator('#roles-body tr[data-role="night-desk"]').textContent(), /kestrel-rms.*search/);
  const records = auditRecords().filter((r) => r.operation === 'console-reload' && r.user === 'operator');
  assert.deepEqual(records.map((r) => r.phase), ['intent', 'outcome'], JSON.stringify(records));
  assert.equal(records[1].outcome, 'ok');
  assert.equal(records[1].justification, 'Night desk role, ticket OPS-2001');
  await shot('25-console-role-added');
});

test('a key revoked from the console is shown revoked, its connectors stopped, without a restart', async () => {
  await act(`Revoke key ${KEY_ID}`, 'Vendor key compromise, ticket OPS-2002');
  assert.match(await page.locator('#action-result').textContent(), new RegExp(`key ${KEY_ID} revoked`));
  assert.match(await page.locator('#action-result').textContent(), /stopped: .*kestrel-rms/);
  const key = page.locator(`#keys-body tr[data-key="${KEY_ID}"]`);
  assert.match(await key.textContent(), /revoked/);
  // The store is applied again under the new trust store: both connectors fail to load.
  await page.waitForFunction(async () => {
    document.getElementById('refresh').click();
    await new Promise((r) => setTimeout(r, 300));
    return [...document.querySelectorAll('#connectors-body tr[data-connector]')].every((tr) => /failed/.test(tr.textContent));
  }, null, { timeout: 20000, polling: 500 });
  assert.match(await page.locator('#connectors-body').textContent(), /revoked/);
  // The failed rows still name the key that signed the version that did not load.
  for (const id of ['kestrel-rms', 'harrier-anpr']) {
    assert.match(await page.locator(`#connectors-body tr[data-connector="${id}"]`).textContent(), new RegExp(KEY_ID));
  }
  // Nothing is loaded, so there is no policy to review, and the page says so.
  assert.match(await page.locator('#findings-list').textContent(), /No connector is loaded/);
  // Their charts stay, marked as stopped, agreeing with the rows' call counts.
  for (const id of ['kestrel-rms', 'harrier-anpr']) {
    const caption = await page.locator(`figure[data-chart="${id}"] figcaption`).textContent();
    assert.equal(caption, `${id} (not running now)`);
  }
  assert.match(readFileSync(CONFIG_FILE, 'utf8'), new RegExp(`revoked = \\["${KEY_ID}"\\]`));
  const records = auditRecords().filter((r) => r.operation === 'console-revoke-key' && r.user === 'operator');
  assert.deepEqual(records.map((r) => [r.phase, r.outcome]), [['intent', 'pending'], ['outcome', 'ok']], JSON.stringify(records));
  await axe('the console after a revocation');
  await shot('26-console-key-revoked');
});

test('the console raised no script error and no CSP violation', () => {
  // 401 and 403 are the answers the tests asked for (not yet signed in, the officer turned
  // away, CSRF refused).
  assert.deepEqual(consoleErrors.filter((e) => !/status of 40[13] /.test(e)), []);
});
