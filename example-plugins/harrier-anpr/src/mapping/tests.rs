use super::*;

const VEHICLES: &str = r#"<vehicles total="3">
<vehicle id="VEH-0001"><vrm>ZX51ABC</vrm><vin>SAMPLEVIN00000001</vin><make>FORD</make>
  <model>FOCUS</model><colour>BLUE</colour><bodyType>HATCHBACK</bodyType><keeperRef>KPR-0001</keeperRef>
  <marking>OFFICIAL</marking></vehicle>
<vehicle id="VEH-0002"><vrm>ZX51ABD</vrm><vin/><make>VAUXHALL</make><marking>SECRET</marking></vehicle>
</vehicles>"#;

const KEEPER: &str = r#"<keeper id="KPR-0001"><surname>EXAMPLEWOOD</surname>
  <forenames>ALEX JORDAN</forenames><dateOfBirth>1988-03-14</dateOfBirth>
  <address><line>12 Fictional Road</line><line>Sampleton</line><postcode>ZZ1 1AA</postcode></address>
  <marking>OFFICIAL</marking></keeper>"#;

const READ: &str = r#"<read id="RD-000001"><vrm>ZX51ABC</vrm>
  <camera id="CAM-017">A000 Sampleton bypass northbound</camera>
  <seenAt>2026-02-01T08:14:09Z</seenAt><lat>51.501</lat><lon>-0.142</lon><confidence>97</confidence>
  <marking>OFFICIAL-SENSITIVE</marking><grading source="2" intelligence="B" handling="P"/></read>"#;

fn ctx() -> RequestContext {
    RequestContext {
        user_id: "PC 4321".into(),
        role: "analyst".into(),
        clearance: Classification::Official,
        justification: "Vehicle used in burglary <INC-000301> & seen since".into(),
        case_reference: Some("OP-FICTION-1".into()),
        correlation_id: "corr-1".into(),
        idempotency_key: Some("idem-1".into()),
    }
}

fn query(kind: EntityKind, keys: Vec<SearchKey>, text: Option<&str>) -> SearchQuery {
    SearchQuery {
        kind,
        text: text.map(str::to_string),
        keys,
        limit: 10,
        cursor: None,
    }
}

#[test]
fn parses_and_maps_vehicles() {
    let c = parse_vehicles(VEHICLES).unwrap();
    assert_eq!(c.total, 3);
    assert_eq!(c.items.len(), 2);
    assert_eq!(c.items[1].vin, None, "empty element is absent");
    let keeper = parse_keeper(KEEPER).unwrap();
    let r = vehicle_record(&c.items[0], Some(&keeper), "F").unwrap();
    assert_eq!(r.source.local_id, "VEH-0001");
    assert_eq!(r.source.system, "Harrier ANPR");
    let Entity::Object(PoleObject::Vehicle(v)) = &r.entity else {
        panic!()
    };
    assert_eq!(v.vrm.as_deref(), Some("ZX51ABC"));
    assert_eq!(v.vin.as_deref(), Some("SAMPLEVIN00000001"));
    assert_eq!(v.make.as_deref(), Some("FORD"));
    assert_eq!(v.model.as_deref(), Some("FOCUS"));
    assert_eq!(v.colours, ["BLUE"]);
    assert_eq!(v.body_shape.as_deref(), Some("HATCHBACK"));
    assert_eq!(r.links.len(), 1);
    assert_eq!(r.links[0].from.kind, EntityKind::Person);
    assert_eq!(r.links[0].from.local_id, "KPR-0001");
    assert_eq!(r.links[0].to.local_id, "VEH-0001");
    assert_eq!(r.links[0].role, "ownershipOf");
    assert_eq!(r.linked.len(), 1, "the keeper is carried with the vehicle");
    assert_eq!(r.linked[0].local_id, "KPR-0001");
    assert!(
        matches!(&r.linked[0].entity, Entity::Person(p) if p.surname.as_deref() == Some("EXAMPLEWOOD"))
    );
    let without = vehicle_record(&c.items[0], None, "F").unwrap();
    assert!(without.links.is_empty() && without.linked.is_empty());
    let r = vehicle_record(&c.items[1], Some(&keeper), "F").unwrap();
    assert_eq!(r.handling.classification, Classification::Secret);
    assert!(
        r.links.is_empty(),
        "a keeper the vehicle does not name is not carried"
    );
}

#[test]
fn parses_and_maps_keepers() {
    let k = parse_keeper(KEEPER).unwrap();
    let r = keeper_record(&k, "F").unwrap();
    let Entity::Person(p) = &r.entity else {
        panic!()
    };
    assert_eq!(p.surname.as_deref(), Some("EXAMPLEWOOD"));
    assert_eq!(p.given_names, ["ALEX", "JORDAN"]);
    assert_eq!(p.date_of_birth.as_deref(), Some("1988-03-14"));
    assert_eq!(r.links[0].to.local_id, "KPR-0001/address");
    assert_eq!(r.links[0].role, "homeAddress");
    assert_eq!(
        r.linked[0].local_id, "KPR-0001/address",
        "the address is carried"
    );
    let a = keeper_address_record(&k, "F").unwrap().unwrap();
    let Entity::Location(l) = &a.entity else {
        panic!()
    };
    assert_eq!(l.premises.as_deref(), Some("12"));
    assert_eq!(l.street.as_deref(), Some("Fictional Road"));
    assert_eq!(l.town.as_deref(), Some("Sampleton"));
    assert_eq!(l.postcode, None);
    assert_eq!(l.county.as_deref(), Some("ZZ1 1AA"));

    let company = parse_keeper(
        r#"<keeper id="KPR-9"><surname>O&apos;TESTLY &amp; SONS LTD</surname><forenames/>
           <address><line>Unit 4</line><line>Trade Park</line><line>Sampleton</line>
           <postcode>SW1A 2AA</postcode></address><marking>OFFICIAL</marking></keeper>"#,
    )
    .unwrap();
    assert!(is_company(&company) && !is_company(&k));
    let r = keeper_record(&company, "F").unwrap();
    let Entity::Organisation(o) = &r.entity else {
        panic!("a company keeper is an organisation: {:?}", r.entity)
    };
    assert_eq!(o.name, "O'TESTLY & SONS LTD");
    assert_eq!(o.organisation_type.as_deref(), Some("COMPANY"));
    assert_eq!(r.links[0].role, "businessAddress");
    assert_eq!(r.links[0].from.kind, EntityKind::Organisation);
    let a = keeper_address_record(&company, "F").unwrap().unwrap();
    assert_eq!(a.links[0].from.kind, EntityKind::Organisation);
    assert_eq!(a.links[0].from.local_id, "KPR-9");
    let l = address(&company.address_lines, company.postcode.as_deref());
    assert_eq!(l.premises, None);
    assert_eq!(l.street.as_deref(), Some("Unit 4, Trade Park"));
    assert_eq!(l.postcode.as_deref(), Some("SW1A 2AA"));
}

#[test]
fn parses_and_maps_reads() {
    let read = parse_read(READ).unwrap();
    let r = read_record(&read, "F").unwrap();
    assert!(r.handling.sensitive);
    let g = r.handling.grading.as_ref().unwrap();
    assert_eq!(g.source, SourceEvaluation::Untested);
    assert_eq!(g.intelligence, IntelligenceAssessment::B);
    assert!(matches!(g.handling, HandlingCode::Permitted));
    let Entity::Event(e) = &r.entity else {
        panic!()
    };
    assert_eq!(e.kind, EventKind::Sighting);
    assert_eq!(e.category.as_deref(), Some("ANPR"));
    assert_eq!(
        e.description.as_deref(),
        Some("ANPR read at A000 Sampleton bypass northbound (CAM-017): ZX51ABC, 97% confidence")
    );
    assert_eq!(e.starts_at.as_deref(), Some("2026-02-01T08:14:09Z"));
    assert!(e.exact_time_known);
    assert_eq!(r.links[0].to.local_id, "RD-000001/location");
    assert_eq!(r.links[0].role, "sightingLocation");
    assert!(
        matches!(&r.linked[0].entity, Entity::Location(l) if l.latitude == Some(51.501)),
        "the camera's location is carried"
    );
    let l = read_location_record(&read, "F").unwrap();
    let Entity::Location(l) = &l.entity else {
        panic!()
    };
    assert_eq!(l.latitude, Some(51.501));
    assert_eq!(l.longitude, Some(-0.142));
    assert_eq!(l.area.as_deref(), Some("A000 Sampleton bypass northbound"));

    let conditional = HRead {
        grading: Some(HGrading {
            source: "1".into(),
            intelligence: "A".into(),
            handling: "C".into(),
            conditions: None,
        }),
        ..read
    };
    let h = read_record(&conditional, "F").unwrap().handling;
    assert!(
        matches!(h.grading.unwrap().handling, HandlingCode::Conditions(c) if c == CONDITIONS_HELD_IN_HARRIER)
    );
    let bad = HRead {
        grading: Some(HGrading {
            source: "9".into(),
            ..Default::default()
        }),
        ..conditional
    };
    assert!(matches!(
        read_record(&bad, "F"),
        Err(ConnectorError::Internal(_))
    ));
}

#[test]
fn rejects_bad_xml_and_markings() {
    assert!(matches!(
        parse_vehicles("<vehicles"),
        Err(ConnectorError::Internal(_))
    ));
    assert!(matches!(
        parse_vehicles("<keepers/>"),
        Err(ConnectorError::Internal(_))
    ));
    assert!(matches!(
        parse_vehicle("<vehicle><vrm>A1</vrm></vehicle>"),
        Err(ConnectorError::Internal(_))
    ));
    let v = parse_vehicle(r#"<vehicle id="V"><marking>RESTRICTED</marking></vehicle>"#).unwrap();
    assert!(matches!(
        vehicle_record(&v, None, "F"),
        Err(ConnectorError::Internal(_))
    ));
    // An entity-expansion bomb is refused by the parser, not expanded.
    let bomb = r#"<!DOCTYPE v [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
        <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
        <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>
        <vehicle id="V"><vrm>&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;</vrm></vehicle>"#;
    assert!(parse_vehicle(bomb).is_err());
}

#[test]
fn small_documents() {
    let p = parse_pong(r#"<pong system="Harrier ANPR" version="2.3.0" vehicles="12"/>"#).unwrap();
    assert_eq!(p.version.as_deref(), Some("2.3.0"));
    assert_eq!(p.vehicles, Some(12));
    assert_eq!(
        parse_created(r#"<created id="HOT-000001"/>"#).unwrap(),
        "HOT-000001"
    );
    assert_eq!(
        error_detail("<error>vehicle VEH-9 not found</error>"),
        "vehicle VEH-9 not found"
    );
    assert_eq!(error_detail("plain text"), "plain text");
    let c = parse_reads(r#"<reads total="0"></reads>"#).unwrap();
    assert_eq!(c.total, 0);
    assert!(c.items.is_empty());
}

#[test]
fn search_parameters() {
    let s = search(&query(
        EntityKind::Object,
        vec![SearchKey::Vrm("zx51 abc".into())],
        None,
    ))
    .unwrap();
    assert_eq!(s.collection, "vehicles");
    assert_eq!(s.params, [("vrm", "ZX51ABC".to_string())]);
    assert_eq!(s.exact_vrm.as_deref(), Some("ZX51ABC"));
    let s = search(&query(EntityKind::Object, vec![], Some("ZX51"))).unwrap();
    assert_eq!(s.params, [("vrm", "ZX51".to_string())]);
    assert_eq!(s.exact_vrm, None);
    let s = search(&query(
        EntityKind::Object,
        vec![SearchKey::Vin("SAMPLEVIN00000001".into())],
        None,
    ))
    .unwrap();
    assert_eq!(s.params, [("vin", "SAMPLEVIN00000001".to_string())]);
    let s = search(&query(
        EntityKind::Event,
        vec![SearchKey::Vrm("ZX51ABC".into())],
        None,
    ))
    .unwrap();
    assert_eq!(s.collection, "reads");
    let name = SearchKey::Name(NameAndBirth {
        surname: "Examplewood".into(),
        given_name: Some("Alex".into()),
        date_of_birth: Some("1988-03-14".into()),
    });
    let s = search(&query(EntityKind::Person, vec![name], None)).unwrap();
    assert_eq!(s.collection, "keepers");
    assert_eq!(
        s.params,
        [
            ("surname", "Examplewood".into()),
            ("forenames", "Alex".into()),
            ("dob", "1988-03-14".into())
        ]
    );
    let bad_dob = SearchKey::Name(NameAndBirth {
        surname: "X".into(),
        given_name: None,
        date_of_birth: Some("14/03/1988".into()),
    });
    for bad in [
        query(EntityKind::Object, vec![], None),
        query(EntityKind::Object, vec![], Some("not a vrm!")),
        query(
            EntityKind::Object,
            vec![SearchKey::Vrm("A1".into()), SearchKey::Vrm("B2".into())],
            None,
        ),
        query(
            EntityKind::Object,
            vec![SearchKey::Postcode("ZZ1 1AA".into())],
            None,
        ),
        query(EntityKind::Event, vec![SearchKey::Vin("X".into())], None),
        query(EntityKind::Person, vec![bad_dob], None),
        query(EntityKind::Location, vec![], Some("x")),
    ] {
        assert!(
            matches!(search(&bad), Err(ConnectorError::InvalidInput(_))),
            "{bad:?}"
        );
    }
    assert_eq!(next_cursor(0, 10, 11), Some("10".into()));
    assert_eq!(next_cursor(10, 1, 11), None);
    assert!(offset(Some("x")).is_err());
}

#[test]
fn reads_a_hotlist_entry_as_its_vehicle() {
    let v = parse_hotlist_entry(
        "<hotlist id=\"HOT-000002\"><vrm>ZX51ABC</vrm><reason>seen</reason>\
         <createdAt>2026-11-27T00:00:00Z</createdAt></hotlist>",
    )
    .unwrap();
    assert_eq!(
        (v.id.as_str(), v.vrm.as_deref()),
        ("HOT-000002", Some("ZX51ABC"))
    );
    let r = vehicle_record(&v, None, "Exampleshire Constabulary").unwrap();
    assert_eq!(r.source.local_id, "HOT-000002");
    assert!(parse_hotlist_entry("<vehicle id=\"VEH-1\"/>").is_err());
}

#[test]
fn builds_hotlist_requests() {
    let item = Submission {
        local_id: None,
        handling: Handling::official().sensitive(),
        entity: Vehicle::with_vrm("zx51 abc").into(),
        links: vec![],
        reason: None,
    };
    let xml = hotlist_xml(&ctx(), &item).unwrap();
    assert_eq!(
        xml,
        "<hotlist><vrm>ZX51ABC</vrm><reason>Vehicle used in burglary &lt;INC-000301&gt; &amp; seen since</reason>\
         <requestedBy>PC 4321</requestedBy><caseRef>OP-FICTION-1</caseRef></hotlist>"
    );
    let with_reason = Submission {
        reason: Some("Seen leaving <the> scene".into()),
        ..item.clone()
    };
    assert!(
        hotlist_xml(&ctx(), &with_reason)
            .unwrap()
            .contains("<reason>Seen leaving &lt;the&gt; scene</reason>"),
        "the officer's own reason goes first"
    );
    // The XML we send parses back.
    assert!(Document::parse(&xml).is_ok());
    let secret = Submission {
        handling: Handling::secret(),
        ..item.clone()
    };
    let person = Submission {
        entity: Person::new("X").into(),
        ..item.clone()
    };
    let update = Submission {
        local_id: Some("HOT-1".into()),
        ..item.clone()
    };
    let no_vrm = Submission {
        entity: Vehicle::unregistered().into(),
        ..item
    };
    for bad in [secret, person, update, no_vrm] {
        assert!(matches!(
            hotlist_xml(&ctx(), &bad),
            Err(ConnectorError::InvalidInput(_))
        ));
    }
}
