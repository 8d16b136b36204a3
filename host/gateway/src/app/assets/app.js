// interop officer's app: one ES module, no framework, no build step. It uses only the
// gateway's public API: /auth/* to sign in and out, /v1/* for everything else.
//
// Everything a connector sent is hostile: it reaches the page only as text (textContent and
// text nodes), never as HTML. This file never assigns innerHTML.

const $ = (id) => document.getElementById(id);

// ---- state kept for this browser tab's session --------------------------------------------

let me = null; // GET /auth/session: { user, roles, clearance, via, csrf_token }
let lastAnswer = null; // the last /v1/search answer
const CASE_KEY = 'interop.case';

function currentCase() {
  try {
    const c = JSON.parse(sessionStorage.getItem(CASE_KEY) || 'null');
    return c && typeof c.justification === 'string' ? c : null;
  } catch {
    return null;
  }
}

// ---- DOM helpers: text only ---------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = String(v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return node;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

const VIEWS = ['loading', 'signed-out', 'case', 'search', 'profile', 'enter'];

function show(view) {
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== view;
  const signedIn = me !== null;
  $('nav').hidden = !signedIn;
  $('who').hidden = !signedIn;
  const heading = document.querySelector(`#view-${view} h1`);
  document.title = `${heading ? heading.textContent : 'interop'} — interop`;
}

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = !message;
  if (message) box.scrollIntoView({ block: 'nearest' });
}

// ---- the API ------------------------------------------------------------------------------

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
  if (response.status === 401 && path !== '/auth/session') {
    me = null;
    signedOut('Your session has ended (signed out, or unused for too long). Sign in again.');
    throw new ApiError(401, 'Your session has ended. Sign in again.');
  }
  if (!response.ok && !(json && (json.targets || json.groups))) {
    let message = (json && typeof json.error === 'string') ? json.error : `The gateway answered ${response.status}.`;
    if (response.status === 429) {
      const wait = response.headers.get('retry-after');
      message = `Too many requests: wait ${wait || 'a few'} seconds and try again.`;
    }
    throw new ApiError(response.status, message);
  }
  return json;
}

// ---- sign-in and the case -----------------------------------------------------------------

function signedOut(note) {
  me = null;
  $('signed-out-note').textContent = note || '';
  show('signed-out');
}

async function loadSession() {
  try {
    me = await api('GET', '/auth/session');
  } catch (e) {
    me = null;
    if (e.status === 401) return signedOut('');
    showError(e.message);
    return signedOut('');
  }
  $('who-name').textContent = `Signed in as ${me.user}`;
  route();
}

function caseLine() {
  const c = currentCase();
  if (!c) return '';
  return `Case: ${c.case_reference || 'no reference'} — ${c.justification}`;
}

function route() {
  showError('');
  if (!me) return signedOut('');
  if (!currentCase()) {
    show('case');
    $('justification').focus();
    return;
  }
  $('case-line').textContent = caseLine();
  $('case-line-enter').textContent = caseLine();
  const hash = location.hash || '#search';
  if (hash.startsWith('#profile/') && lastAnswer) {
    const id = decodeURIComponent(hash.slice('#profile/'.length));
    const group = lastAnswer.groups.find((g) => g.id === id);
    if (group) return showProfile(group);
  }
  if (hash === '#enter') {
    show('enter');
    return;
  }
  show('search');
}

$('case-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const justification = $('justification').value.trim();
  const visible = [...justification.replace(/\s/gu, '')].length;
  if (visible < 10) {
    showError('The justification needs at least 10 visible characters: say why you are searching.');
    $('justification').focus();
    return;
  }
  const caseReference = $('case-reference').value.trim();
  sessionStorage.setItem(CASE_KEY, JSON.stringify({ justification, case_reference: caseReference || null }));
  location.hash = '#search';
  route();
  $('q').focus();
});

$('sign-out').addEventListener('click', async () => {
  showError('');
  sessionStorage.removeItem(CASE_KEY);
  try {
    const answer = await api('POST', '/auth/logout', {});
    me = null;
    if (answer && answer.provider_logout_url) {
      location.assign(answer.provider_logout_url);
      return;
    }
    signedOut('You are signed out.');
  } catch (e) {
    if (e.status !== 401) showError(e.message);
  }
});

// ---- the one search box -------------------------------------------------------------------

const POSTCODE = /^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$/i;
const VRM = /^(?=.*\d)(?=.*[A-Z])[A-Z0-9]{2,4}\s?[A-Z0-9]{1,4}$/i;
const DATE = /\b(\d{4})-(\d{2})-(\d{2})\b|\b(\d{1,2})\/(\d{1,2})\/(\d{4})\b/;

// What the box understood: a /v1/search query and a sentence saying so.
export function understand(raw) {
  const text = raw.trim().replace(/\s+/g, ' ');
  if (!text) return null;
  const digits = text.replace(/\D/g, '');
  if (POSTCODE.test(text)) {
    return { said: `a postcode: ${text.toUpperCase()}`,
      query: { kind: 'location', keys: [{ kind: 'postcode', postcode: text.toUpperCase() }] } };
  }
  if (/^\+?[\d\s()-]+$/.test(text) && digits.length >= 10) {
    return { said: `a phone number: ${text}`,
      query: { kind: 'object', keys: [{ kind: 'telephone', number: text }] } };
  }
  if (VRM.test(text) && text.replace(/\s/g, '').length <= 8) {
    const vrm = text.toUpperCase().replace(/\s/g, '');
    return { said: `a vehicle registration: ${vrm}`,
      query: { kind: 'object', keys: [{ kind: 'vrm', vrm }] } };
  }
  const date = text.match(DATE);
  let dob = null;
  let rest = text;
  if (date) {
    dob = date[1] ? `${date[1]}-${date[2]}-${date[3]}`
      : `${date[6]}-${date[5].padStart(2, '0')}-${date[4].padStart(2, '0')}`;
    rest = text.replace(date[0], ' ').replace(/\s+/g, ' ').trim();
  }
  const words = rest.replace(/,/g, ' ').split(' ').filter(Boolean);
  if (words.length >= 1 && words.length <= 4 && words.every((w) => /^[\p{L}'-]+$/u.test(w))) {
    let surname;
    let given = null;
    if (rest.includes(',')) {
      const [s, g] = rest.split(',');
      surname = s.trim();
      given = g.trim().split(' ')[0] || null;
    } else {
      surname = words[words.length - 1];
      given = words.length > 1 ? words[0] : null;
    }
    const said = `a name: ${given ? `${given} ` : ''}${surname}${dob ? `, born ${dob}` : ''}`;
    return { said, query: { kind: 'person',
      keys: [{ kind: 'name', surname, given_name: given, date_of_birth: dob }] } };
  }
  return { said: `free text: “${text}”`, query: { kind: 'person', text } };
}

$('q').addEventListener('input', () => {
  const u = understand($('q').value);
  $('q-understood').textContent = u ? `Searching for ${u.said}` : '';
});

function entityOf(hit) {
  return (hit && hit.record && hit.record.entity) || {};
}

function personName(e) {
  const given = Array.isArray(e.given_names) ? e.given_names.join(' ') : '';
  return [given, e.surname].filter(Boolean).join(' ');
}

// `1 record`, `2 records`: a count in words, singular or plural.
function counted(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

// A one-line title for a group of records, from the first record's own words. A fact the
// group's people records hold differently is not stated as one: every date of birth they hold
// is named.
function titleOf(group) {
  const e = entityOf(group.records[0]);
  switch (e.kind) {
    case 'person': {
      const name = personName(e) || 'Unnamed person';
      const born = [...new Set(group.records.map(entityOf)
        .filter((p) => p.kind === 'person' && p.date_of_birth).map((p) => p.date_of_birth))];
      return born.length ? `${name}, born ${born.join(' or ')}` : name;
    }
    case 'object':
      if (e.type === 'vehicle') {
        return [e.vrm, [e.colours && e.colours.join('/'), e.make, e.model].filter(Boolean).join(' ')]
          .filter(Boolean).join(' — ') || 'Vehicle';
      }
      return e.number || e.address || e.description || e.type || 'Object';
    case 'location':
      return [[e.premises, e.street].filter(Boolean).join(' '), e.town, e.postcode, e.area]
        .filter(Boolean).join(', ') || 'Location';
    case 'event':
      return [e.event_kind, e.category, e.starts_at].filter(Boolean).join(' — ') || 'Event';
    case 'organisation':
      return e.name || 'Organisation';
    default:
      return group.id || 'Record';
  }
}

function systemsOf(group) {
  return [...new Set(group.records.map((h) => h.connector))];
}

function renderSources(answer) {
  const box = $('sources');
  clear(box);
  const failed = answer.sources.filter((s) => s.status !== 'ok');
  box.hidden = false;
  if (failed.length === 0) {
    box.className = 'banner ok';
    box.append(`Every system answered: ${answer.sources.map((s) => s.connector).join(', ')}.`);
  } else {
    box.className = 'banner';
    box.append(el('strong', { text: 'Not every system answered. ' }));
    const list = el('ul');
    for (const s of failed) {
      const what = s.status === 'timed_out' ? 'timed out' : 'failed';
      list.append(el('li', {}, `${s.connector} ${what}${s.message ? `: ${s.message}` : ''}`));
    }
    box.append(list, 'Results below may be incomplete.');
  }
  if (answer.withheld > 0) {
    box.append(el('p', {}, `${counted(answer.withheld, 'record', 'records')} withheld: above your clearance.`));
  }
}

function renderResults(answer) {
  const list = $('results');
  clear(list);
  $('results-heading').hidden = false;
  if (answer.groups.length === 0) {
    list.append(el('li', {}, 'Nothing found in any system.'));
    return;
  }
  for (const group of answer.groups) {
    const systems = systemsOf(group);
    const tags = el('p', {}, 'Held by: ', ...systems.map((s) => el('span', { class: 'tag' }, s)));
    const open = el('a', { class: 'button open', href: `#profile/${encodeURIComponent(group.id)}` },
      'Open profile');
    open.setAttribute('aria-label', `Open profile: ${titleOf(group)}`);
    const possible = possibleMatches(group).length;
    const note = counted(group.records.length, 'record', 'records')
      + (possible ? `; ${counted(possible, 'possible match', 'possible matches')} shown beside it, not merged` : '');
    list.append(el('li', {}, el('h3', {}, titleOf(group)), tags,
      el('p', { class: 'note' }, note), open));
  }
}

$('search-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const u = understand($('q').value);
  if (!u) {
    showError('Type something to search for: a name, a registration, a phone number or a postcode.');
    $('q').focus();
    return;
  }
  const c = currentCase();
  const button = event.submitter || $('search-form').querySelector('button');
  button.disabled = true;
  clear($('results'));
  $('results-heading').hidden = true;
  $('sources').hidden = true;
  $('results').setAttribute('aria-busy', 'true');
  try {
    const answer = await api('POST', '/v1/search', {
      justification: c.justification,
      case_reference: c.case_reference,
      query: { ...u.query, limit: 50 },
    });
    lastAnswer = answer;
    renderSources(answer);
    renderResults(answer);
  } catch (e) {
    showError(e.message);
  } finally {
    button.disabled = false;
    $('results').removeAttribute('aria-busy');
  }
});

// ---- the profile: one picture, every source side by side ----------------------------------

const LABELS = {
  given_names: 'Given names', middle_names: 'Middle names', surname: 'Surname', aliases: 'Aliases',
  date_of_birth: 'Date of birth', date_of_birth_known: 'Date of birth known', place_of_birth: 'Place of birth', gender: 'Gender',
  ethnicity_self_defined: 'Ethnicity (self-defined)', ethnicity_observed: 'Ethnicity (observed)',
  pnc_id: 'PNC id', cro_number: 'CRO number', description: 'Description',
  warning_markers: 'Warning markers', vrm: 'Registration', vin: 'VIN', make: 'Make', model: 'Model',
  body_shape: 'Body', colours: 'Colours', registration_country: 'Registered in', number: 'Number',
  telephone_type: 'Phone type', address: 'Address', premises: 'Premises', street: 'Street',
  town: 'Town', county: 'County', postcode: 'Postcode', uprn: 'UPRN', name: 'Name',
  event_kind: 'Event', category: 'Category', references: 'References', starts_at: 'Starts',
  ends_at: 'Ends', status: 'Status',
};

function valueText(v) {
  if (v === null || v === undefined || v === '') return '';
  if (Array.isArray(v)) return v.map(valueText).filter(Boolean).join(', ');
  if (typeof v === 'object') return Object.values(v).map(valueText).filter(Boolean).join(' ');
  return String(v);
}

function handlingText(h) {
  if (!h) return '';
  const parts = [String(h.classification || '').toUpperCase()];
  if (h.sensitive) parts.push('SENSITIVE');
  if (Array.isArray(h.caveats) && h.caveats.length) parts.push(h.caveats.join(' '));
  if (h.grading) parts.push(`graded ${valueText(h.grading)}`);
  return parts.filter(Boolean).join(' · ');
}

// Words for the SDM link reasons and the model's field names an officer reads.
const ROLES = {
  homeAddress: 'home address', previousAddress: 'previous address', businessAddress: 'business address',
  personalTelephone: 'personal telephone', businessTelephone: 'business telephone',
  ownershipOf: 'keeper of', driverOf: 'driver of', passengerOf: 'passenger in',
  knownSuspect: 'suspect', unknownSuspect: 'unknown suspect', victim: 'victim', witness: 'witness',
  personReporting: 'person reporting', incidentLocation: 'where it happened',
  sightingLocation: 'where it was seen',
};

// An identifier in camelCase or snake_case as words: `homeAddress` → `home address`.
function words(id) {
  return String(id || '').replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function roleText(role, direction) {
  const said = ROLES[role] || words(role);
  return direction === 'from' ? `${said} (links to this subject)` : said;
}

function factLabel(field) {
  if (LABELS[field]) return LABELS[field];
  const w = words(field);
  return w.charAt(0).toUpperCase() + w.slice(1);
}

function factText(v) {
  if (v === true) return 'yes';
  if (v === false) return 'no';
  return valueText(v);
}

function memberKey(connector, localId) {
  return `${connector}\u0000${localId}`;
}

function renderProfileSources(answer) {
  const box = $('profile-sources');
  clear(box);
  const down = answer.members.filter((m) => m.status === 'failed' || m.status === 'timed_out')
    .concat(answer.links_failed || []);
  const gone = answer.members.filter((m) => m.status === 'unavailable');
  box.hidden = down.length === 0 && gone.length === 0;
  if (down.length) {
    box.append(el('strong', { text: 'Not every system answered. ' }));
    const list = el('ul');
    const named = new Set();
    for (const m of down) {
      if (named.has(m.connector)) continue;
      named.add(m.connector);
      const what = m.status === 'timed_out' ? 'timed out' : 'failed';
      list.append(el('li', {}, `${m.connector} ${what}${m.message ? `: ${m.message}` : ''}`));
    }
    box.append(list, 'This picture may be incomplete.');
  }
  if (gone.length) {
    box.append(el('p', {}, `${counted(gone.length, 'record', 'records')} of this subject could not be shown: no longer held, or not for you.`));
  }
}

async function showProfile(group) {
  show('profile');
  $('profile-title').textContent = titleOf(group);
  document.title = `${titleOf(group)} — interop`;
  $('profile-held').textContent = 'Fetching every record of this subject…';
  $('profile-sources').hidden = true;
  clear($('profile-head'));
  clear($('profile-body'));
  clear($('profile-links'));
  $('profile-withheld').hidden = true;
  renderWhy(group);
  const c = currentCase();
  let answer;
  $('profile-facts').setAttribute('aria-busy', 'true');
  try {
    answer = await api('POST', '/v1/profile', {
      justification: c.justification,
      case_reference: c.case_reference,
      group: group.id,
      members: group.records.map((h) => ({
        connector: h.connector, kind: entityOf(h).kind, local_id: h.record.source.local_id,
      })),
    });
  } catch (e) {
    $('profile-held').textContent = '';
    showError(e.message);
    return;
  } finally {
    $('profile-facts').removeAttribute('aria-busy');
  }
  if (!answer || !Array.isArray(answer.records)) {
    $('profile-held').textContent = '';
    showError('The gateway did not send a profile.');
    return;
  }
  renderProfileSources(answer);
  const records = answer.records;
  const systems = [...new Set(records.map((h) => h.connector))];
  $('profile-held').textContent = records.length
    ? `Held by ${systems.join(' and ')}: ${counted(records.length, 'record', 'records')}${records.length > 1 ? ', shown side by side, never merged' : ''}.`
    : 'None of these records can be shown.';
  $('profile-withheld').hidden = !answer.withheld;
  $('profile-withheld').textContent = `${counted(answer.withheld, 'linked record', 'linked records')} withheld for clearance; their content is not shown.`;

  const head = $('profile-head');
  head.append(el('th', { scope: 'col' }, 'Fact'));
  for (const hit of records) {
    head.append(el('th', { scope: 'col' }, `${hit.connector} (${hit.record.source.local_id})`));
  }
  const body = $('profile-body');
  for (const f of answer.facts) {
    const byRecord = new Map(f.values.map((v) => [memberKey(v.connector, v.local_id), v]));
    const label = el('th', { scope: 'row' }, factLabel(f.field));
    if (f.differs) label.append(' ', el('span', { class: 'differs' }, '≠ systems differ'));
    const row = el('tr', { class: f.differs ? 'conflict' : null }, label);
    for (const hit of records) {
      const v = byRecord.get(memberKey(hit.connector, hit.record.source.local_id));
      row.append(el('td', {}, v ? factText(v.value) : '—'));
    }
    body.append(row);
  }
  const source = el('tr', {}, el('th', { scope: 'row' }, 'Source and handling'));
  for (const hit of records) {
    const s = hit.record.source;
    source.append(el('td', { class: 'label' }, `${s.system} (${s.force}), ${handlingText(hit.record.handling)}`));
  }
  body.append(source);

  // A linked record several systems hold alike (the same home address) is one line, naming
  // each system that holds it with that system's handling; they are still never merged.
  const links = $('profile-links');
  const lines = new Map();
  for (const l of answer.linked) {
    const r = l.record.record;
    const what = `${roleText(l.role, l.direction)}: ${titleOf({ id: r.source.local_id, records: [{ record: r }] })}`;
    if (!lines.has(what)) lines.set(what, []);
    lines.get(what).push(l);
  }
  for (const [what, held] of lines) {
    const item = el('li', {}, `${what} `);
    for (const l of held) {
      item.append(el('span', { class: 'tag' }, l.record.connector),
        el('span', { class: 'note' }, ` ${handlingText(l.record.record.handling)} `));
    }
    links.append(item);
  }
  if (answer.links_left_off) links.append(el('li', {}, `${counted(answer.links_left_off, 'more linked record', 'more linked records')} not followed.`));
  if (answer.linked.length === 0) links.append(el('li', {}, 'No linked records.'));
  renderProfileWhy(answer);
  $('profile-title').setAttribute('tabindex', '-1');
  $('profile-title').focus();
}

// ---- why these records are one subject: the gateway's linkage evidence ---------------------

function possibleMatches(group) {
  return (group.evidence && group.evidence.possible_matches) || [];
}

function memberText(m) {
  return `${m.connector} ${m.local_id}`;
}

function fieldsText(fields) {
  return (fields || []).map((f) => `${f.field.replace(/_/g, ' ')} ${f.agreement.replace(/_/g, ' ')}`)
    .join(', ') || 'none';
}

function percent(p) {
  return `${(100 * p).toFixed(p > 0.999 || p < 0.001 ? 3 : 1)}%`;
}

function becauseText(p) {
  if (p.conflicting) return `different ${p.conflicting.toUpperCase()}: two things, however alike`;
  const b = p.because || {};
  switch (b.kind) {
    case 'conflicting_identifier':
      return `different ${b.field.replace(/_/g, ' ').toUpperCase()}: two people, however alike`;
    case 'below_group_threshold':
      return 'not likely enough to be one person';
    case 'group_size_limit':
      return 'the group would be too large';
    case 'member_unlikely':
      return 'another record of the group is unlikely to be the same person';
    default:
      return b.kind || 'not grouped';
  }
}

function renderWhy(group) {
  const why = $('profile-why');
  clear(why);
  const ev = group.evidence || { kind: 'unmatched' };
  for (const l of ev.links || []) why.append(el('li', {}, linkText(l)));
  if (!(ev.links || []).length) why.append(el('li', {}, 'One record: nothing else in this search was linked to it.'));
  const beside = $('profile-possible');
  clear(beside);
  const possible = possibleMatches(group);
  $('profile-possible-heading').hidden = possible.length === 0;
  for (const p of possible) {
    const link = p.link || p;
    const [a, b] = link.records;
    const chance = link.match_probability !== undefined ? `, ${percent(link.match_probability)}` : '';
    const other = lastAnswer && lastAnswer.groups.find((g) => g.id === p.other_group);
    const item = el('li', {}, `${memberText(a)} and ${memberText(b)}${chance}: not merged, ${becauseText(p)}. `);
    if (link.agreed) item.append(`Agreed: ${fieldsText(link.agreed)}. Disagreed: ${fieldsText(link.disagreed)}. `);
    if (other) {
      item.append(el('a', { href: `#profile/${encodeURIComponent(other.id)}` }, `Open ${titleOf(other)}`));
    }
    beside.append(item);
  }
  const left = ev.possible_matches_left_off || 0;
  if (left) beside.append(el('li', {}, `${counted(left, 'more possible match', 'more possible matches')} not listed.`));
}

function linkText(l) {
  const [a, b] = l.records;
  if (l.match_probability !== undefined) {
    return `${memberText(a)} and ${memberText(b)}: linked, ${percent(l.match_probability)} likely one person. `
      + `Agreed: ${fieldsText(l.agreed)}. Disagreed: ${fieldsText(l.disagreed)}.`;
  }
  return `${memberText(a)} and ${memberText(b)}: the same ${l.shared.replace(/_/g, ' ')}.`;
}

// Once the profile is fetched, why its records are one subject is said from what was fetched
// (the gateway links the records shown again), not from the search: a record its system could
// not give now is named as left out, never as evidence of the picture shown.
function renderProfileWhy(answer) {
  const why = $('profile-why');
  clear(why);
  const groups = answer.groups || [];
  for (const g of groups) {
    for (const l of (g.evidence && g.evidence.links) || []) why.append(el('li', {}, linkText(l)));
  }
  if (groups.length > 1) {
    why.append(el('li', {}, `On what their systems hold now, the records shown are ${groups.length} separate subjects: `
      + groups.map((g) => g.members.map(memberText).join(' with ')).join('; ') + '.'));
  } else if (answer.records.length === 1) {
    why.append(el('li', {}, 'One record shown: nothing fetched now is linked to it.'));
  }
  const missing = answer.members.filter((m) => m.status !== 'ok');
  for (const m of missing) {
    const said = m.status === 'unavailable' ? 'it is no longer held, or not for you'
      : m.status === 'timed_out' ? 'its system timed out' : 'its system did not answer';
    why.append(el('li', {}, `The search also linked ${memberText(m)}; ${said}, so it is not in this picture.`));
  }
}

window.addEventListener('hashchange', () => {
  if (me) route();
});

// ---- enter once ---------------------------------------------------------------------------

// One key per entry: kept while the form is unchanged, so sending it again (a retry after a
// failure or a lost answer, or a second press) never records it twice; a new key once the
// entry is changed.
let entryKey = null;
function freshKey() {
  entryKey = crypto.randomUUID();
}
freshKey();
$('enter-form').addEventListener('input', freshKey);

function entering() {
  const checked = document.querySelector('input[name="what"]:checked');
  return checked ? checked.value : 'vehicle';
}

function showEntryFields() {
  const what = entering();
  $('enter-vehicle').hidden = what !== 'vehicle';
  $('enter-event').hidden = what !== 'event';
}
for (const radio of document.querySelectorAll('input[name="what"]')) {
  radio.addEventListener('change', showEntryFields);
}

const OFFICIAL = { classification: 'official', sensitive: false, caveats: [], grading: null, review_date: null };

// The submission the form holds, or a message saying what is missing (and the field to fix).
function entry() {
  const optional = (id) => $(id).value.trim() || null;
  if (entering() === 'event') {
    const description = $('event-description').value.trim();
    if (!description) return { missing: 'Say what happened.', field: 'event-description' };
    const when = $('event-when').value;
    const startsAt = when ? new Date(when).toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
    const category = optional('event-category');
    return { submission: {
      local_id: null,
      handling: OFFICIAL,
      entity: { kind: 'event', event_kind: 'incident', category: category ? category.toUpperCase() : null,
        references: [], ho_classification: null, offence_code: null, starts_at: startsAt, ends_at: null,
        exact_time_known: Boolean(when), description, status: null },
      links: [],
      reason: null,
    } };
  }
  const vrm = $('vrm').value.trim().toUpperCase();
  const reason = $('reason').value.trim();
  if (!vrm) return { missing: 'Give the vehicle’s registration.', field: 'vrm' };
  if (!reason) return { missing: 'Say why the vehicle is of interest.', field: 'reason' };
  const colour = optional('colour');
  return { submission: {
    local_id: null,
    handling: OFFICIAL,
    entity: { kind: 'object', type: 'vehicle', vrm, vin: null, make: optional('make'),
      model: optional('model'), body_shape: null, colours: colour ? [colour] : [],
      registration_country: null },
    links: [],
    reason,
  } };
}

function renderReceipts(answer) {
  const out = $('receipts');
  clear(out);
  const ok = answer.targets.filter((t) => t.status === 'ok').length;
  const failed = answer.targets.filter((t) => t.status === 'failed').length;
  const declined = answer.targets.length - ok - failed;
  let heading = 'Not every system recorded it';
  if (failed === 0 && ok > 0) heading = declined ? 'Recorded in every system that takes it' : 'Recorded in every system';
  else if (ok === 0 && failed === 0) heading = 'No system takes this';
  out.append(el('h2', {}, heading));
  for (const t of answer.targets) {
    if (t.status === 'ok') {
      const r = t.receipt || {};
      out.append(el('p', { class: 'receipt' },
        `${t.connector}: receipt ${r.local_id || ''}${r.reference ? ` (${r.reference})` : ''}${r.created === false ? ' (already recorded)' : ''}`));
    } else if (t.status === 'declined') {
      out.append(el('p', { class: 'receipt declined' },
        `${t.connector}: does not take this — ${t.message || 'declined'}`));
    } else {
      out.append(el('p', { class: 'receipt failed' },
        `${t.connector}: not recorded — ${t.message || t.class || 'failed'}. Send again to retry; nothing is recorded twice.`));
    }
  }
}

$('enter-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const made = entry();
  if (made.missing) {
    showError(made.missing);
    $(made.field).focus();
    return;
  }
  const c = currentCase();
  const button = event.submitter || $('enter-form').querySelector('button');
  button.disabled = true;
  clear($('receipts'));
  try {
    const answer = await api('POST', '/v1/submit', {
      justification: c.justification,
      case_reference: c.case_reference,
      idempotency_key: entryKey,
      submission: made.submission,
    });
    renderReceipts(answer);
  } catch (e) {
    showError(`${e.message} Send again to retry; nothing is recorded twice.`);
  } finally {
    button.disabled = false;
  }
});

loadSession();
