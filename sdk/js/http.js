// JSON over HTTP with the global `fetch`, which ComponentizeJS sends through the host's
// wasi:http/outgoing-handler (build with `--disable fetch-event`, keeping `http`).
//
//   const status = await getJson(join(base, '/intel/api/ping'), { headers: { authorization } });
//   const { status, body } = await postJson(url, value, { headers: { 'idempotency-key': key } });
//
// A non-2xx answer throws ConnectorFailure with the case caseForStatus gives (401/403 →
// unauthorized, 404 → not-found, 400/422 → invalid-input, 408/429/5xx → unavailable); a request
// that fails (refused, unreachable, timed out, denied by the host's policy) throws
// `unavailable`: `fetch` does not say which. The host caps every request's timeouts (5 s to
// connect, 8 s to the first byte, 5 s between bytes).

import { ConnectorFailure, statusFailure } from './errors.js';
import { warmUp } from './warm.js';

/** Largest response body read; a vendor streaming without end fails with `internal`. */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** `join('http://h/api/', '/x')` → `'http://h/api/x'`: exactly one slash between. */
export function join(base, path) {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** Append `params` (undefined/null values skipped), percent-encoded, to `url`. */
export function withQuery(url, params = {}) {
  const pairs = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  if (pairs.length === 0) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${pairs.join('&')}`;
}

/** `value` percent-encoded as one path segment (`/` included). */
export function segment(value) {
  return encodeURIComponent(String(value));
}

/** Throws `invalid-input` unless `url` is an absolute http(s) URL (a configuration fault). */
export function checkUrl(url) {
  if (typeof url !== 'string' || !/^https?:\/\/[^/?#@\s]+/i.test(url)) {
    throw new ConnectorFailure('invalid-input', `not an http(s) URL: ${JSON.stringify(url)}`);
  }
  return url;
}

async function send(method, url, { headers = {}, body, errorDetail } = {}) {
  checkUrl(url);
  let response;
  try {
    response = await fetch(url, { method, headers: { accept: 'application/json', ...headers }, body });
  } catch (e) {
    throw new ConnectorFailure('unavailable', `${method} ${url}: vendor unreachable: ${e?.message ?? e}`);
  }
  let text;
  try {
    text = await response.text();
  } catch (e) {
    throw new ConnectorFailure('unavailable', `${method} ${url}: reading the answer: ${e?.message ?? e}`);
  }
  if (text.length > MAX_RESPONSE_BYTES) {
    throw new ConnectorFailure('internal', `${method} ${url}: answer larger than ${MAX_RESPONSE_BYTES} bytes`);
  }
  if (response.status < 200 || response.status > 299) {
    let detail = text;
    if (errorDetail) {
      try {
        detail = errorDetail(JSON.parse(text)) ?? text;
      } catch {
        // the vendor's error body is not what it documents: quote it raw
      }
    }
    throw statusFailure(response.status, detail);
  }
  if (text.length === 0) return { status: response.status, body: undefined };
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch (e) {
    throw new ConnectorFailure('internal', `${method} ${url}: vendor sent invalid JSON: ${e.message}`);
  }
}

/** GET `url` with `params` as its query; the JSON body of a 2xx answer.
 * `errorDetail(body)` picks the vendor's message out of its JSON error body. */
export async function getJson(url, { params, headers, errorDetail } = {}) {
  return (await send('GET', withQuery(url, params), { headers, errorDetail })).body;
}

/** POST `value` as JSON; `{status, body}` for a 2xx answer (so `201` and a `200` replay differ). */
export async function postJson(url, value, { headers = {}, errorDetail } = {}) {
  return send('POST', url, {
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
    errorDetail,
  });
}

// What a call does with the vendor's answer besides fetching it, warmed while the component is
// built (see warm.js). `send` itself cannot be: `fetch` needs the host.
warmUp(() => {
  checkUrl(withQuery(join('http://warm-up.example.invalid/api/', '/v1/items'), { q: 'Sam Sample', n: 10, none: undefined }));
  JSON.parse('{"count":1,"results":[{"id":"W-1","name":{"first":"Sam","last":"SAMPLE"},"tags":[],"n":1,"x":null,"ok":true}]}');
});
