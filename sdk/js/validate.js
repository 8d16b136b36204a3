// Pure checks and conversions for the POLE formats the contract uses (POLE-REFERENCE.md).

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const POSTCODE =
  /^(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) [0-9][ABD-HJLNP-UW-Z]{2}$/;
const E164 = /^\+[1-9][0-9]{6,14}$/;
const NAME = /^[A-Za-z0-9'-]+(?: [A-Za-z0-9'-]+)*$/;

/** True for a real calendar date written `YYYY-MM-DD` (DS_034's form). */
export function isIsoDate(value) {
  const m = typeof value === 'string' && ISO_DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** `DD/MM/YYYY` → `YYYY-MM-DD`, or undefined when it is not a real date. */
export function dmyToIso(value) {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(value ?? '');
  if (!m) return undefined;
  const iso = `${m[3]}-${m[2]}-${m[1]}`;
  return isIsoDate(iso) ? iso : undefined;
}

/** A date of birth DS_034 accepts: a real date, before today, at most 120 years ago. */
export function isBirthDate(value, today = new Date()) {
  if (!isIsoDate(value)) return false;
  const todayIso = today.toISOString().slice(0, 10);
  return value < todayIso && Number(todayIso.slice(0, 4)) - Number(value.slice(0, 4)) <= 120;
}

/** A VRM as DS_065 wants it: spaces removed, upper case, 1–11 letters and digits; or undefined. */
export function normaliseVrm(value) {
  if (typeof value !== 'string') return undefined;
  const vrm = value.replace(/\s+/g, '').toUpperCase();
  return /^[A-Z0-9]{1,11}$/.test(vrm) ? vrm : undefined;
}

/** A UK postcode in DS_010's form (`SW1A 2AA`), or undefined when it is not one. */
export function normalisePostcode(value) {
  if (typeof value !== 'string') return undefined;
  const compact = value.replace(/\s+/g, '').toUpperCase();
  if (compact.length < 5) return undefined;
  const candidate = `${compact.slice(0, -3)} ${compact.slice(-3)}`;
  return candidate === 'GIR 0AA' || POSTCODE.test(candidate) ? candidate : undefined;
}

/** A full international telephone number (DS_053): leading `+`, no spaces. */
export function isE164(value) {
  return typeof value === 'string' && E164.test(value);
}

/** A name part DS_031/DS_032 accepts: 1–35 characters, letters, digits, `-` and `'`. */
export function isName(value) {
  return typeof value === 'string' && value.length >= 1 && value.length <= 35 && NAME.test(value);
}

/** `EXAMPLEWOOD` → `Examplewood`, `O'NEIL-SMITH` → `O'Neil-Smith`. */
export function titleCaseName(value) {
  let upper = true;
  let out = '';
  for (const ch of value.trim()) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = " -'".includes(ch);
  }
  return out;
}

/** `"Alex Jordan"` → `["Alex", "Jordan"]` (empty parts dropped). */
export function splitNames(value) {
  return (value ?? '').split(/\s+/).filter((n) => n.length > 0);
}
