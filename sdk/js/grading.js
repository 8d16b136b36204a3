// Pure parsing of handling markings and 3x5x2 grades into the contract's terms.

const MARKINGS = {
  OFFICIAL: ['official', false],
  'OFFICIAL-SENSITIVE': ['official', true],
  'OFFICIAL SENSITIVE': ['official', true],
  SECRET: ['secret', false],
  'TOP SECRET': ['top-secret', false],
  'TOP-SECRET': ['top-secret', false],
};

const SOURCES = { 1: 'reliable', 2: 'untested', 3: 'not-reliable' };

/** `"OFFICIAL-SENSITIVE"` → `["official", true]`; undefined for a marking it does not know. */
export function parseMarking(marking) {
  if (typeof marking !== 'string') return undefined;
  return MARKINGS[marking.toUpperCase().split(/\s+/).filter(Boolean).join(' ')];
}

/** A 3x5x2 grade like `2B` → `["untested", "b"]`; undefined when malformed. */
export function parseGrade(grade) {
  if (typeof grade !== 'string') return undefined;
  const g = grade.trim().toUpperCase();
  if (!/^[1-3][A-E]$/.test(g)) return undefined;
  return [SOURCES[g[0]], g[1].toLowerCase()];
}

/** The inverse of parseGrade: `("untested", "b")` → `"2B"`; undefined when unknown. */
export function formatGrade(source, intelligence) {
  const code = Object.keys(SOURCES).find((k) => SOURCES[k] === source);
  if (!code || typeof intelligence !== 'string' || !/^[a-e]$/i.test(intelligence)) return undefined;
  return `${code}${intelligence.toUpperCase()}`;
}
