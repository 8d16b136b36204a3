// interop operator console: one plain ES module, no dependencies, nothing fetched but the
// gateway's own API. Everything from the gateway reaches the page as text (textContent, text
// nodes): connector names, versions, reasons and findings are a vendor's words and may be
// hostile. This file never assigns innerHTML. Charts are SVG elements built here from the
// JSON of GET /v1/console.

const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

let me = null; // GET /auth/session
let view = null; // GET /v1/console

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && me && me.csrf_token) headers['x-csrf-token'] = me.csrf_token;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'The gateway cannot be reached. Check your connection and try again.');
  }
  let json = null;
  try {
    json = await response.json();
  } catch {
    json = null;
  }
  if (!response.ok) {
    const message = (json && typeof json.error === 'string') ? json.error : `The gateway answered ${response.status}.`;
    throw new ApiError(response.status, message);
  }
  return json;
}

// An element with attributes (never event handlers) and children (strings become text nodes).
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

function show(id) {
  for (const v of ['view-loading', 'view-signed-out', 'view-forbidden', 'view-console']) $(v).hidden = v !== id;
}

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = !message;
}

const ms = (v) => (v === null || v === undefined ? '—' : v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`);
const pct = (r) => `${(r * 100).toFixed(r > 0 && r < 0.01 ? 2 : 1)} %`;
const short = (sha) => (sha ? sha.slice(0, 12) : '');
const minute = (unix) => new Date(unix * 1000).toISOString().slice(11, 16);

function state(text, kind) {
  return el('span', { class: `state ${kind}` }, text);
}

// ---- sign-in --------------------------------------------------------------------------------

async function start() {
  try {
    me = await api('GET', '/auth/session');
  } catch (e) {
    if (e.status === 401) {
      show('view-signed-out');
      $('sign-in').focus();
      return;
    }
    show('view-signed-out');
    showError(e.message);
    return;
  }
  $('who-name').textContent = `Signed in as ${me.user}`;
  $('who').hidden = false;
  await refresh();
}

$('sign-out').addEventListener('click', async () => {
  try {
    const answer = await api('POST', '/auth/logout', {});
    me = null;
    if (answer && answer.provider_logout_url) {
      location.assign(answer.provider_logout_url);
      return;
    }
  } catch (e) {
    if (e.status !== 401) {
      showError(e.message);
      return;
    }
  }
  $('who').hidden = true;
  $('nav').hidden = true;
  show('view-signed-out');
});

async function refresh() {
  try {
    view = await api('GET', '/v1/console');
  } catch (e) {
    if (e.status === 401) {
      me = null;
      $('who').hidden = true;
      show('view-signed-out');
      showError('Your session has ended. Sign in again.');
      return;
    }
    if (e.status === 403) {
      $('forbidden-text').textContent = `You are signed in as ${me.user}, and none of your roles opens the operator console (the gateway says: ${e.message}). Ask your gateway's administrator if you need it.`;
      show('view-forbidden');
      return;
    }
    showError(e.message);
    return;
  }
  showError('');
  render();
  $('nav').hidden = false;
  show('view-console');
}

$('refresh').addEventListener('click', () => refresh());

// ---- rendering ------------------------------------------------------------------------------

function render() {
  const acts = view.operate === 'act';
  const summary = $('summary');
  summary.replaceChildren(
    el('span', {}, 'Gateway ', el('strong', {}, view.gateway_id)),
    el('span', {}, `Up ${formatUptime(view.uptime_seconds)}`),
    el('span', {}, `Access configuration generation ${view.access.generation}`),
    el('span', {}, 'Audit log ', view.audit.verified ? state('verified', 'good') : state('NOT verified', 'bad')),
    el('span', {}, `You may ${acts ? 'view and act' : 'view only'}`),
  );
  $('reload').hidden = !acts;
  $('connector-actions-head').hidden = !acts;
  $('key-actions-head').hidden = !acts;
  renderConnectors(acts);
  renderCharts();
  renderFindings();
  renderHistory();
  renderAudit();
  renderAccess(acts);
  renderReload();
}

function formatUptime(s) {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function renderConnectors(acts) {
  const rows = view.connectors.map((c) => {
    const health = c.health === 'loaded'
      ? [state('loaded', 'good'), c.reason ? el('span', { class: 'reason' }, `New version did not load: ${c.reason}`) : null]
      : [state('failed', 'bad'), el('span', { class: 'reason' }, c.reason || 'did not load')];
    const worst = c.findings[0];
    const review = c.health !== 'loaded' ? 'not loaded' : c.findings.length === 0 ? 'no findings'
      : `${c.findings.length} finding${c.findings.length === 1 ? '' : 's'}, worst ${worst.severity}`;
    const actions = [];
    if (acts && c.source === 'store') {
      if (c.can_roll_back) actions.push(actionButton('Roll back', `Roll back ${c.id}`, () => confirmAction(`Roll back ${c.id} to its previous version?`, `/v1/console/connectors/${encodeURIComponent(c.id)}/rollback`)));
      actions.push(actionButton('Remove', `Remove ${c.id}`, () => confirmAction(`Remove ${c.id} from the plugin store? It stops taking calls now.`, `/v1/console/connectors/${encodeURIComponent(c.id)}/remove`), 'danger'));
    }
    return el('tr', { 'data-connector': c.id },
      el('th', { scope: 'row' }, el('span', { class: 'mono' }, c.id), c.name ? el('br') : null, c.name || null,
        el('br'), el('span', { class: 'note' }, c.source === 'store' ? 'plugin store' : '[[connectors]]')),
      el('td', {}, c.version),
      el('td', {}, c.contract_version || '—'),
      el('td', { class: 'mono' }, c.signer || (c.health === 'loaded' ? 'unsigned' : '—')),
      el('td', {}, health),
      el('td', { class: 'num' }, String(c.recent.calls)),
      el('td', { class: 'num' }, c.recent.calls ? pct(c.recent.failure_rate) : '—'),
      el('td', { class: 'num' }, ms(c.recent.p50_ms)),
      el('td', { class: 'num' }, ms(c.recent.p99_ms)),
      el('td', {}, c.findings.length ? el('a', { href: `#findings-${c.id}` }, review) : review),
      acts ? el('td', {}, actions.length ? actions : el('span', { class: 'note' }, c.source === 'store' ? '' : 'change in the file')) : null,
    );
  });
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: acts ? 11 : 10 }, 'No connector runs.')));
  $('connectors-body').replaceChildren(...rows);
}

function actionButton(label, accessible, onClick, kind) {
  const b = el('button', { type: 'button', 'aria-label': accessible, class: kind });
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

// Two small charts a connector: calls a minute (failed ones in red, stacked) and the median
// latency a minute, over the window the gateway reports. A connector that is not running now
// but ran in the window keeps its charts, marked as stopped, so they agree with its table row.
function renderCharts() {
  const shown = view.connectors.filter((c) => c.health === 'loaded' || c.recent.calls > 0);
  const figures = shown.map((c) => {
    const m = c.recent.minutes;
    const stopped = c.health === 'loaded' ? '' : ' (not running now)';
    const caption = `${c.id}${stopped}: ${c.recent.calls} calls, ${c.recent.failed} failed, p50 ${ms(c.recent.p50_ms)}, p99 ${ms(c.recent.p99_ms)}`;
    return el('figure', { class: 'chart', 'data-chart': c.id },
      el('figcaption', {}, c.id + stopped),
      el('p', {}, caption),
      callsChart(m, c.id),
      latencyChart(m, c.id),
      el('ul', { class: 'legend' }, el('li', { class: 'calls' }, 'calls'), el('li', { class: 'failed' }, 'failed'), el('li', { class: 'latency' }, 'median latency')),
    );
  });
  if (figures.length === 0) figures.push(el('p', { class: 'note' }, 'No connector is running, and none ran in the last 30 minutes.'));
  $('charts').replaceChildren(...figures);
}

const W = 300;
const H = 70;
const PAD = 14;

function frame(label, id, heading) {
  const s = svg('svg', { viewBox: `0 -${PAD} ${W} ${H + 2 * PAD}`, class: 'spark', role: 'img', 'aria-label': label, 'data-series': id });
  s.append(svg('title', {}, label));
  s.append(svg('text', { x: 0, y: -3 }, heading));
  s.append(svg('line', { class: 'axis', x1: 0, y1: H, x2: W, y2: H }));
  return s;
}

function callsChart(minutes, id) {
  const max = Math.max(1, ...minutes.map((b) => b.calls));
  const total = minutes.reduce((a, b) => a + b.calls, 0);
  const s = frame(`Calls a minute to ${id}, last ${minutes.length} minutes: ${total} in all, at most ${max} in a minute`, 'calls', 'calls a minute');
  const bw = W / minutes.length;
  minutes.forEach((b, i) => {
    if (b.calls === 0) return;
    const h = (b.calls / max) * (H - 4);
    const fh = (b.failed / max) * (H - 4);
    s.append(svg('rect', { class: 'calls', x: (i * bw + 1).toFixed(1), y: (H - h).toFixed(1), width: Math.max(1, bw - 2).toFixed(1), height: (h - fh).toFixed(1) }));
    if (b.failed > 0) s.append(svg('rect', { class: 'failed', x: (i * bw + 1).toFixed(1), y: (H - fh).toFixed(1), width: Math.max(1, bw - 2).toFixed(1), height: fh.toFixed(1) }));
  });
  s.append(svg('text', { x: 0, y: H + PAD - 2 }, minutes.length ? minute(minutes[0].start) : ''));
  s.append(svg('text', { x: W, y: H + PAD - 2, 'text-anchor': 'end' }, `${max}/min max`));
  return s;
}

function latencyChart(minutes, id) {
  const values = minutes.map((b) => b.p50_ms);
  const max = Math.max(1, ...values.filter((v) => v !== null));
  const s = frame(`Median latency a minute of ${id}: at most ${ms(max)}`, 'latency', 'median latency a minute');
  const bw = W / minutes.length;
  let d = '';
  values.forEach((v, i) => {
    if (v === null) return;
    const x = (i * bw + bw / 2).toFixed(1);
    const y = (H - (v / max) * (H - 4)).toFixed(1);
    d += `${d ? 'L' : 'M'}${x} ${y} `;
    s.append(svg('circle', { class: 'dot', cx: x, cy: y, r: 2 }));
  });
  if (d) s.append(svg('path', { class: 'latency', d: d.trim() }));
  s.append(svg('text', { x: 0, y: H + PAD - 2 }, minutes.length ? minute(minutes[0].start) : ''));
  s.append(svg('text', { x: W, y: H + PAD - 2, 'text-anchor': 'end' }, `${ms(max)} max`));
  return s;
}

function renderFindings() {
  const blocks = view.connectors.filter((c) => c.health === 'loaded').map((c) => [
    el('h3', { id: `findings-${c.id}` }, `${c.id} ${c.version}`),
    c.findings.length === 0
      ? el('p', { class: 'note' }, 'policy review finds nothing.')
      : el('ul', { class: 'findings' }, c.findings.map((f) => el('li', {},
        el('span', { class: `sev ${f.severity}` }, f.severity), ' ',
        el('code', {}, f.code), ' ', f.message, f.line ? ` (policy line ${f.line})` : ''))),
  ]);
  if (blocks.length === 0) {
    blocks.push([el('p', { class: 'note' }, 'No connector is loaded: there is no policy to review.')]);
  }
  $('findings-list').replaceChildren(...blocks.flat());
}

function renderHistory() {
  const store = view.store;
  if (!store) {
    $('history-note').textContent = 'This gateway has no plugin store ([store]): its connectors come from [[connectors]] in the configuration file.';
    $('history-body').replaceChildren(el('tr', {}, el('td', { colspan: 8 }, 'No plugin store.')));
    return;
  }
  $('history-note').textContent = store.history_error
    ? `The store's change log does not verify: ${store.history_error}`
    : `Store generation ${store.generation}; the change log's chain verifies.`;
  const rows = store.history.map((h) => el('tr', {},
    el('td', { class: 'num' }, String(h.generation)),
    el('td', {}, h.time),
    el('td', {}, h.action),
    el('td', { class: 'mono' }, h.connector),
    el('td', {}, h.from_version || '—'),
    el('td', {}, h.to_version || '—'),
    el('td', {}, h.actor),
    el('td', { class: 'mono' }, h.signer || '—'),
  ));
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: 8 }, 'Nothing installed yet.')));
  $('history-body').replaceChildren(...rows);
}

function renderAudit() {
  const a = view.audit;
  const facts = [
    ['State', a.error ? state(`cannot be read: ${a.error}`, 'bad') : a.verified ? state('verified: no sign of tampering', 'good') : state(`tampering: ${a.problem}`, 'bad')],
    ['Checked', a.checked_at],
    ['Records', String(a.records)],
    ['Last sequence number', String(a.last_seq)],
    ['Last signed checkpoint', a.last_checkpoint ? `seq ${a.last_checkpoint.seq}, ${a.last_checkpoint.records} records, signed ${a.last_checkpoint.time}` : 'none yet'],
    ['Not yet signed', `${a.unsigned_tail} line${a.unsigned_tail === 1 ? '' : 's'} after the checkpoint`],
    ['Writes with no outcome', a.open_intents ? state(String(a.open_intents), 'warn') : '0'],
  ];
  if (a.torn_tail) facts.push(['Crash mark', state('a torn last line (not tampering)', 'warn')]);
  $('audit-state').replaceChildren(el('dl', { class: 'facts', id: 'audit-facts' }, facts.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]).flat()));
}

function renderAccess(acts) {
  const acc = view.access;
  $('access-note').textContent = `As in force now (generation ${acc.generation})${acc.allow_unsigned ? '; UNSIGNED connectors are allowed (development only)' : ''}.`;
  const keys = acc.keys.map((k) => el('tr', { 'data-key': k.key_id },
    el('td', { class: 'mono' }, k.key_id),
    el('td', {}, k.comment || '—'),
    el('td', {}, k.status === 'revoked' ? state('revoked', 'bad') : state('trusted', 'good')),
    el('td', {}, k.connectors.length ? k.connectors.join(', ') : '—'),
    acts ? el('td', {}, k.status === 'trusted'
      ? actionButton('Revoke', `Revoke key ${k.key_id}`, () => confirmAction(`Revoke key ${k.key_id}? Connectors it signed stop now, and it is added to [trust] revoked in the configuration file.`, `/v1/console/keys/${encodeURIComponent(k.key_id)}/revoke`), 'danger')
      : '') : null,
  ));
  if (keys.length === 0) keys.push(el('tr', {}, el('td', { colspan: acts ? 5 : 4 }, 'No keys.')));
  $('keys-body').replaceChildren(...keys);
  $('roles-body').replaceChildren(...acc.roles.map((r) => el('tr', { 'data-role': r.name },
    el('th', { scope: 'row' }, r.name),
    el('td', {}, r.connectors.length ? r.connectors.join(', ') : '—'),
    el('td', {}, r.operations.length ? r.operations.join(', ') : '—'),
    el('td', {}, r.audit ? 'reads' : '—'),
    el('td', {}, r.operate || '—'),
  )));
  const users = [
    ...acc.users.map((u) => el('tr', {}, el('th', { scope: 'row' }, u.id), el('td', {}, 'token user'), el('td', {}, u.roles.join(', ') || '—'), el('td', {}, u.clearance))),
    ...acc.group_roles.map((g) => el('tr', {}, el('th', { scope: 'row' }, g.group), el('td', {}, 'provider group'), el('td', {}, g.roles.join(', ') || '—'), el('td', {}, '—'))),
  ];
  if (users.length === 0) users.push(el('tr', {}, el('td', { colspan: 4 }, 'No users.')));
  $('users-body').replaceChildren(...users);
}

function renderReload() {
  const r = view.last_reload;
  if (!r) {
    $('last-reload').replaceChildren(el('p', { class: 'note' }, 'No reload since the gateway started.'));
    return;
  }
  const list = (items) => (items.length ? el('ul', {}, items.map((i) => el('li', {}, i))) : 'none');
  $('last-reload').replaceChildren(el('dl', { class: 'facts', id: 'reload-facts' },
    el('dt', {}, 'When'), el('dd', {}, r.time),
    el('dt', {}, 'Trigger'), el('dd', {}, r.trigger),
    el('dt', {}, 'Result'), el('dd', {}, r.accepted ? state(`accepted, generation ${r.generation}`, 'good') : state(`refused: ${r.reason}`, 'bad')),
    el('dt', {}, 'Changes'), el('dd', {}, list(r.changes)),
    el('dt', {}, 'Stopped'), el('dd', {}, list(r.stopped)),
    el('dt', {}, 'Waits for a restart'), el('dd', {}, list(r.restart_needed)),
  ));
}

// ---- actions --------------------------------------------------------------------------------

let pending = null;

function confirmAction(text, path) {
  pending = path;
  $('action-result').hidden = true;
  $('confirm-title').textContent = 'Confirm';
  $('confirm-text').textContent = text;
  $('confirm-reason').value = '';
  $('confirm-error').hidden = true;
  $('confirm').showModal();
  $('confirm-reason').focus();
}

$('reload').addEventListener('click', () => confirmAction('Reload the configuration file now (users, roles, claims mapping and trust store)?', '/v1/console/reload'));
$('confirm-cancel').addEventListener('click', () => {
  pending = null;
  $('confirm').close();
});

$('confirm-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const reason = $('confirm-reason').value.trim();
  if ([...reason.replace(/\s/g, '')].length < 3) {
    $('confirm-error').textContent = 'Give a reason of at least 3 visible characters.';
    $('confirm-error').hidden = false;
    $('confirm-reason').focus();
    return;
  }
  const path = pending;
  $('confirm-go').disabled = true;
  try {
    const answer = await api('POST', path, { reason });
    $('confirm').close();
    pending = null;
    // The gateway's own words: what it did, and for a reload what changed and what stopped.
    const words = [answer.message];
    // The view first, then the result: once the result shows, the page shows what it did.
    await refresh();
    $('action-result').textContent = words.join(' ');
    $('action-result').hidden = false;
  } catch (e) {
    $('confirm-error').textContent = e.message;
    $('confirm-error').hidden = false;
  } finally {
    $('confirm-go').disabled = false;
  }
});

start();
