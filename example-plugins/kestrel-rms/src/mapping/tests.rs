use super::*;

const NOMINAL: &str = r#"{"nominalId":"NOM-000101","forename1":"Alex","forename2":"Jordan",
    "familyName":"Examplewood","birthDate":"14/03/1988","sexCode":"M","ethnicCode":"W1",
    "pncRef":"2001/0012345H","aliases":["AJ"],
    "addresses":[{"addressId":"ADR-0201","houseNo":"12","street":"Fictional Road",
        "town":"Sampleton","county":"Exampleshire","postCode":"ZZ1 1AA","uprn":"100000000001"},
        {"addressId":"ADR-0202","houseNo":"3","street":"Old Lane","town":"Sampleton",
        "county":"Exampleshire","postCode":"SW1A 2AA","uprn":"100000000002"}],
    "phones":["+447700900123"],"markers":["VIOLENT"],"protectiveMarking":"OFFICIAL-SENSITIVE",
    "lastUpdated":"2026-02-11T09:30:00Z"}"#;

const INCIDENT: &str = r#"{"incidentId":"INC-000301","incidentNumber":"KR/2026/000301",
    "incidentType":"BURGLARY","hoClass":"028/01","summary":"Rear door forced",
    "occurredFrom":"2026-01-05T22:00:00Z","occurredTo":"2026-01-06T06:30:00Z",
    "locationText":"12 Fictional Road, Sampleton ZZ1 1AA",
    "nominals":[{"nominalId":"NOM-000101","role":"SUSPECT"},{"nominalId":"NOM-000102","role":"VICTIM"},
        {"nominalId":"NOM-000103","role":"REPORTER"}],
    "reportingOfficer":"PC 1234","caseRef":null,"protectiveMarking":"SECRET",
    "createdAt":"2026-01-06T07:10:00Z"}"#;

fn nominal() -> Nominal {
    serde_json::from_str(NOMINAL).unwrap()
}

fn ctx() -> RequestContext {
    RequestContext {
        user_id: "PC 4321".into(),
        role: "investigator".into(),
        clearance: Classification::Secret,
        justification: "burglary enquiry".into(),
        case_reference: Some("OP-FICTION-1".into()),
        correlation_id: "corr-1".into(),
        idempotency_key: Some("idem-1".into()),
    }
}

fn query(keys: Vec<SearchKey>, text: Option<&str>) -> SearchQuery {
    SearchQuery {
        kind: EntityKind::Person,
        text: text.map(str::to_string),
        keys,
        limit: 10,
        cursor: None,
    }
}

#[test]
fn maps_a_nominal() {
    let r = person_record(&nominal(), "Exampleshire Constabulary").unwrap();
    assert_eq!(r.source.local_id, "NOM-000101");
    assert_eq!(r.source.system, "Kestrel RMS");
    assert_eq!(r.source.force, "Exampleshire Constabulary");
    assert!(r.source.extracted_at.ends_with('Z'));
    assert_eq!(r.handling.classification, Classification::Official);
    assert!(r.handling.sensitive);
    let Entity::Person(p) = &r.entity else {
        panic!("not a person")
    };
    assert_eq!(p.given_names, ["Alex", "Jordan"]);
    assert_eq!(p.surname.as_deref(), Some("Examplewood"));
    assert_eq!(p.date_of_birth.as_deref(), Some("1988-03-14"));
    assert!(p.date_of_birth_known);
    assert_eq!(p.gender, Some(Gender::Male));
    assert_eq!(p.ethnicity_self_defined.as_deref(), Some("W1"));
    assert_eq!(p.pnc_id.as_deref(), Some("2001/0012345H"));
    assert_eq!(p.aliases, ["AJ"]);
    let links: Vec<_> = r
        .links
        .iter()
        .map(|l| (l.to.local_id.as_str(), l.role.as_str()))
        .collect();
    assert_eq!(
        links,
        [
            ("NOM-000101/ADR-0201", "homeAddress"),
            ("NOM-000101/ADR-0202", "previousAddress"),
            ("NOM-000101/TEL-1", "personalTelephone"),
        ]
    );
    assert!(r.links.iter().all(|l| l.from.kind == EntityKind::Person));
}

#[test]
fn maps_addresses_and_phones() {
    let n = nominal();
    let r = address_record(&n, "ADR-0201", "F").unwrap().unwrap();
    let Entity::Location(l) = &r.entity else {
        panic!()
    };
    assert_eq!(l.premises.as_deref(), Some("12"));
    assert_eq!(l.street.as_deref(), Some("Fictional Road"));
    assert_eq!(l.postcode, None, "ZZ is not a real postcode area");
    assert_eq!(l.county.as_deref(), Some("Exampleshire, ZZ1 1AA"));
    assert_eq!(l.uprn.as_deref(), Some("100000000001"));
    assert_eq!(r.links[0].from.local_id, "NOM-000101");
    assert!(r.handling.sensitive);
    let r = address_record(&n, "ADR-0202", "F").unwrap().unwrap();
    let Entity::Location(l) = &r.entity else {
        panic!()
    };
    assert_eq!(l.postcode.as_deref(), Some("SW1A 2AA"));
    assert!(address_record(&n, "ADR-9", "F").unwrap().is_none());

    let r = phone_record(&n, 1, "F").unwrap().unwrap();
    assert_eq!(r.source.local_id, "NOM-000101/TEL-1");
    assert!(
        matches!(&r.entity, Entity::Object(PoleObject::Telephone(t)) if t.number == "+447700900123")
    );
    assert!(phone_record(&n, 0, "F").unwrap().is_none());
    assert!(phone_record(&n, 2, "F").unwrap().is_none());
}

#[test]
fn sex_codes_and_markings() {
    assert_eq!(gender("F"), Some(Gender::Female));
    assert_eq!(gender("x"), Some(Gender::NonBinary));
    assert_eq!(gender("U"), Some(Gender::NotKnown));
    assert_eq!(gender("Q"), None);
    let h = handling("SECRET", "NOM-1").unwrap();
    assert_eq!(h.classification, Classification::Secret);
    assert!(matches!(
        handling("RESTRICTED", "NOM-1"),
        Err(ConnectorError::Internal(_))
    ));
    assert_eq!(marking(&Handling::official()).unwrap(), "OFFICIAL");
    assert_eq!(
        marking(&Handling::official().sensitive()).unwrap(),
        "OFFICIAL-SENSITIVE"
    );
    assert_eq!(marking(&Handling::secret()).unwrap(), "SECRET");
    assert!(matches!(
        marking(&Handling::top_secret()),
        Err(ConnectorError::InvalidInput(_))
    ));
}

#[test]
fn sparse_nominal_leaves_unknowns_absent() {
    let n: Nominal = serde_json::from_str(
        r#"{"nominalId":"NOM-9","familyName":"Mockridge","birthDate":"31/02/1970",
            "sexCode":"","protectiveMarking":"OFFICIAL"}"#,
    )
    .unwrap();
    let r = person_record(&n, "F").unwrap();
    let Entity::Person(p) = &r.entity else {
        panic!()
    };
    assert!(p.given_names.is_empty());
    assert_eq!(
        p.date_of_birth, None,
        "an impossible date is dropped, not passed on"
    );
    assert_eq!(p.gender, None);
    assert!(r.links.is_empty());
}

#[test]
fn maps_an_incident() {
    let i: Incident = serde_json::from_str(INCIDENT).unwrap();
    let r = event_record(&i, "F").unwrap();
    assert_eq!(r.handling.classification, Classification::Secret);
    let Entity::Event(e) = &r.entity else {
        panic!()
    };
    assert_eq!(e.kind, EventKind::Incident);
    assert_eq!(e.references, ["KR/2026/000301"]);
    assert_eq!(e.ho_classification.as_deref(), Some("028/01"));
    assert_eq!(e.starts_at.as_deref(), Some("2026-01-05T22:00:00Z"));
    assert_eq!(e.ends_at.as_deref(), Some("2026-01-06T06:30:00Z"));
    assert!(!e.exact_time_known);
    assert_eq!(e.category.as_deref(), Some("BURGLARY"));
    assert_eq!(e.description.as_deref(), Some("Rear door forced"));
    let links: Vec<_> = r
        .links
        .iter()
        .map(|l| (l.to.local_id.as_str(), l.role.as_str()))
        .collect();
    assert_eq!(
        links,
        [
            ("NOM-000101", "knownSuspect"),
            ("NOM-000102", "victim"),
            ("NOM-000103", "personReporting"),
            ("INC-000301/location", "incidentLocation"),
        ]
    );
    let l = incident_location_record(&i, "F").unwrap().unwrap();
    assert!(
        matches!(&l.entity, Entity::Location(l) if l.area.as_deref() == Some("12 Fictional Road, Sampleton ZZ1 1AA"))
    );
    assert_eq!(role_to_link("WITNESS"), "witness");
    assert_eq!(role_to_link("BYSTANDER"), "bystander");
}

#[test]
fn builds_a_new_incident() {
    let item = Submission {
        local_id: None,
        handling: Handling::official().sensitive(),
        entity: Event::new(EventKind::Incident)
            .description("[theft] Bicycle taken from shed")
            .between("2026-02-01T10:00:00Z", "2026-02-01T12:00:00Z")
            .into(),
        links: vec![
            Link::new(
                EntityRef::event(""),
                EntityRef::person("NOM-000101"),
                roles::KNOWN_SUSPECT,
            ),
            Link::new(
                EntityRef::person("NOM-000102"),
                EntityRef::event(""),
                roles::VICTIM,
            ),
        ],
        reason: None,
    };
    let body = new_incident(&ctx(), &item).unwrap();
    assert_eq!(body.incident_type, "THEFT");
    assert_eq!(body.summary, "Bicycle taken from shed");
    let categorised = Submission {
        entity: Event::new(EventKind::Incident)
            .category("criminal damage")
            .description("Window broken")
            .into(),
        ..item.clone()
    };
    let from_category = new_incident(&ctx(), &categorised).unwrap();
    assert_eq!(
        from_category.incident_type, "CRIMINAL DAMAGE",
        "the category is the incident type"
    );
    assert_eq!(from_category.summary, "Window broken");
    assert_eq!(body.reporting_officer, "PC 4321");
    assert_eq!(body.case_ref.as_deref(), Some("OP-FICTION-1"));
    assert_eq!(body.protective_marking, "OFFICIAL-SENSITIVE");
    assert_eq!(
        body.nominals,
        [
            IncidentNominal {
                nominal_id: "NOM-000101".into(),
                role: "SUSPECT".into()
            },
            IncidentNominal {
                nominal_id: "NOM-000102".into(),
                role: "VICTIM".into()
            },
        ]
    );
    let json = serde_json::to_value(&body).unwrap();
    assert_eq!(json["incidentType"], "THEFT");
    assert_eq!(json["occurredFrom"], "2026-02-01T10:00:00Z");
    assert!(json.get("hoClass").is_none());

    let plain = Submission {
        entity: Event::new(EventKind::Crime).description("Graffiti").into(),
        links: vec![],
        reason: None,
        ..item
    };
    assert_eq!(new_incident(&ctx(), &plain).unwrap().incident_type, "CRIME");
}

#[test]
fn rejects_bad_submissions() {
    let base = Submission {
        local_id: None,
        handling: Handling::official(),
        entity: Event::new(EventKind::Incident).description("x").into(),
        links: vec![],
        reason: None,
    };
    let update = Submission {
        local_id: Some("INC-1".into()),
        ..base.clone()
    };
    let person = Submission {
        entity: Person::new("X").into(),
        ..base.clone()
    };
    let empty = Submission {
        entity: Event::new(EventKind::Incident).into(),
        ..base.clone()
    };
    let top = Submission {
        handling: Handling::top_secret(),
        ..base.clone()
    };
    let bad_role = Submission {
        links: vec![Link::new(
            EntityRef::event(""),
            EntityRef::person("N"),
            roles::OWNERSHIP_OF,
        )],
        ..base.clone()
    };
    let bad_kind = Submission {
        links: vec![Link::new(
            EntityRef::event(""),
            EntityRef::location("L"),
            roles::VICTIM,
        )],
        ..base
    };
    for s in [update, person, empty, top, bad_role, bad_kind] {
        assert!(matches!(
            new_incident(&ctx(), &s),
            Err(ConnectorError::InvalidInput(_))
        ));
    }
}

#[test]
fn person_search_parameters() {
    let name = |s: &str, g: Option<&str>, d: Option<&str>| {
        SearchKey::Name(NameAndBirth {
            surname: s.into(),
            given_name: g.map(str::to_string),
            date_of_birth: d.map(str::to_string),
        })
    };
    let s = nominal_search(&query(
        vec![name(" Examplewood ", Some("Alex"), Some("1988-03-14"))],
        None,
    ))
    .unwrap();
    assert_eq!(s.surname.as_deref(), Some("Examplewood"));
    assert_eq!(s.forename.as_deref(), Some("Alex"));
    assert_eq!(s.dob.as_deref(), Some("14/03/1988"));
    assert_eq!(s.q, None);
    let s = nominal_search(&query(
        vec![SearchKey::Postcode("ZZ1 1AA".into())],
        Some("Fictional"),
    ))
    .unwrap();
    assert_eq!(s.q.as_deref(), Some("ZZ1 1AA Fictional"));
    for bad in [
        query(vec![], None),
        query(vec![], Some("  ")),
        query(vec![name("A", None, Some("14/03/1988"))], None),
        query(vec![name(" ", None, None)], None),
        query(vec![name("A", None, None), name("B", None, None)], None),
        query(vec![SearchKey::Vrm("AB12CDE".into())], None),
    ] {
        assert!(matches!(
            nominal_search(&bad),
            Err(ConnectorError::InvalidInput(_))
        ));
    }
}

#[test]
fn incident_search_and_paging() {
    let q = query(vec![SearchKey::Reference(" KR/2026/000301 ".into())], None);
    assert_eq!(incident_reference(&q).unwrap(), "KR/2026/000301");
    assert!(incident_reference(&query(vec![], Some("burglary"))).is_err());
    assert_eq!(offset(None).unwrap(), 0);
    assert_eq!(offset(Some("40")).unwrap(), 40);
    assert!(offset(Some("abc")).is_err());
    assert_eq!(next_cursor(0, 10, 25), Some("10".into()));
    assert_eq!(next_cursor(20, 5, 25), None);
    assert_eq!(next_cursor(30, 0, 25), None);
}

#[test]
fn error_bodies() {
    assert_eq!(
        error_detail(br#"{"error":"nominal NOM-1 not found"}"#),
        "nominal NOM-1 not found"
    );
    assert_eq!(error_detail(b"gateway down"), "gateway down");
}

const VEHICLE: &str = r#"{"vehicleId":"VEH-000403","vrm":"zv70 stu","make":"FORD",
    "model":"TRANSIT","colour":"WHITE","bodyType":"PANEL VAN","vin":"SAMPLEVIN00000006",
    "nominals":[{"nominalId":"NOM-000101","role":"OWNER"},{"nominalId":"NOM-000109","role":"DRIVER"},
        {"nominalId":"NOM-000103","role":"PASSENGER"}],
    "reason":"Seen on Nowhere Avenue","requestedBy":"PC 2217","caseRef":"OP-SAMPLE-0007",
    "protectiveMarking":"OFFICIAL-SENSITIVE","createdAt":"2026-01-12T09:00:00Z"}"#;

fn vehicle_item(vrm: Option<&str>) -> Submission {
    let mut vehicle = match vrm {
        Some(vrm) => Vehicle::with_vrm(vrm),
        None => Vehicle::unregistered(),
    };
    vehicle = vehicle
        .make("FORD")
        .model("FOCUS")
        .colour("BLUE")
        .colour("WHITE");
    Submission {
        local_id: None,
        handling: Handling::official(),
        entity: Entity::Object(vehicle.into()),
        links: vec![Link::new(
            EntityRef::person("NOM-000101"),
            EntityRef::object(""),
            roles::OWNERSHIP_OF,
        )],
        reason: None,
    }
}

fn object_query(keys: Vec<SearchKey>, text: Option<&str>) -> SearchQuery {
    SearchQuery {
        kind: EntityKind::Object,
        ..query(keys, text)
    }
}

#[test]
fn maps_a_vehicle_of_interest() {
    let v: VehicleOfInterest = serde_json::from_str(VEHICLE).unwrap();
    let r = vehicle_record(&v, "Exampleshire Constabulary").unwrap();
    assert_eq!(r.source.local_id, "VEH-000403");
    assert_eq!(r.source.system, "Kestrel RMS");
    assert_eq!(r.source.force, "Exampleshire Constabulary");
    assert_eq!(r.handling.classification, Classification::Official);
    assert!(r.handling.sensitive);
    let Entity::Object(PoleObject::Vehicle(vehicle)) = &r.entity else {
        panic!("a vehicle of interest is a vehicle: {r:?}")
    };
    assert_eq!(
        vehicle.vrm.as_deref(),
        Some("ZV70STU"),
        "spaces and case go (DS_065)"
    );
    assert_eq!(vehicle.make.as_deref(), Some("FORD"));
    assert_eq!(vehicle.model.as_deref(), Some("TRANSIT"));
    assert_eq!(vehicle.colours, ["WHITE"]);
    assert_eq!(vehicle.body_shape.as_deref(), Some("PANEL VAN"));
    assert_eq!(vehicle.vin.as_deref(), Some("SAMPLEVIN00000006"));
    let links: Vec<_> = r
        .links
        .iter()
        .map(|l| {
            (
                l.from.kind,
                l.from.local_id.as_str(),
                l.role.as_str(),
                l.to.kind,
                l.to.local_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            (
                EntityKind::Person,
                "NOM-000101",
                "ownershipOf",
                EntityKind::Object,
                "VEH-000403"
            ),
            (
                EntityKind::Person,
                "NOM-000109",
                "driverOf",
                EntityKind::Object,
                "VEH-000403"
            ),
            (
                EntityKind::Person,
                "NOM-000103",
                "passengerOf",
                EntityKind::Object,
                "VEH-000403"
            ),
        ]
    );
}

#[test]
fn sparse_vehicle_and_unknown_marking() {
    let v: VehicleOfInterest = serde_json::from_str(
        r#"{"vehicleId":"VEH-1","vrm":null,"make":" ","protectiveMarking":"SECRET"}"#,
    )
    .unwrap();
    let r = vehicle_record(&v, "F").unwrap();
    assert_eq!(r.handling.classification, Classification::Secret);
    let Entity::Object(PoleObject::Vehicle(vehicle)) = &r.entity else {
        panic!()
    };
    assert_eq!(vehicle.vrm, None);
    assert_eq!(vehicle.make, None, "blank is absent");
    assert!(vehicle.colours.is_empty());
    assert!(r.links.is_empty());
    let v: VehicleOfInterest =
        serde_json::from_str(r#"{"vehicleId":"VEH-2","protectiveMarking":"RESTRICTED"}"#).unwrap();
    assert!(matches!(
        vehicle_record(&v, "F"),
        Err(ConnectorError::Internal(_))
    ));
    assert_eq!(vehicle_role_to_link("owner"), "ownershipOf");
    assert_eq!(vehicle_role_to_link("HIRER"), "hirer");
    assert_eq!(link_to_vehicle_role("driverOf"), Some("DRIVER"));
    assert_eq!(link_to_vehicle_role("victim"), None);
}

#[test]
fn builds_a_new_vehicle() {
    let body = new_vehicle(&ctx(), &vehicle_item(Some("zx51 abc"))).unwrap();
    assert_eq!(
        body,
        NewVehicle {
            vrm: "ZX51ABC".into(),
            make: Some("FORD".into()),
            model: Some("FOCUS".into()),
            colour: Some("BLUE/WHITE".into()),
            body_type: None,
            vin: None,
            reason: "burglary enquiry".into(),
            requested_by: "PC 4321".into(),
            case_ref: Some("OP-FICTION-1".into()),
            protective_marking: "OFFICIAL".into(),
            nominals: vec![VehicleNominal {
                nominal_id: "NOM-000101".into(),
                role: "OWNER".into()
            }],
        }
    );
    let json = serde_json::to_value(&body).unwrap();
    assert_eq!(json["vrm"], "ZX51ABC");
    assert_eq!(json["requestedBy"], "PC 4321");
    assert_eq!(json["caseRef"], "OP-FICTION-1");
    assert_eq!(json["nominals"][0]["nominalId"], "NOM-000101");
    assert!(json.get("bodyType").is_none());
    assert!(json.get("vin").is_none());

    let mut no_case = ctx();
    no_case.case_reference = None;
    let mut item = vehicle_item(Some("ZX51ABC"));
    item.links = vec![Link::new(
        EntityRef::object(""),
        EntityRef::person("NOM-000109"),
        roles::DRIVER_OF,
    )];
    item.handling = Handling::secret();
    let body = new_vehicle(&no_case, &item).unwrap();
    assert_eq!(body.case_ref, None);
    assert_eq!(body.protective_marking, "SECRET");
    assert_eq!(body.nominals[0].role, "DRIVER");
    assert!(
        serde_json::to_value(&body)
            .unwrap()
            .get("caseRef")
            .is_none()
    );
}

#[test]
fn rejects_bad_vehicle_submissions() {
    let message = |r: Result<NewVehicle, ConnectorError>| match r {
        Err(ConnectorError::InvalidInput(m)) => m,
        other => panic!("expected invalid-input, got {other:?}"),
    };
    let update = Submission {
        local_id: Some("VEH-000401".into()),
        ..vehicle_item(Some("ZX51ABC"))
    };
    assert!(message(new_vehicle(&ctx(), &update)).contains("cannot be updated"));
    assert!(message(new_vehicle(&ctx(), &vehicle_item(None))).contains("needs a VRM"));
    assert!(message(new_vehicle(&ctx(), &vehicle_item(Some("ZX-51")))).contains("registration"));
    let mut silent = ctx();
    silent.justification = "  ".into();
    assert!(
        message(new_vehicle(&silent, &vehicle_item(Some("ZX51ABC")))).contains("justification")
    );
    let top = Submission {
        handling: Handling::top_secret(),
        ..vehicle_item(Some("ZX51ABC"))
    };
    assert!(message(new_vehicle(&ctx(), &top)).contains("TOP SECRET"));
    let bad_role = Submission {
        links: vec![Link::new(
            EntityRef::person("NOM-000101"),
            EntityRef::object(""),
            roles::VICTIM,
        )],
        ..vehicle_item(Some("ZX51ABC"))
    };
    assert!(message(new_vehicle(&ctx(), &bad_role)).contains("no vehicle role"));
    let bad_kind = Submission {
        links: vec![Link::new(
            EntityRef::event("INC-000301"),
            EntityRef::object(""),
            roles::STOLEN,
        )],
        ..vehicle_item(Some("ZX51ABC"))
    };
    assert!(message(new_vehicle(&ctx(), &bad_kind)).contains("person–vehicle"));

    // Other objects are neither vehicles nor incidents, and the message says what was sent.
    let phone = Submission {
        entity: Entity::Object(Telephone::new("+447700900123").into()),
        ..vehicle_item(None)
    };
    let m = message(new_vehicle(&ctx(), &phone));
    assert!(
        m.contains("vehicles") && m.contains("not a telephone"),
        "{m}"
    );
    let Err(ConnectorError::InvalidInput(m)) = new_incident(&ctx(), &phone) else {
        panic!("an incident cannot be made from a telephone")
    };
    assert!(m.contains("not a telephone"), "{m}");
    assert!(matches!(
        unsupported(&Person::new("X").into()),
        ConnectorError::InvalidInput(m) if m.ends_with("not a person")
    ));
}

#[test]
fn vehicle_search_parameters() {
    let vrm = |v: &str| SearchKey::Vrm(v.into());
    let ok = |q: SearchQuery| vehicle_vrm(&q).unwrap();
    assert_eq!(ok(object_query(vec![vrm(" zx51 abc ")], None)), "ZX51ABC");
    assert_eq!(ok(object_query(vec![], Some("zv70 stu"))), "ZV70STU");
    assert_eq!(
        ok(object_query(vec![vrm("ZX51ABC")], Some("zx51 abc"))),
        "ZX51ABC",
        "the same mark twice is one mark"
    );
    assert!(looks_like_vrm("ZX51ABC"));
    assert!(!looks_like_vrm("blue ford"), "no digit");
    assert!(!looks_like_vrm("12345"), "no letter");
    assert!(!looks_like_vrm("ZX-51"));
    for bad in [
        object_query(vec![], None),
        object_query(vec![], Some("  ")),
        object_query(vec![], Some("blue ford")),
        object_query(vec![vrm("ZX-51")], None),
        object_query(vec![vrm("ZX51ABC"), vrm("ZR12NPQ")], None),
        object_query(vec![vrm("ZX51ABC")], Some("ZR12NPQ")),
        object_query(vec![SearchKey::Vin("SAMPLEVIN00000001".into())], None),
        object_query(vec![SearchKey::Telephone("+447700900123".into())], None),
    ] {
        assert!(
            matches!(vehicle_vrm(&bad), Err(ConnectorError::InvalidInput(_))),
            "{bad:?}"
        );
    }
}
