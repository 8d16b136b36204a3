"""Osprey Custody connector, written in Python and built with componentize-py.

Osprey Custody (a fictional product of the fictional Osprey Systems) is a custody system: the
people booked into its suites (detainees) and each detention (custody records), over a JSON API
described in docs/VENDOR-STANDINS.md.

| operation | Osprey Custody call |
|---|---|
| `check` | `GET /custody/v1/health` |
| `search` person | `GET /custody/v1/detainees?last_name=&first_name=&birth_date=&q=` |
| `search` event | `GET /custody/v1/custody-records?custody_number=&q=` |
| `fetch` person / event | `GET /custody/v1/detainees/{ref}` / `GET /custody/v1/custody-records/{ref}` |
| `fetch` location `DET-…/address` | the home address inside the detainee |

Read-only: Osprey Custody takes bookings from its own terminals, not from other systems.
"""

from wit_world import exports

from interop_connector import http, pole, validate
from interop_connector.errors import ConnectorFailure
from interop_connector.host import config, log
from interop_connector.warm import warm_up

CONNECTOR_ID = "osprey-custody"
VERSION = "0.1.0"
SYSTEM = "Osprey Custody"
DEFAULT_FORCE = "Exampleshire Constabulary"
# Osprey pages at most 100 results.
MAX_PAGE = 100
# Composite ids: an address lives inside its detainee, e.g. `DET-5001/address`.
ADDRESS_SUFFIX = "/address"

# Osprey's `sex` values → the contract's gender cases.
GENDERS = {"male": "male", "female": "female", "non-binary": "non-binary",
           "unknown": "not-known"}
# Officer-observed ethnicity codes 0–7 (DS_112) → the contract's cases.
OBSERVED = ["not-known", "white-north-european", "white-south-european", "black", "asian",
            "east-asian", "arabic", "mixed"]


class Settings:
    def __init__(self, ctx):
        self.base_url = config("base_url")
        self.api_key = config("api_key")
        self.force = config("force", required=False) or DEFAULT_FORCE
        self.headers = {"x-osprey-key": self.api_key, "x-correlation-id": ctx.correlation_id}

    def get(self, path, params=None):
        return http.get_json(http.join(self.base_url, path), headers=self.headers,
                             params=params, error_detail=fault_message)


def fault_message(body):
    """Osprey's error body is `{"fault": {"message": "…"}}`."""
    return body["fault"]["message"]


def address_id(detainee_ref):
    return detainee_ref + ADDRESS_SUFFIX


def handling_of(item):
    return pole.handling_from_marking(item["gsc"], caveats=item.get("caveats") or [])


def person_record(d, s):
    name = d["name"]
    dob = d.get("birth_date")
    iso_dob = validate.compact_to_iso(dob) if dob else None
    if dob and iso_dob is None:
        log("warn", f"{d['detainee_ref']}: birth_date {dob!r} is not YYYYMMDD; left out")
    ethnicity = d.get("ethnicity") or {}
    observed = ethnicity.get("observed")
    entity = pole.person(
        surname=validate.title_case_surname(name["last"]),
        given_names=[name["first"]],
        middle_names=name.get("middle") or [],
        aliases=d.get("aka") or [],
        date_of_birth=iso_dob,
        gender=GENDERS.get(d.get("sex"), "not-known"),
        ethnicity_self_defined=ethnicity.get("self_defined"),
        ethnicity_observed=OBSERVED[observed] if observed in range(len(OBSERVED)) else None,
        pnc_id=d.get("pnc_id"),
        warning_markers=d.get("risk_flags") or [],
    )
    rec = pole.record(pole.source(s.force, SYSTEM, d["detainee_ref"]), handling_of(d), entity)
    if d.get("address"):
        # The home address travels with the person (contract 0.2), so one search shows it.
        pole.with_linked(rec, address_id(d["detainee_ref"]), "homeAddress", address_of(d))
    return rec


def address_of(d):
    a = d["address"]
    return pole.location(street=a.get("line1"), town=a.get("town"), county=a.get("county"),
                         postcode=a.get("postcode"), country="GBR")


def address_record(d, s):
    if not d.get("address"):
        raise ConnectorFailure("not-found", f"detainee {d['detainee_ref']} has no address")
    entity = address_of(d)
    link = pole.link(pole.ref("person", d["detainee_ref"]),
                     pole.ref("location", address_id(d["detainee_ref"])), "homeAddress")
    return pole.record(pole.source(s.force, SYSTEM, address_id(d["detainee_ref"])),
                       handling_of(d), entity, [link])


def custody_record(c, s):
    entity = pole.event(
        "custody",
        references=[c["custody_number"]],
        offence_code=c.get("offence_code"),
        starts_at=c["arrested_at"],
        ends_at=c.get("released_at"),
        exact_time_known=True,
        description=f"{c['arrest_reason']} ({c['station']})",
        status=c.get("disposal"),
    )
    link = pole.link(pole.ref("event", c["custody_ref"]), pole.ref("person", c["detainee_ref"]),
                     "knownSuspect")
    return pole.record(pole.source(s.force, SYSTEM, c["custody_ref"]), handling_of(c), entity,
                       [link])


def offset_of(cursor):
    if cursor is None:
        return 0
    if not cursor.isdigit():
        raise ConnectorFailure("invalid-input", f"cursor {cursor!r} is not one this connector gave")
    return int(cursor)


def person_params(query):
    params = {"q": query.text.strip() if query.text and query.text.strip() else None}
    for key in query.keys:
        kind = type(key).__name__.removeprefix("SearchKey_")
        if kind != "Name":
            raise ConnectorFailure("invalid-input",
                                   f"{SYSTEM} finds people by name and date of birth, not {kind}")
        params["last_name"] = key.value.surname
        params["first_name"] = key.value.given_name
        if key.value.date_of_birth is not None:
            compact = validate.iso_to_compact(key.value.date_of_birth)
            if compact is None:
                raise ConnectorFailure("invalid-input", "date of birth must be YYYY-MM-DD")
            params["birth_date"] = compact
    return params


def event_params(query):
    params = {"q": query.text.strip() if query.text and query.text.strip() else None}
    for key in query.keys:
        kind = type(key).__name__.removeprefix("SearchKey_")
        if kind != "Reference":
            raise ConnectorFailure("invalid-input",
                                   f"{SYSTEM} finds custody records by custody number, not {kind}")
        params["custody_number"] = key.value
    return params


class Connector(exports.Connector):
    def describe(self):
        return pole.connector_info(
            id=CONNECTOR_ID,
            name=SYSTEM,
            vendor="Osprey Systems (fictional)",
            version=VERSION,
            description="Detainees, their home addresses and custody records from Osprey "
                        "Custody (read-only). Written in Python.",
            entity_kinds=["person", "location", "event"],
            operations=["check", "search", "fetch"],
            config=[
                pole.config_key("base_url", "Root URL of the Osprey API (without /custody/v1)",
                                "endpoint", example="https://osprey.example.invalid"),
                pole.config_key("api_key", "Osprey Custody API key, sent as X-Osprey-Key",
                                "secret"),
                pole.config_key("force", "Force that owns the data, named in each record's "
                                "source", "text", required=False, example=DEFAULT_FORCE),
            ],
            max_classification="secret",
        )

    @pole.guard
    def check(self, ctx):
        s = Settings(ctx)
        health = s.get("custody/v1/health")
        message = f"{health.get('product', SYSTEM)} reachable"
        if health.get("force"):
            message += f" ({health['force']})"
        if "detainees" in health and "custody_records" in health:
            message += f": {health['detainees']} detainees, {health['custody_records']} custody records"
        return pole.check_report(message, health.get("release"))

    @pole.guard
    def search(self, ctx, query):
        kind = pole.case_name(query.kind)
        offset = offset_of(query.cursor)
        limit = min(query.limit, MAX_PAGE)
        if kind == "person":
            params, path, mapper = person_params(query), "custody/v1/detainees", person_record
        elif kind == "event":
            params, path, mapper = event_params(query), "custody/v1/custody-records", custody_record
        else:
            raise ConnectorFailure("invalid-input",
                                   f"{SYSTEM} searches people and custody records, not {kind}s")
        if limit == 0:
            return pole.search_result([])
        s = Settings(ctx)
        page = s.get(path, {**params, "limit": limit, "offset": offset})
        records = []
        for item in page["results"][:limit]:
            try:
                records.append(mapper(item, s))
            except ConnectorFailure as e:
                log("warn", f"skipped an Osprey record: {e.message}")
        shown = offset + len(page["results"][:limit])
        more = shown < page["count"]
        return pole.search_result(records, str(shown) if more else None, total=page["count"])

    @pole.guard
    def fetch(self, ctx, kind, local_id):
        kind = pole.case_name(kind)
        if kind not in ("person", "location", "event"):
            raise ConnectorFailure("invalid-input",
                                   f"{SYSTEM} holds people, their addresses and custody records, "
                                   f"not {kind}s")
        s = Settings(ctx)
        quoted = http.segment(local_id)
        if kind == "person" and ADDRESS_SUFFIX not in local_id:
            return person_record(s.get(f"custody/v1/detainees/{quoted}"), s)
        if kind == "location" and local_id.endswith(ADDRESS_SUFFIX):
            parent = local_id[: -len(ADDRESS_SUFFIX)]
            return address_record(s.get(f"custody/v1/detainees/{http.segment(parent)}"), s)
        if kind == "event":
            return custody_record(s.get(f"custody/v1/custody-records/{quoted}"), s)
        raise ConnectorFailure("not-found", f"{SYSTEM} holds no {kind} {local_id!r}")

    @pole.guard
    def submit(self, ctx, item):
        raise ConnectorFailure("invalid-input", f"{SYSTEM} is read-only through this connector")


# The mapping run while the component is built, on synthetic answers shaped like Osprey's
# (interop_connector.warm): every call's instance starts with it specialised.
_SAMPLE_DETAINEES = [
    {"detainee_ref": "DET-0001", "name": {"first": "Sam", "last": "SAMPLE", "middle": ["Q"]},
     "birth_date": "19900101", "sex": "male", "ethnicity": {"observed": 1, "self_defined": "W1"},
     "pnc_id": None, "aka": ["S Sample"],
     "address": {"line1": "1 Sample Street", "town": "Sampletown", "county": "Sampleshire",
                 "postcode": "ZZ1 1ZZ"},
     "risk_flags": ["VIOLENT"], "gsc": "OFFICIAL-SENSITIVE", "caveats": [],
     "updated": "2026-01-01T00:00:00Z"},
    {"detainee_ref": "DET-0002", "name": {"first": "Jo", "last": "SAMPLE"}, "birth_date": None,
     "sex": "female", "ethnicity": {}, "pnc_id": "26/0000001A", "aka": [], "address": None,
     "risk_flags": [], "gsc": "OFFICIAL", "caveats": ["UK EYES ONLY"],
     "updated": "2026-01-01T00:00:00Z"},
]
_SAMPLE_CUSTODY = {
    "custody_ref": "CUS-0001", "custody_number": "EX/CUS/26/000001", "detainee_ref": "DET-0001",
    "station": "Sampletown", "arrested_at": "2026-01-01T00:00:00Z", "released_at": None,
    "arrest_reason": "Sample", "offence_code": None, "disposal": "BAIL", "gsc": "OFFICIAL",
    "caveats": [],
}


class _SampleSettings:
    force = DEFAULT_FORCE


def _warm_sample():
    for d in _SAMPLE_DETAINEES:
        person_record(d, _SampleSettings)
    address_record(_SAMPLE_DETAINEES[0], _SampleSettings)
    custody_record(_SAMPLE_CUSTODY, _SampleSettings)


warm_up(_warm_sample)
