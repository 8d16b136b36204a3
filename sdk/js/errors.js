// Failures a connector reports, as the contract's `connector-error` cases, and the HTTP status
// table (the same as the Rust SDK's `status_error`).

export const CASES = ['invalid-input', 'not-found', 'unauthorized', 'unavailable', 'internal'];

// Longest vendor detail quoted in an error message; vendors may send whole HTML pages.
export const MAX_DETAIL = 200;

/** One of the contract's error cases with its message. `guard` turns it into `{tag, val}`. */
export class ConnectorFailure extends Error {
  constructor(tag, message) {
    if (!CASES.includes(tag)) {
      throw new TypeError(`unknown connector-error case ${JSON.stringify(tag)}`);
    }
    super(message);
    this.tag = tag;
  }
}

/** The error case for an HTTP status the vendor answered (undefined for 1xx–3xx). */
export function caseForStatus(status) {
  if (status < 400) return undefined;
  if (status === 404 || status === 410) return 'not-found';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 400 || status === 422) return 'invalid-input';
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) return 'unavailable';
  return 'internal';
}

/** Vendor text made safe to show: control characters replaced, cut to MAX_DETAIL. */
export function sanitise(detail) {
  // eslint-disable-next-line no-control-regex
  const cleaned = String(detail).trim().replace(/[\u0000-\u001f\u007f]/g, ' ');
  return cleaned.length > MAX_DETAIL ? `${cleaned.slice(0, MAX_DETAIL)}…` : cleaned;
}

/** A ConnectorFailure for an HTTP error status, quoting the vendor's detail. */
export function statusFailure(status, detail = '') {
  const clean = sanitise(detail ?? '');
  const message = `vendor answered HTTP ${status}${clean ? `: ${clean}` : ''}`;
  return new ConnectorFailure(caseForStatus(status) ?? 'internal', message);
}

/**
 * Wrap an export function so a thrown ConnectorFailure reaches the host as the contract's
 * `connector-error` (`{tag, val}`), not as a trap. Works for sync and async functions.
 */
export function guard(fn) {
  const convert = (e) => {
    if (e instanceof ConnectorFailure) return { tag: e.tag, val: e.message };
    throw e;
  };
  return function guarded(...args) {
    let result;
    try {
      result = fn.apply(this, args);
    } catch (e) {
      throw convert(e);
    }
    if (result && typeof result.then === 'function') {
      return result.catch((e) => {
        throw convert(e);
      });
    }
    return result;
  };
}
