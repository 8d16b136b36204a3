"""Builders for the contract's records, returning the types componentize-py generates from
`interop:connector@0.2.0` (so a connector never spells out a fourteen-field `Person`).

Enum values are given as the WIT case names (`"male"`, `"intelligence-report"`); unknown
values raise `ConnectorFailure('internal')`, a connector bug. Every builder leaves what it is
not told absent, as the Dictionary asks (no placeholders).

    from interop_connector import pole
    record = pole.record(
        pole.source("Exampleshire Constabulary", "Osprey Custody", "DET-5001"),
        pole.handling_from_marking("OFFICIAL-SENSITIVE"),
        pole.person(surname="Examplewood", given_names=["Alex"], date_of_birth="1988-03-14"),
    )

`guard` wraps an export method so a raised `ConnectorFailure` becomes the contract's
`connector-error` instead of a trap.
"""

import enum as _enum
import functools

from componentize_py_types import Err
from wit_world.imports import interop_connector_types as _types

from . import grading as _grading
from . import validate
from .errors import ConnectorFailure
from .host import now_rfc3339
from .warm import warm_up

_ERROR_CLASSES = {
    "invalid-input": "ConnectorError_InvalidInput",
    "not-found": "ConnectorError_NotFound",
    "unauthorized": "ConnectorError_Unauthorized",
    "unavailable": "ConnectorError_Unavailable",
    "internal": "ConnectorError_Internal",
}


def _t():
    return _types


# Every generated enum's members by WIT case name, and each member's case name, worked out once
# while the component is built (the snapshot holds them) instead of on every lookup.
_CASES = {}
_CASE_NAMES = {}
for _name, _cls in vars(_types).items():
    if isinstance(_cls, type) and issubclass(_cls, _enum.Enum):
        _CASES[_name] = {m.name.lower().replace("_", "-"): m for m in _cls}
        _CASE_NAMES.update((m, n) for n, m in _CASES[_name].items())


def enum(enum_name, case):
    """`enum("Gender", "trans-male")` → `Gender.TRANS_MALE`; an enum value passes through."""
    member = _CASES.get(enum_name, {}).get(case)
    if member is not None:
        return member
    cls = getattr(_t(), enum_name)
    if isinstance(case, cls):
        return case
    try:
        return cls[str(case).upper().replace("-", "_")]
    except KeyError:
        raise ConnectorFailure("internal", f"{case!r} is not a {enum_name} case") from None


def case_name(value):
    """The WIT case name of a generated enum value: `EntityKind.PERSON` → `"person"`."""
    name = _CASE_NAMES.get(value)
    return name if name is not None else value.name.lower().replace("_", "-")


def error(failure):
    """The generated `Err(ConnectorError_…)` for a `ConnectorFailure`."""
    return Err(getattr(_t(), _ERROR_CLASSES[failure.case])(failure.message))


def guard(method):
    """Decorate an export method: `ConnectorFailure` → the contract's `connector-error`."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except ConnectorFailure as failure:
            raise error(failure) from None

    return wrapper


# ------------------------------------------------------------------ handling and provenance


def grading(grade, handling_code="P", conditions=None):
    """A 3x5x2 grading from a grade like `2B` and a handling code `P` or `C` (+ conditions)."""
    t = _t()
    parsed = _grading.parse_grade(grade)
    if parsed is None:
        raise ConnectorFailure("internal", f"malformed 3x5x2 grade {grade!r}")
    source, intelligence = parsed
    if handling_code == "C":
        if not conditions:
            raise ConnectorFailure("internal", "handling code C needs its conditions")
        code = t.HandlingCode_Conditions(conditions)
    elif handling_code == "P":
        code = t.HandlingCode_Permitted()
    else:
        raise ConnectorFailure("internal", f"handling code must be P or C, not {handling_code!r}")
    return t.Grading(source=enum("SourceEvaluation", source),
                     intelligence=enum("IntelligenceAssessment", intelligence), handling=code)


def handling(classification="official", sensitive=False, caveats=(), grading=None,
             review_date=None):
    """A handling label."""
    if review_date is not None and not validate.is_iso_date(review_date):
        raise ConnectorFailure("internal", f"review date {review_date!r} is not YYYY-MM-DD")
    return _t().Handling(classification=enum("Classification", classification),
                         sensitive=bool(sensitive), caveats=list(caveats), grading=grading,
                         review_date=review_date)


def handling_from_marking(marking, caveats=(), grading=None, review_date=None):
    """A handling label from a vendor's marking text (`OFFICIAL-SENSITIVE`, `SECRET`, …).

    An unknown marking raises `internal`: guessing a lower classification would leak data.
    """
    parsed = _grading.parse_marking(marking)
    if parsed is None:
        raise ConnectorFailure("internal", f"unknown protective marking {marking!r}")
    classification, sensitive = parsed
    return handling(classification, sensitive, caveats, grading, review_date)


def source(force, system, local_id, extracted_at=None):
    """Provenance; `extracted_at` defaults to now."""
    return _t().Source(force=force, system=system, local_id=local_id,
                       extracted_at=extracted_at or now_rfc3339())


# ------------------------------------------------------------------ entities


def person(surname=None, given_names=(), middle_names=(), aliases=(), date_of_birth=None,
           date_of_birth_known=None, place_of_birth=None, gender=None,
           ethnicity_self_defined=None, ethnicity_observed=None, pnc_id=None, cro_number=None,
           description=None, warning_markers=()):
    """A person entity. `date_of_birth` must be `YYYY-MM-DD`; `date_of_birth_known` defaults
    to whether one is given. `gender` and `ethnicity_observed` are WIT case names."""
    t = _t()
    if date_of_birth is not None and not validate.is_iso_date(date_of_birth):
        raise ConnectorFailure("internal", f"date of birth {date_of_birth!r} is not YYYY-MM-DD")
    if date_of_birth_known is None:
        date_of_birth_known = date_of_birth is not None
    return t.Entity_Person(t.Person(
        given_names=list(given_names), middle_names=list(middle_names), surname=surname,
        aliases=list(aliases), date_of_birth=date_of_birth,
        date_of_birth_known=bool(date_of_birth_known), place_of_birth=place_of_birth,
        gender=None if gender is None else enum("Gender", gender),
        ethnicity_self_defined=ethnicity_self_defined,
        ethnicity_observed=(None if ethnicity_observed is None
                            else enum("ObservedEthnicity", ethnicity_observed)),
        pnc_id=pnc_id, cro_number=cro_number, description=description,
        warning_markers=list(warning_markers)))


def vehicle(vrm=None, vin=None, make=None, model=None, body_shape=None, colours=(),
            registration_country=None):
    """A vehicle object; `vrm` is normalised (spaces out, upper case) and must be valid."""
    t = _t()
    if vrm is not None:
        normal = validate.normalise_vrm(vrm)
        if normal is None:
            raise ConnectorFailure("internal", f"{vrm!r} is not a VRM")
        vrm = normal
    return t.Entity_Object(t.PoleObject_Vehicle(t.Vehicle(
        vrm=vrm, vin=vin, make=make, model=model, body_shape=body_shape, colours=list(colours),
        registration_country=registration_country)))


def location(site=None, premises=None, street=None, town=None, county=None, postcode=None,
             country=None, uprn=None, latitude=None, longitude=None, area=None):
    """A location. A `postcode` that is not a valid UK one goes to `county`, as DS_010 says."""
    if postcode is not None:
        normal = validate.normalise_postcode(postcode)
        if normal is None:
            county = f"{county}, {postcode}" if county else postcode
        postcode = normal
    return _t().Entity_Location(_t().Location(
        site=site, premises=premises, street=street, town=town, county=county,
        postcode=postcode, country=country, uprn=uprn, latitude=latitude, longitude=longitude,
        area=area))


def event(kind, references=(), ho_classification=None, offence_code=None, starts_at=None,
          ends_at=None, exact_time_known=True, description=None, status=None, category=None):
    """An event; `kind` is an `event-kind` case name such as `custody` or `sighting`,
    `category` the vendor's code within it (e.g. `BURGLARY`)."""
    t = _t()
    return t.Entity_Event(t.Event(
        kind=enum("EventKind", kind), category=category, references=list(references),
        ho_classification=ho_classification, offence_code=offence_code, starts_at=starts_at,
        ends_at=ends_at, exact_time_known=bool(exact_time_known), description=description,
        status=status))


def organisation(name, registered_number=None, organisation_type=None, description=None):
    """An organisation: a company keeping vehicles, a business at an address."""
    return _t().Entity_Organisation(_t().Organisation(
        name=name, registered_number=registered_number, organisation_type=organisation_type,
        description=description))


def telephone(number, telephone_type=None, extension=None):
    """A telephone object; `number` should be E.164 (`+441234567890`)."""
    t = _t()
    kind = enum("TelephoneType", telephone_type) if telephone_type is not None else None
    return t.Entity_Object(t.PoleObject_Telephone(t.Telephone(
        telephone_type=kind, number=number, extension=extension)))


def ref(kind, local_id):
    """An entity reference; `kind` is an `entity-kind` case name."""
    return _t().EntityRef(kind=enum("EntityKind", kind), local_id=local_id)


def link(from_ref, to_ref, role):
    """A link with an SDM `linkReason` role, e.g. `homeAddress`."""
    return _t().Link(from_=from_ref, to=to_ref, role=role)


def record(source, handling, entity, links=(), linked=()):
    """A `pole-record`; `linked` holds `(local_id, entity)` pairs it carries (see `with_linked`)."""
    t = _t()
    carried = [t.LinkedEntity(local_id=local_id, entity=e) for local_id, e in linked]
    return t.PoleRecord(source=source, handling=handling, entity=entity, links=list(links),
                        linked=carried)


_ENTITY_KINDS = {
    "Entity_Person": "person",
    "Entity_Object": "object",
    "Entity_Location": "location",
    "Entity_Event": "event",
    "Entity_Organisation": "organisation",
}


def kind_of(entity):
    """The `entity-kind` case name of a built entity: `person`, `location`, …"""
    return _ENTITY_KINDS[type(entity).__name__]


def with_linked(rec, local_id, role, entity):
    """Link the record's own entity to `entity` (with an SDM role such as `homeAddress`) and
    carry `entity` with the record, so a reader sees it without fetching it. `local_id` is the
    vendor's id for it, what `fetch` takes back. Returns the record."""
    own = ref(kind_of(rec.entity), rec.source.local_id)
    rec.links.append(link(own, ref(kind_of(entity), local_id), role))
    rec.linked.append(_t().LinkedEntity(local_id=local_id, entity=entity))
    return rec


def search_result(records, next_cursor=None, total=None):
    """A page of records; `total` is how many match in all, when the vendor says."""
    return _t().SearchResult(records=list(records), next_cursor=next_cursor, total=total)


def receipt(local_id, created, reference=None):
    return _t().Receipt(local_id=local_id, created=bool(created), reference=reference)


def check_report(message, system_version=None):
    return _t().CheckReport(message=message, system_version=system_version)


def config_key(name, description, kind="text", required=True, example=None):
    """A declared configuration key; `kind` is `text`, `secret` or `endpoint`."""
    return _t().ConfigKey(name=name, description=description, kind=enum("ConfigKind", kind),
                          required=required, example=example)


def connector_info(id, name, vendor, version, description, entity_kinds, operations, config,
                   max_classification="official", contract_version="0.2.0"):
    """What `describe` returns; kinds, operations and classification as case names."""
    return _t().ConnectorInfo(
        id=id, name=name, vendor=vendor, version=version, contract_version=contract_version,
        description=description,
        entity_kinds=[enum("EntityKind", k) for k in entity_kinds],
        operations=[enum("Operation", o) for o in operations], config=list(config),
        max_classification=enum("Classification", max_classification))


def _warm_sample():
    """Records built as a connector builds them, from synthetic values (see `warm`)."""
    rec = record(source("Warm-up Constabulary", "Warm-up", "W-1"),
                 handling_from_marking("OFFICIAL-SENSITIVE", caveats=["UK EYES ONLY"]),
                 person(surname="SAMPLE", given_names=["Sam"], middle_names=["Q"],
                        aliases=["S Sample"], date_of_birth="1990-01-01", gender="male",
                        ethnicity_observed="white-north-european", warning_markers=["V"]))
    with_linked(rec, "W-1/address", "homeAddress",
                location(street="1 Sample Street", town="Sampletown", county="Sampleshire",
                         postcode="ZZ1 1ZZ", country="GBR"))
    event_record = record(source("Warm-up Constabulary", "Warm-up", "W-2"),
                          handling_from_marking("OFFICIAL"),
                          event("custody", references=["W/1"], starts_at="2026-01-01T00:00:00Z"),
                          [link(ref("event", "W-2"), ref("person", "W-1"), "knownSuspect")])
    search_result([rec, event_record], "2", total=2)
    case_name(_CASES["EntityKind"]["person"])


# While the component is built: every call's instance starts with the builders specialised.
warm_up(_warm_sample)
