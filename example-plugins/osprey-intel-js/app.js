// Osprey Intel connector, written in JavaScript and built with ComponentizeJS.
//
// Osprey Intel (a fictional product of the fictional Osprey Systems) holds graded intelligence
// reports, over a JSON API described in docs/VENDOR-STANDINS.md.
//
// | operation | Osprey Intel call |
// |---|---|
// | `check` | `GET /intel/api/ping` |
// | `search` event | `GET /intel/api/reports?q=&urn=&subject=&dob=&vrm=` |
// | `fetch` event | `GET /intel/api/reports/{id}` |
// | `submit` event (intelligence-report) | `POST /intel/api/reports` with `Idempotency-Key` |
//
// Each report is an `intelligence-report` event whose handling carries its 3x5x2 grading, GSC
// marking, caveats and MoPI review date.

import { ConnectorFailure, guard } from './interop-connector/errors.js';
import { config, log } from './interop-connector/host.js';
import { getJson, join, postJson, segment } from './interop-connector/http.js';
import * as pole from './interop-connector/pole.js';
import { isIsoDate, normaliseVrm } from './interop-connector/validate.js';

const CONNECTOR_ID = 'osprey-intel';
const VERSION = '0.1.0';
const SYSTEM = 'Osprey Intel';
const DEFAULT_FORCE = 'Exampleshire Constabulary';
// Osprey pages at most 100 results.
const MAX_PAGE = 100;
// Osprey Intel stores titles up to 120 characters.
const MAX_TITLE = 120;

function settings(ctx) {
  return {
    baseUrl: config('base_url'),
    headers: {
      authorization: `Bearer ${config('token')}`,
      'x-correlation-id': ctx.correlationId,
    },
    force: config('force', { required: false }) ?? DEFAULT_FORCE,
  };
}

// Osprey's error body is `{"fault": {"message": "…"}}`.
const errorDetail = (body) => body.fault.message;

function subjectText(s) {
  const name = [s.forenames, s.surname].filter(Boolean).join(' ');
  return s.dob ? `${name} (born ${s.dob})` : name;
}

function reportRecord(r, s) {
  const [code, conditions] = [r.handling?.code, r.handling?.conditions];
  const handling = pole.handlingFromMarking(r.gsc, {
    caveats: r.caveats ?? [],
    grading: pole.grading(r.grade, code, conditions),
    reviewDate: r.review_on ?? undefined,
  });
  const about = (r.subjects ?? []).map(subjectText);
  const vrms = (r.vrms ?? []).map((v) => `VRM ${v}`);
  const mentions = [...about, ...vrms];
  const entity = pole.event('intelligence-report', {
    references: [r.urn],
    startsAt: r.recorded_at,
    exactTimeKnown: true,
    description: `${r.title}. ${r.text}${mentions.length ? ` Mentions: ${mentions.join('; ')}.` : ''}`,
    status: `recorded by ${r.author}`,
  });
  return pole.record(pole.source(s.force, SYSTEM, r.id), handling, entity);
}

function offsetOf(cursor) {
  if (cursor === undefined) return 0;
  if (!/^\d+$/.test(cursor)) {
    throw new ConnectorFailure('invalid-input', `cursor ${JSON.stringify(cursor)} is not one this connector gave`);
  }
  return Number(cursor);
}

function searchParams(query) {
  const params = { q: query.text?.trim() || undefined };
  for (const key of query.keys) {
    switch (key.tag) {
      case 'reference':
        params.urn = key.val;
        break;
      case 'name':
        params.subject = key.val.surname;
        if (key.val.dateOfBirth !== undefined) {
          if (!isIsoDate(key.val.dateOfBirth)) throw new ConnectorFailure('invalid-input', 'date of birth must be YYYY-MM-DD');
          params.dob = key.val.dateOfBirth;
        }
        break;
      case 'vrm': {
        const vrm = normaliseVrm(key.val);
        if (!vrm) throw new ConnectorFailure('invalid-input', `${JSON.stringify(key.val)} is not a VRM`);
        params.vrm = vrm;
        break;
      }
      default:
        throw new ConnectorFailure('invalid-input', `${SYSTEM} finds reports by reference, subject name or VRM, not ${key.tag}`);
    }
  }
  return params;
}

/** The Osprey Intel body for a submitted intelligence report. */
function newReport(ctx, item) {
  if (item.localId !== undefined) {
    throw new ConnectorFailure('invalid-input', `${SYSTEM} does not amend reports; submit a new one`);
  }
  if (item.entity.tag !== 'event' || item.entity.val.kind !== 'intelligence-report') {
    throw new ConnectorFailure('invalid-input', `${SYSTEM} takes intelligence-report events only`);
  }
  const e = item.entity.val;
  const text = e.description?.trim();
  if (!text) throw new ConnectorFailure('invalid-input', 'an intelligence report needs a description (its text)');
  const grade = pole.gradeOf(item.handling.grading);
  if (!grade) throw new ConnectorFailure('invalid-input', 'an intelligence report needs a 3x5x2 grading');
  if (item.handling.classification === 'top-secret') {
    throw new ConnectorFailure('invalid-input', `${SYSTEM} holds nothing above SECRET`);
  }
  const firstSentence = text.split(/(?<=[.!?])\s/)[0];
  const title = firstSentence.length <= MAX_TITLE ? firstSentence : `${firstSentence.slice(0, MAX_TITLE - 1)}…`;
  return {
    title,
    text,
    grade: grade.grade,
    handling: grade.code === 'C' ? { code: 'C', conditions: grade.conditions } : { code: 'P' },
    gsc: pole.markingOf(item.handling),
    caveats: item.handling.caveats,
    review_on: item.handling.reviewDate,
    author: ctx.userId,
  };
}

export const connector = {
  describe() {
    return pole.connectorInfo({
      id: CONNECTOR_ID,
      name: SYSTEM,
      vendor: 'Osprey Systems (fictional)',
      version: VERSION,
      description: 'Graded intelligence reports from Osprey Intel, as intelligence-report events; creates new reports. Written in JavaScript.',
      entityKinds: ['event'],
      operations: ['check', 'search', 'fetch', 'submit'],
      config: [
        pole.configKey('base_url', 'Root URL of the Osprey API (without /intel/api)', 'endpoint', { example: 'https://osprey.example.invalid' }),
        pole.configKey('token', 'Osprey Intel API token, sent as Authorization: Bearer', 'secret'),
        pole.configKey('force', "Force that owns the data, named in each record's source", 'text', { required: false, example: DEFAULT_FORCE }),
      ],
      maxClassification: 'secret',
    });
  },

  check: guard(async (ctx) => {
    const s = settings(ctx);
    const ping = await getJson(join(s.baseUrl, 'intel/api/ping'), { headers: s.headers, errorDetail });
    const data = ping?.data ?? {};
    return pole.checkReport(`${data.product ?? SYSTEM} reachable: ${data.reports ?? '?'} reports`, data.release);
  }),

  search: guard(async (ctx, query) => {
    if (query.kind !== 'event') {
      throw new ConnectorFailure('invalid-input', `${SYSTEM} holds intelligence reports (events), not ${query.kind}s`);
    }
    const params = searchParams(query);
    const offset = offsetOf(query.cursor);
    const limit = Math.min(query.limit, MAX_PAGE);
    if (limit === 0) return pole.searchResult([]);
    const s = settings(ctx);
    const page = await getJson(join(s.baseUrl, 'intel/api/reports'), {
      params: { ...params, limit, offset },
      headers: s.headers,
      errorDetail,
    });
    const items = page.data.slice(0, limit);
    const records = [];
    for (const r of items) {
      try {
        records.push(reportRecord(r, s));
      } catch (e) {
        if (!(e instanceof ConnectorFailure)) throw e;
        log('warn', `skipped Osprey report ${r.id}: ${e.message}`);
      }
    }
    const shown = offset + items.length;
    return pole.searchResult(records, shown < page.meta.total ? String(shown) : undefined, page.meta.total);
  }),

  fetch: guard(async (ctx, kind, localId) => {
    if (kind !== 'event') throw new ConnectorFailure('invalid-input', `${SYSTEM} holds intelligence reports (events), not ${kind}s`);
    const s = settings(ctx);
    const body = await getJson(join(s.baseUrl, `intel/api/reports/${segment(localId)}`), { headers: s.headers, errorDetail });
    return reportRecord(body.data, s);
  }),

  submit: guard(async (ctx, item) => {
    const report = newReport(ctx, item);
    const s = settings(ctx);
    const headers = { ...s.headers };
    if (ctx.idempotencyKey !== undefined) headers['idempotency-key'] = ctx.idempotencyKey;
    const { status, body } = await postJson(join(s.baseUrl, 'intel/api/reports'), report, { headers, errorDetail });
    log('info', `report ${body.data.id} submitted (HTTP ${status})`);
    return pole.receipt(body.data.id, status === 201, body.data.urn);
  }),
};
