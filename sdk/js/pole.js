// Builders for the contract's records in the shapes ComponentizeJS expects: records are objects
// with camelCase fields, enums their kebab-case case names, variants `{tag, val}`, an absent
// option `undefined`. Every builder leaves what it is not told absent, as the Dictionary asks.
//
//   import * as pole from '../../sdk/js/pole.js';
//   const record = pole.record(
//     pole.source('Exampleshire Constabulary', 'Osprey Intel', 'INT-7001'),
//     pole.handlingFromMarking('OFFICIAL-SENSITIVE', { grading: pole.grading('2B', 'P') }),
//     pole.event('intelligence-report', { references: ['OSP/INT/2026/0001'] }),
//   );
//
// A value the contract cannot carry (an unknown case, a malformed date) throws
// ConnectorFailure('internal'): it is a connector bug, not the user's.

import { ConnectorFailure } from './errors.js';
import { parseGrade, parseMarking } from './grading.js';
import { isIsoDate, normalisePostcode, normaliseVrm } from './validate.js';
import { warmUp } from './warm.js';

export const CLASSIFICATIONS = ['official', 'secret', 'top-secret'];
export const GENDERS = ['male', 'female', 'trans-male', 'trans-female', 'non-binary', 'intersex', 'not-specified', 'not-known'];
export const OBSERVED_ETHNICITIES = ['not-known', 'white-north-european', 'white-south-european', 'black', 'asian', 'east-asian', 'arabic', 'mixed'];
export const EVENT_KINDS = ['incident', 'crime', 'intelligence-report', 'custody', 'stop-search', 'sighting', 'other'];
export const ENTITY_KINDS = ['person', 'object', 'location', 'event', 'organisation'];
export const OPERATIONS = ['check', 'search', 'fetch', 'submit'];
export const CONFIG_KINDS = ['text', 'secret', 'endpoint'];

function oneOf(list, value, what) {
  if (value === undefined) return undefined;
  if (!list.includes(value)) throw new ConnectorFailure('internal', `${JSON.stringify(value)} is not a ${what}`);
  return value;
}

function date(value, what) {
  if (value === undefined || value === null) return undefined;
  if (!isIsoDate(value)) throw new ConnectorFailure('internal', `${what} ${JSON.stringify(value)} is not YYYY-MM-DD`);
  return value;
}

const opt = (v) => (v === null ? undefined : v);

// ------------------------------------------------------------------ handling and provenance

/** A 3x5x2 grading from a grade like `2B` and a handling code `P` or `C` (+ conditions). */
export function grading(grade, handlingCode = 'P', conditions = undefined) {
  const parsed = parseGrade(grade);
  if (!parsed) throw new ConnectorFailure('internal', `malformed 3x5x2 grade ${JSON.stringify(grade)}`);
  let handling;
  if (handlingCode === 'P') handling = { tag: 'permitted' };
  else if (handlingCode === 'C' && conditions) handling = { tag: 'conditions', val: conditions };
  else throw new ConnectorFailure('internal', `handling code ${JSON.stringify(handlingCode)} needs P, or C with conditions`);
  return { source: parsed[0], intelligence: parsed[1], handling };
}

/** A handling label. */
export function handling(classification = 'official', { sensitive = false, caveats = [], grading: g, reviewDate } = {}) {
  return {
    classification: oneOf(CLASSIFICATIONS, classification, 'classification'),
    sensitive: Boolean(sensitive),
    caveats: [...caveats],
    grading: opt(g),
    reviewDate: date(reviewDate, 'review date'),
  };
}

/** A handling label from a vendor's marking (`OFFICIAL-SENSITIVE`, `SECRET`, …). An unknown
 * marking throws: guessing a lower classification would leak data. */
export function handlingFromMarking(marking, extra = {}) {
  const parsed = parseMarking(marking);
  if (!parsed) throw new ConnectorFailure('internal', `unknown protective marking ${JSON.stringify(marking)}`);
  return handling(parsed[0], { ...extra, sensitive: parsed[1] });
}

/** RFC 3339 in UTC without fractions, e.g. `2026-03-01T14:05:00Z`. */
export function nowRfc3339() {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Provenance; `extractedAt` defaults to now. */
export function source(force, system, localId, extractedAt = nowRfc3339()) {
  return { force, system, localId, extractedAt };
}

// ------------------------------------------------------------------ entities

/** A person entity; `dateOfBirthKnown` defaults to whether a date of birth is given. */
export function person({
  surname, givenNames = [], middleNames = [], aliases = [], dateOfBirth, dateOfBirthKnown,
  placeOfBirth, gender, ethnicitySelfDefined, ethnicityObserved, pncId, croNumber, description,
  warningMarkers = [],
} = {}) {
  const dob = date(opt(dateOfBirth), 'date of birth');
  return {
    tag: 'person',
    val: {
      givenNames: [...givenNames],
      middleNames: [...middleNames],
      surname: opt(surname),
      aliases: [...aliases],
      dateOfBirth: dob,
      dateOfBirthKnown: dateOfBirthKnown ?? dob !== undefined,
      placeOfBirth: opt(placeOfBirth),
      gender: oneOf(GENDERS, opt(gender), 'gender'),
      ethnicitySelfDefined: opt(ethnicitySelfDefined),
      ethnicityObserved: oneOf(OBSERVED_ETHNICITIES, opt(ethnicityObserved), 'observed ethnicity'),
      pncId: opt(pncId),
      croNumber: opt(croNumber),
      description: opt(description),
      warningMarkers: [...warningMarkers],
    },
  };
}

/** A vehicle object; the VRM is normalised (spaces out, upper case) and must be valid. */
export function vehicle({ vrm, vin, make, model, bodyShape, colours = [], registrationCountry } = {}) {
  let mark;
  if (vrm !== undefined && vrm !== null) {
    mark = normaliseVrm(vrm);
    if (!mark) throw new ConnectorFailure('internal', `${JSON.stringify(vrm)} is not a VRM`);
  }
  return {
    tag: 'object',
    val: {
      tag: 'vehicle',
      val: {
        vrm: mark, vin: opt(vin), make: opt(make), model: opt(model), bodyShape: opt(bodyShape),
        colours: [...colours], registrationCountry: opt(registrationCountry),
      },
    },
  };
}

/** A location. A postcode that is not a valid UK one goes to `county`, as DS_010 says. */
export function location({
  site, premises, street, town, county, postcode, country, uprn, latitude, longitude, area,
} = {}) {
  let pc = opt(postcode);
  let cty = opt(county);
  if (pc !== undefined) {
    const normal = normalisePostcode(pc);
    if (!normal) cty = cty ? `${cty}, ${pc}` : pc;
    pc = normal;
  }
  return {
    tag: 'location',
    val: {
      site: opt(site), premises: opt(premises), street: opt(street), town: opt(town), county: cty,
      postcode: pc, country: opt(country), uprn: opt(uprn), latitude: opt(latitude),
      longitude: opt(longitude), area: opt(area),
    },
  };
}

/**
 * An event; `kind` is an `event-kind` case name such as `intelligence-report` or `sighting`,
 * `category` the vendor's code within it (e.g. `BURGLARY`).
 */
export function event(kind, {
  category, references = [], hoClassification, offenceCode, startsAt, endsAt,
  exactTimeKnown = true, description, status,
} = {}) {
  return {
    tag: 'event',
    val: {
      kind: oneOf(EVENT_KINDS, kind, 'event kind'),
      category: opt(category),
      references: [...references],
      hoClassification: opt(hoClassification),
      offenceCode: opt(offenceCode),
      startsAt: opt(startsAt),
      endsAt: opt(endsAt),
      exactTimeKnown: Boolean(exactTimeKnown),
      description: opt(description),
      status: opt(status),
    },
  };
}

/** An organisation: a company keeping vehicles, a business at an address. */
export function organisation(name, { registeredNumber, organisationType, description } = {}) {
  return {
    tag: 'organisation',
    val: {
      name,
      registeredNumber: opt(registeredNumber),
      organisationType: opt(organisationType),
      description: opt(description),
    },
  };
}

/** An entity reference. */
export function ref(kind, localId) {
  return { kind: oneOf(ENTITY_KINDS, kind, 'entity kind'), localId };
}

/** A link with an SDM `linkReason` role, e.g. `homeAddress`. */
export function link(from, to, role) {
  return { from, to, role };
}

/** A `pole-record`; `linked` holds the `{localId, entity}` it carries (see `withLinked`). */
export function record(src, hdl, entity, links = [], linked = []) {
  return { source: src, handling: hdl, entity, links: [...links], linked: [...linked] };
}

/**
 * Links the record's own entity to `entity` (with an SDM role such as `homeAddress`) and carries
 * `entity` with the record, so a reader sees it without fetching it. `localId` is the vendor's
 * id for it, what `fetch` takes back. Returns the record.
 */
export function withLinked(rec, localId, role, entity) {
  const own = ref(rec.entity.tag, rec.source.localId);
  rec.links.push(link(own, ref(entity.tag, localId), role));
  rec.linked.push({ localId, entity });
  return rec;
}

/** A page of records; `total` is how many match in all, when the vendor says. */
export function searchResult(records, nextCursor = undefined, total = undefined) {
  return { records: [...records], nextCursor: opt(nextCursor), total: opt(total) };
}

export function receipt(localId, created, reference = undefined) {
  return { localId, created: Boolean(created), reference: opt(reference) };
}

export function checkReport(message, systemVersion = undefined) {
  return { message, systemVersion: opt(systemVersion) };
}

/** A declared configuration key; `kind` is `text`, `secret` or `endpoint`. */
export function configKey(name, description, kind = 'text', { required = true, example } = {}) {
  return { name, description, kind: oneOf(CONFIG_KINDS, kind, 'config kind'), required, example: opt(example) };
}

/** What `describe` returns. */
export function connectorInfo({
  id, name, vendor, version, description, entityKinds, operations, config,
  maxClassification = 'official', contractVersion = '0.2.0',
}) {
  return {
    id, name, vendor, version, contractVersion, description,
    entityKinds: entityKinds.map((k) => oneOf(ENTITY_KINDS, k, 'entity kind')),
    operations: operations.map((o) => oneOf(OPERATIONS, o, 'operation')),
    config: [...config],
    maxClassification: oneOf(CLASSIFICATIONS, maxClassification, 'classification'),
  };
}

// ------------------------------------------------------------------ reading submissions

/** The grade (`2B`) and handling code of a submission's grading, or undefined. */
export function gradeOf(g) {
  if (!g) return undefined;
  const sources = { reliable: '1', untested: '2', 'not-reliable': '3' };
  const code = g.handling.tag === 'conditions' ? 'C' : 'P';
  return { grade: `${sources[g.source]}${g.intelligence.toUpperCase()}`, code, conditions: g.handling.val };
}

/** The GSC marking text for a handling label (`OFFICIAL-SENSITIVE`, `SECRET`, `TOP SECRET`). */
export function markingOf(h) {
  if (h.classification === 'official') return h.sensitive ? 'OFFICIAL-SENSITIVE' : 'OFFICIAL';
  return h.classification === 'secret' ? 'SECRET' : 'TOP SECRET';
}

// The builders warmed while the component is built (see warm.js): a connector's calls start
// with them compiled. Synthetic values only; nothing here reaches the host.
warmUp(() => {
  const rec = record(
    source('Warm-up Constabulary', 'Warm-up', 'W-1'),
    handlingFromMarking('OFFICIAL-SENSITIVE', { caveats: ['UK EYES ONLY'], grading: grading('2B', 'P'), reviewDate: '2027-01-01' }),
    person({ surname: 'SAMPLE', givenNames: ['Sam'], dateOfBirth: '1990-01-01', gender: 'male', ethnicityObserved: 'not-known' }),
  );
  withLinked(rec, 'W-1/address', 'homeAddress', location({ street: '1 Sample Street', town: 'Sampletown', postcode: 'ZZ1 1ZZ' }));
  const ev = record(
    source('Warm-up Constabulary', 'Warm-up', 'W-2'),
    handling('official'),
    event('intelligence-report', { references: ['W/1'], startsAt: '2026-01-01T00:00:00Z', description: 'Sample' }),
    [link(ref('event', 'W-2'), ref('person', 'W-1'), 'knownSuspect')],
  );
  searchResult([rec, ev], '2', 2);
});
