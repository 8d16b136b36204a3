"""Pure checks and conversions for the POLE formats the contract uses (POLE-REFERENCE.md).

Nothing here imports the component bindings, so it runs (and is tested) in plain CPython.
"""

import datetime
import re

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COMPACT_DATE = re.compile(r"^\d{8}$")
_DMY_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
# Outward code patterns AN ANN AAN AANN ANA AANA, then the inward code NAA (DS_010).
_POSTCODE = re.compile(
    r"^(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) [0-9][ABD-HJLNP-UW-Z]{2}$"
)
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_NAME = re.compile(r"^[A-Za-z0-9'\-]+(?: [A-Za-z0-9'\-]+)*$")


def is_iso_date(value):
    """True for a real calendar date written `YYYY-MM-DD` (DS_034's form)."""
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def compact_to_iso(value):
    """`YYYYMMDD` → `YYYY-MM-DD`, or None when it is not a real date."""
    if not isinstance(value, str) or not _COMPACT_DATE.match(value):
        return None
    iso = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return iso if is_iso_date(iso) else None


def iso_to_compact(value):
    """`YYYY-MM-DD` → `YYYYMMDD`, or None when it is not a real date."""
    return value.replace("-", "") if is_iso_date(value) else None


def dmy_to_iso(value):
    """`DD/MM/YYYY` → `YYYY-MM-DD`, or None when it is not a real date."""
    m = _DMY_DATE.match(value or "")
    if not m:
        return None
    iso = f"{m.group(3)}-{m.group(2)}-{m.group(1)}"
    return iso if is_iso_date(iso) else None


def is_birth_date(value, today=None):
    """A date of birth DS_034 accepts: a real date, before today, at most 120 years ago."""
    if not is_iso_date(value):
        return False
    today = today or datetime.date.today()
    born = datetime.date.fromisoformat(value)
    return born < today and today.year - born.year <= 120


def normalise_vrm(value):
    """A VRM as DS_065 wants it: spaces removed, upper case, 1–11 letters and digits; or None."""
    if not isinstance(value, str):
        return None
    vrm = "".join(value.split()).upper()
    if 1 <= len(vrm) <= 11 and vrm.isascii() and vrm.isalnum():
        return vrm
    return None


def normalise_postcode(value):
    """A UK postcode in DS_010's form (`ZZ1 1AA`), or None when it is not one."""
    if not isinstance(value, str):
        return None
    compact = "".join(value.split()).upper()
    if len(compact) < 5:
        return None
    candidate = f"{compact[:-3]} {compact[-3:]}"
    if candidate == "GIR 0AA" or _POSTCODE.match(candidate):
        return candidate
    return None


def is_e164(value):
    """A full international telephone number (DS_053): leading `+`, no spaces."""
    return isinstance(value, str) and bool(_E164.match(value))


def is_name(value):
    """A name part DS_031/DS_032 accepts: 1–35 characters, letters, digits, `-` and `'`."""
    return isinstance(value, str) and 1 <= len(value) <= 35 and bool(_NAME.match(value))


def title_case_surname(value):
    """`EXAMPLEWOOD` → `Examplewood`, `O'NEIL-SMITH` → `O'Neil-Smith` (vendors shouting names)."""
    out, upper_next = [], True
    for ch in value.strip():
        out.append(ch.upper() if upper_next else ch.lower())
        upper_next = ch in " -'"
    return "".join(out)
