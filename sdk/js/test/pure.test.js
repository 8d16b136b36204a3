// Tests for the helpers that need no component: `node --test test/` in sdk/js.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';

import { ConnectorFailure, caseForStatus, guard, statusFailure } from '../errors.js';
import { formatGrade, parseGrade, parseMarking } from '../grading.js';
import { getJson, join, postJson, segment, withQuery } from '../http.js';
import * as pole from '../pole.js';
import * as v from '../validate.js';
import { warmUp } from '../warm.js';

test('dates', () => {
  assert.ok(v.isIsoDate('1988-03-14'));
  assert.ok(v.isIsoDate('2000-02-29'));
  for (const bad of ['1988-3-14', '2001-02-29', '1988-13-01', '', undefined, 19880314]) {
    assert.ok(!v.isIsoDate(bad), String(bad));
  }
  assert.equal(v.dmyToIso('14/03/1988'), '1988-03-14');
  assert.equal(v.dmyToIso('31/02/1988'), undefined);
  const today = new Date(Date.UTC(2026, 2, 1));
  assert.ok(v.isBirthDate('1988-03-14', today));
  assert.ok(!v.isBirthDate('2026-03-01', today));
  assert.ok(!v.isBirthDate('1890-01-01', today));
});

test('formats', () => {
  assert.equal(v.normaliseVrm(' zx51 abc '), 'ZX51ABC');
  assert.equal(v.normaliseVrm('ZX51-ABC'), undefined);
  assert.equal(v.normalisePostcode('sw1a2aa'), 'SW1A 2AA');
  assert.equal(v.normalisePostcode('ZZ1 1AA'), undefined, 'Z is never a second letter');
  assert.ok(v.isE164('+447700900123'));
  assert.ok(!v.isE164('07700 900123'));
  assert.ok(v.isName("O'Neil-Smith"));
  assert.ok(!v.isName('Dr. Who'));
  assert.equal(v.titleCaseName("O'NEIL-SMITH"), "O'Neil-Smith");
  assert.deepEqual(v.splitNames(' Alex  Jordan '), ['Alex', 'Jordan']);
});

test('markings and grades', () => {
  assert.deepEqual(parseMarking('official-sensitive'), ['official', true]);
  assert.deepEqual(parseMarking('TOP  SECRET'), ['top-secret', false]);
  assert.equal(parseMarking('RESTRICTED'), undefined);
  assert.deepEqual(parseGrade('2b'), ['untested', 'b']);
  for (const bad of ['4A', '2F', 'B2', '', undefined]) assert.equal(parseGrade(bad), undefined);
  for (const g of ['1A', '2C', '3E']) assert.equal(formatGrade(...parseGrade(g)), g);
});

test('status table and sanitising', () => {
  const table = { 200: undefined, 302: undefined, 400: 'invalid-input', 401: 'unauthorized', 403: 'unauthorized', 404: 'not-found', 409: 'internal', 422: 'invalid-input', 429: 'unavailable', 503: 'unavailable' };
  for (const [status, tag] of Object.entries(table)) assert.equal(caseForStatus(Number(status)), tag, status);
  const f = statusFailure(503, `down\u001b[31m\nnow${'x'.repeat(300)}`);
  assert.equal(f.tag, 'unavailable');
  assert.ok(f.message.startsWith('vendor answered HTTP 503: down [31m now'), f.message);
  assert.ok(f.message.length < 260);
  assert.throws(() => new ConnectorFailure('teapot', 'no'), TypeError);
});

test('guard turns failures into the contract error and lets bugs through', async () => {
  assert.throws(guard(() => { throw new ConnectorFailure('not-found', 'x'); }), (e) => e.tag === 'not-found' && e.val === 'x');
  await assert.rejects(guard(async () => { throw new ConnectorFailure('unavailable', 'y'); })(), (e) => e.tag === 'unavailable' && e.val === 'y');
  assert.throws(guard(() => { throw new RangeError('bug'); }), RangeError);
  assert.equal(await guard(async (a) => a + 1)(1), 2);
});

test('builders make the contract shapes', () => {
  const h = pole.handlingFromMarking('OFFICIAL-SENSITIVE', { caveats: ['PERSONAL'], grading: pole.grading('3C', 'C', 'FIB only'), reviewDate: '2027-01-01' });
  assert.deepEqual(h, { classification: 'official', sensitive: true, caveats: ['PERSONAL'], grading: { source: 'not-reliable', intelligence: 'c', handling: { tag: 'conditions', val: 'FIB only' } }, reviewDate: '2027-01-01' });
  assert.deepEqual(pole.gradeOf(h.grading), { grade: '3C', code: 'C', conditions: 'FIB only' });
  assert.equal(pole.markingOf(h), 'OFFICIAL-SENSITIVE');
  assert.throws(() => pole.handlingFromMarking('RESTRICTED'), (e) => e.tag === 'internal');
  assert.throws(() => pole.grading('2B', 'C'), (e) => e.tag === 'internal');
  const p = pole.person({ surname: 'Examplewood', givenNames: ['Alex'], dateOfBirth: '1988-03-14', gender: 'male' });
  assert.equal(p.tag, 'person');
  assert.equal(p.val.dateOfBirthKnown, true);
  assert.equal(p.val.placeOfBirth, undefined);
  assert.throws(() => pole.person({ dateOfBirth: '14/03/1988' }), (e) => e.tag === 'internal');
  assert.throws(() => pole.person({ gender: 'M' }), (e) => e.tag === 'internal');
  assert.equal(pole.vehicle({ vrm: 'zx51 abc' }).val.val.vrm, 'ZX51ABC');
  const l = pole.location({ street: '1 Road', postcode: 'ZZ1 1AA', county: 'Exampleshire' });
  assert.equal(l.val.postcode, undefined);
  assert.equal(l.val.county, 'Exampleshire, ZZ1 1AA', 'an invalid postcode goes to the county line');
  assert.equal(pole.event('intelligence-report', { references: ['R1'] }).val.kind, 'intelligence-report');
  assert.throws(() => pole.event('burglary'), (e) => e.tag === 'internal');
  assert.match(pole.source('F', 'S', 'ID').extractedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
});

test('urls', () => {
  assert.equal(join('http://h/api/', '/x'), 'http://h/api/x');
  assert.equal(withQuery('http://h/x', { a: 'b c/d', skip: undefined }), 'http://h/x?a=b%20c%2Fd');
  assert.equal(withQuery('http://h/x?y=1', { a: 1 }), 'http://h/x?y=1&a=1');
  assert.equal(segment('INT-1/x'), 'INT-1%2Fx');
});

test('getJson and postJson map statuses and failures', async () => {
  const server = createServer((req, res) => {
    const status = Number(req.url.split('/')[1]) || 200;
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status < 300 ? JSON.stringify({ method: req.method, body, key: req.headers['idempotency-key'] }) : JSON.stringify({ fault: { message: `status ${status}` } }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const errorDetail = (b) => b.fault.message;
  try {
    assert.deepEqual(await getJson(`${base}/200`), { method: 'GET', body: '' });
    const posted = await postJson(`${base}/201`, { a: 1 }, { headers: { 'idempotency-key': 'k1' } });
    assert.deepEqual(posted, { status: 201, body: { method: 'POST', body: '{"a":1}', key: 'k1' } });
    for (const [status, tag] of [[401, 'unauthorized'], [404, 'not-found'], [422, 'invalid-input'], [503, 'unavailable']]) {
      await assert.rejects(getJson(`${base}/${status}`, { errorDetail }), (e) => e.tag === tag && e.message.endsWith(`status ${status}`));
    }
    await assert.rejects(getJson('ftp://h/x'), (e) => e.tag === 'invalid-input');
  } finally {
    await new Promise((r) => server.close(r));
  }
  await assert.rejects(getJson(`${base}/200`), (e) => e.tag === 'unavailable', 'connection refused');
});

test('warmUp runs its function the times asked and lets its failure through', () => {
  let calls = 0;
  warmUp(() => { calls += 1; });
  assert.equal(calls, 2);
  warmUp(() => { calls += 1; }, 3);
  assert.equal(calls, 5);
  // A broken warm-up fails the build rather than being hidden.
  assert.throws(() => warmUp(() => { throw new TypeError('no report'); }), TypeError);
});
