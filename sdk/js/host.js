// What the host gives a connector besides HTTP: its granted configuration and its log. These
// import the component's WIT imports, so they work only inside a built component.

import { get as configGet } from 'interop:connector/config@0.2.0';
import { log as hostLog } from 'interop:connector/log@0.2.0';

import { ConnectorFailure } from './errors.js';

/** The value the force's policy granted for `key`; a missing required key throws
 * `invalid-input` naming it (the force's configuration is incomplete). */
export function config(key, { required = true } = {}) {
  const value = configGet(key);
  if (value === undefined || value === null || value.trim() === '') {
    if (required) throw new ConnectorFailure('invalid-input', `configuration \`${key}\` is not set`);
    return undefined;
  }
  return value;
}

/** Log a line through the host: `trace`, `debug`, `info`, `warn` or `error`. */
export function log(level, message) {
  hostLog(['trace', 'debug', 'info', 'warn', 'error'].includes(level) ? level : 'info', String(message));
}
