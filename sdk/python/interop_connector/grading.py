"""Pure parsing of handling markings and 3x5x2 grades into the contract's terms.

Returns plain values (the WIT enum case names as strings); `pole.handling` turns them into the
generated types.
"""

# Government Security Classifications; OFFICIAL-SENSITIVE is OFFICIAL with `sensitive` set.
_MARKINGS = {
    "OFFICIAL": ("official", False),
    "OFFICIAL-SENSITIVE": ("official", True),
    "OFFICIAL SENSITIVE": ("official", True),
    "SECRET": ("secret", False),
    "TOP SECRET": ("top-secret", False),
    "TOP-SECRET": ("top-secret", False),
}

_SOURCES = {"1": "reliable", "2": "untested", "3": "not-reliable"}
_SOURCE_CODES = {v: k for k, v in _SOURCES.items()}


def parse_marking(marking):
    """`"OFFICIAL-SENSITIVE"` → `("official", True)`; None for a marking it does not know."""
    if not isinstance(marking, str):
        return None
    return _MARKINGS.get(" ".join(marking.upper().split()))


def parse_grade(grade):
    """A 3x5x2 grade like `2B` → `("untested", "b")`; None when malformed."""
    if not isinstance(grade, str):
        return None
    grade = grade.strip().upper()
    if len(grade) != 2 or grade[0] not in _SOURCES or grade[1] not in "ABCDE":
        return None
    return _SOURCES[grade[0]], grade[1].lower()


def format_grade(source, intelligence):
    """The inverse of `parse_grade`: `("untested", "b")` → `"2B"`; None when unknown."""
    code = _SOURCE_CODES.get(source)
    if code is None or not isinstance(intelligence, str) or intelligence.lower() not in "abcde":
        return None
    return code + intelligence.upper()
