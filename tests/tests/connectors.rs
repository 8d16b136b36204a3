//! The example connectors, built to wasm, driven through the real host against their vendor
//! stand-ins over real HTTP on loopback: every operation, the mapping into POLE, error mapping.

use interop_sandbox::types::{
    Classification, ConfigKind, ConnectorError, Entity, EntityKind, EntityRef, EventKind, Gender,
    Handling, Link, NameAndBirth, Operation, PoleObject, PoleRecord, SearchKey, SearchQuery,
    Submission, Telephone, Vehicle,
};
use interop_sandbox::{CallError, Connector, Grant};
use interop_tests::{components, context, harrier_grant, kestrel_grant};

fn person_query(surname: &str, dob: Option<&str>, limit: u32) -> SearchQuery {
    SearchQuery {
        kind: EntityKind::Person,
        text: None,
        keys: vec![SearchKey::Name(NameAndBirth {
            surname: surname.into(),
            given_name: None,
            date_of_birth: dob.map(Into::into),
        })],
        limit,
        cursor: None,
    }
}

fn connector_error(err: CallError) -> ConnectorError {
    match err {
        CallError::Connector { error, .. } => error,
        other => panic!("expected the connector's own error, got {other:?}"),
    }
}

async fn kestrel(grant: Grant) -> Connector {
    interop_tests::host()
        .load_file(components::KESTREL_RMS, grant)
        .await
        .unwrap()
}

async fn harrier(grant: Grant) -> Connector {
    interop_tests::host()
        .load_file(components::HARRIER_ANPR, grant)
        .await
        .unwrap()
}

// ------------------------------------------------------------------------------ Kestrel RMS

#[tokio::test]
async fn kestrel_describes_its_config_and_operations() {
    let c = kestrel(Grant::default()).await;
    let info = c.info();
    assert_eq!(info.id, "kestrel-rms");
    assert_eq!(info.contract_version, "0.2.0");
    assert!(info.operations.contains(&Operation::Submit));
    let kind = |name: &str| info.config.iter().find(|k| k.name == name).map(|k| k.kind);
    assert_eq!(kind("base_url"), Some(ConfigKind::Endpoint));
    assert_eq!(kind("api_key"), Some(ConfigKind::Secret));
    assert_eq!(
        c.describe().await.unwrap(),
        *info,
        "describe is stable across instances"
    );
}

#[tokio::test]
async fn kestrel_check_reaches_the_vendor() {
    let vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = kestrel(kestrel_grant(&vendor.base_url())).await;
    let report = c.check(&context()).await.unwrap();
    assert!(report.message.contains("Kestrel RMS"), "{}", report.message);
    assert_eq!(report.system_version.as_deref(), Some("4.2.1"));
}

#[tokio::test]
async fn kestrel_person_search_maps_a_nominal_into_pole() {
    let vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = kestrel(kestrel_grant(&vendor.base_url())).await;
    let result = c
        .search(
            &context(),
            &person_query("Examplewood", Some("1988-03-14"), 10),
        )
        .await
        .unwrap();
    assert_eq!(result.records.len(), 1, "{result:?}");
    let record = &result.records[0];
    assert_eq!(record.source.system, "Kestrel RMS");
    assert_eq!(record.source.local_id, "NOM-000101");
    assert!(!record.source.extracted_at.is_empty());
    assert_eq!(record.handling.classification, Classification::Official);
    let Entity::Person(p) = &record.entity else {
        panic!("a nominal is a person: {record:?}");
    };
    assert_eq!(p.surname.as_deref(), Some("Examplewood"));
    assert_eq!(
        p.given_names,
        vec!["Alex".to_string(), "Jordan".to_string()]
    );
    assert_eq!(
        p.date_of_birth.as_deref(),
        Some("1988-03-14"),
        "DD/MM/YYYY became ISO 8601"
    );
    assert!(p.date_of_birth_known);
    assert_eq!(p.gender, Some(Gender::Male));
    assert_eq!(
        p.warning_markers,
        vec!["VIOLENT".to_string()],
        "officer-safety markers travel"
    );
    assert!(
        record
            .links
            .iter()
            .any(|l| l.role == "homeAddress" && l.to.kind == EntityKind::Location),
        "{:?}",
        record.links
    );
}

#[tokio::test]
async fn kestrel_respects_the_limit_and_pages_with_a_cursor() {
    let vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = kestrel(kestrel_grant(&vendor.base_url())).await;
    let first = c
        .search(&context(), &person_query("Examplewood", None, 1))
        .await
        .unwrap();
    assert_eq!(first.records.len(), 1);
    let cursor = first
        .next_cursor
        .clone()
        .expect("more Examplewoods than one");
    let mut q = person_query("Examplewood", None, 1);
    q.cursor = Some(cursor);
    let second = c.search(&context(), &q).await.unwrap();
    assert_eq!(second.records.len(), 1);
    assert_ne!(
        first.records[0].source.local_id,
        second.records[0].source.local_id
    );
}

#[tokio::test]
async fn kestrel_labels_sensitive_and_secret_records() {
    let vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = kestrel(kestrel_grant(&vendor.base_url())).await;
    let priya = c
        .fetch(&context(), EntityKind::Person, "NOM-000102")
        .await
        .unwrap();
    assert_eq!(priya.handling.classification, Classification::Official);
    assert!(
        priya.handling.sensitive,
        "OFFICIAL-SENSITIVE is OFFICIAL + sensitive"
    );
    let casey = c
        .fetch(&context(), EntityKind::Person, "NOM-000105")
        .await
        .unwrap();
    assert_eq!(casey.handling.classification, Classification::Secret);
}

#[tokio::test]
async fn kestrel_fetch_unknown_is_not_found() {
    let vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = kestrel(kestrel_grant(&vendor.base_url())).await;
    let err = c
        .fetch(&context(), EntityKind::Person, "NOM-999999")
        .await
        .unwrap_err();
    assert_eq!(err.class(), "not-found");
    assert!(matches!(connector_error(err), ConnectorError::NotFound(_)));
}

/// An id that would address the collection or its parent (empty, dots, or an empty parent in a
/// sub-id: what schemathesis sent as `/&`) is not found, never another resource of the vendor.
#[tokio::test]
async fn ids_that_would_address_another_resource_are_not_found() {
    let kestrel_vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let harrier_vendor = harrier_anpr_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let k = kestrel(kestrel_grant(&kestrel_vendor.base_url())).await;
    let h = harrier(harrier_grant(&harrier_vendor.base_url())).await;
    for (kind, id) in [
        (EntityKind::Person, ""),
        (EntityKind::Person, ".."),
        (EntityKind::Event, "."),
        (EntityKind::Location, "/&"),
        (EntityKind::Object, "/TEL-1"),
    ] {
        let err = k.fetch(&context(), kind, id).await.unwrap_err();
        assert_eq!(err.class(), "not-found", "kestrel {kind} {id:?}: {err}");
    }
    for (kind, id) in [(EntityKind::Object, ""), (EntityKind::Person, "..")] {
        let err = h.fetch(&context(), kind, id).await.unwrap_err();
        assert_eq!(err.class(), "not-found", "harrier {kind} {id:?}: {err}");
    }
}

#[tokio::test]
async fn kestrel_fetches_an_incident_as_an_event_with_roles() {
    let vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = kestrel(kestrel_grant(&vendor.base_url())).await;
    let record = c
        .fetch(&context(), EntityKind::Event, "INC-000301")
        .await
        .unwrap();
    let Entity::Event(e) = &record.entity else {
        panic!("an incident is an event: {record:?}");
    };
    assert!(e.references.iter().any(|r| r == "KR/2026/000301"), "{e:?}");
    assert!(matches!(e.kind, EventKind::Crime | EventKind::Incident));
    assert!(
        record.links.iter().any(|l| l.to.kind == EntityKind::Person),
        "incident links its nominals: {:?}",
        record.links
    );
}

fn new_incident() -> Submission {
    Submission {
        local_id: None,
        handling: Handling {
            classification: Classification::Official,
            sensitive: false,
            caveats: vec![],
            grading: None,
            review_date: None,
        },
        entity: Entity::Event(interop_sandbox::types::Event {
            kind: EventKind::Incident,
            category: Some("SUSPICIOUS-VEHICLE".into()),
            references: vec![],
            ho_classification: None,
            offence_code: None,
            starts_at: Some("2026-03-01T21:30:00Z".into()),
            ends_at: None,
            exact_time_known: true,
            description: Some("Suspicious vehicle seen circling Fictional Road (synthetic)".into()),
            status: None,
        }),
        links: vec![],
        reason: Some("Reported by a resident (synthetic)".into()),
    }
}

#[tokio::test]
async fn kestrel_submit_is_idempotent_under_the_same_key() {
    let vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = kestrel(kestrel_grant(&vendor.base_url())).await;
    let mut ctx = context();
    ctx.idempotency_key = Some("test-key-0001".into());
    let first = c.submit(&ctx, &new_incident()).await.unwrap();
    assert!(first.created);
    assert!(first.reference.is_some());
    let retry = c.submit(&ctx, &new_incident()).await.unwrap();
    assert_eq!(retry.local_id, first.local_id);
    assert!(!retry.created, "a replay is not a new record");
    assert_eq!(vendor.counters().incidents_created, 1);
    let fetched = c
        .fetch(&ctx, EntityKind::Event, &first.local_id)
        .await
        .unwrap();
    assert_eq!(fetched.source.local_id, first.local_id);
}

fn vehicle_query(keys: Vec<SearchKey>, text: Option<&str>) -> SearchQuery {
    SearchQuery {
        kind: EntityKind::Object,
        text: text.map(Into::into),
        keys,
        limit: 5,
        cursor: None,
    }
}

/// The vehicle in a record, or a panic naming what came instead.
fn vehicle_of(record: &PoleRecord) -> &Vehicle {
    match &record.entity {
        Entity::Object(PoleObject::Vehicle(v)) => v,
        other => panic!("expected a vehicle, got {other:?}"),
    }
}

/// A new vehicle (no local id), OFFICIAL, with no links: the "enter once" vehicle.
fn new_vehicle(vrm: &str) -> Submission {
    let mut item = new_incident();
    item.entity = Entity::Object(PoleObject::Vehicle(Vehicle {
        vrm: Some(vrm.into()),
        vin: None,
        make: Some("FORD".into()),
        model: Some("FOCUS".into()),
        body_shape: None,
        colours: vec!["BLUE".into()],
        registration_country: None,
    }));
    item
}

#[tokio::test]
async fn kestrel_vehicle_search_by_vrm_returns_the_seeded_vehicle() {
    let vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = kestrel(kestrel_grant(&vendor.base_url())).await;
    let result = c
        .search(
            &context(),
            &vehicle_query(vec![SearchKey::Vrm("zx51 abc".into())], None),
        )
        .await
        .unwrap();
    assert_eq!(result.records.len(), 1, "{result:?}");
    assert!(result.next_cursor.is_none());
    let record = &result.records[0];
    assert_eq!(record.source.system, "Kestrel RMS");
    assert_eq!(record.source.local_id, "VEH-000401");
    assert_eq!(record.handling.classification, Classification::Official);
    let v = vehicle_of(record);
    assert_eq!(v.vrm.as_deref(), Some("ZX51ABC"));
    assert_eq!(v.make.as_deref(), Some("FORD"));
    assert_eq!(v.model.as_deref(), Some("FOCUS"));
    assert_eq!(v.colours, vec!["BLUE".to_string()]);
    assert!(
        record.links.iter().any(|l| l.role == "ownershipOf"
            && l.from.kind == EntityKind::Person
            && l.from.local_id == "NOM-000101"),
        "the vehicle links the same person Harrier holds as its keeper: {:?}",
        record.links
    );

    // Free text that looks like a VRM is one; a mark Kestrel stores with a space is found
    // without it and comes back without it (DS_065).
    let result = c
        .search(&context(), &vehicle_query(vec![], Some("ZV70STU")))
        .await
        .unwrap();
    assert_eq!(result.records.len(), 1, "{result:?}");
    assert_eq!(result.records[0].source.local_id, "VEH-000403");
    assert_eq!(
        vehicle_of(&result.records[0]).vrm.as_deref(),
        Some("ZV70STU")
    );

    // Free text that is not a VRM is refused, not sent as one.
    let err = c
        .search(&context(), &vehicle_query(vec![], Some("blue ford")))
        .await
        .unwrap_err();
    assert_eq!(err.class(), "invalid-input", "{err}");
    // A mark Kestrel does not hold is an empty answer, not an error.
    let none = c
        .search(
            &context(),
            &vehicle_query(vec![SearchKey::Vrm("ZZ99ZZZ".into())], None),
        )
        .await
        .unwrap();
    assert!(none.records.is_empty(), "{none:?}");
}

#[tokio::test]
async fn kestrel_fetches_a_vehicle_of_interest_and_still_a_phone() {
    let vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = kestrel(kestrel_grant(&vendor.base_url())).await;
    let record = c
        .fetch(&context(), EntityKind::Object, "VEH-000402")
        .await
        .unwrap();
    assert_eq!(record.source.local_id, "VEH-000402");
    assert_eq!(vehicle_of(&record).vrm.as_deref(), Some("ZR12NPQ"));
    assert!(
        record.handling.sensitive,
        "OFFICIAL-SENSITIVE in Kestrel: {:?}",
        record.handling
    );
    assert!(
        record
            .links
            .iter()
            .any(|l| l.role == "driverOf" && l.from.local_id == "NOM-000109"),
        "{:?}",
        record.links
    );

    // Phones are objects kept inside a nominal; they still fetch by their sub-id.
    let phone = c
        .fetch(&context(), EntityKind::Object, "NOM-000101/TEL-1")
        .await
        .unwrap();
    assert!(
        matches!(&phone.entity, Entity::Object(PoleObject::Telephone(t)) if t.number == "+447700900123"),
        "{phone:?}"
    );

    let err = c
        .fetch(&context(), EntityKind::Object, "VEH-999999")
        .await
        .unwrap_err();
    assert_eq!(err.class(), "not-found", "{err}");
}

#[tokio::test]
async fn kestrel_vehicle_submit_is_idempotent_under_the_same_key() {
    let vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = kestrel(kestrel_grant(&vendor.base_url())).await;
    let mut ctx = context();
    ctx.idempotency_key = Some("veh-key-0001".into());
    let mut item = new_vehicle("zx51 abc");
    item.links = vec![Link {
        from: EntityRef {
            kind: EntityKind::Person,
            local_id: "NOM-000101".into(),
        },
        to: EntityRef {
            kind: EntityKind::Object,
            local_id: String::new(),
        },
        role: "ownershipOf".into(),
    }];
    let first = c.submit(&ctx, &item).await.unwrap();
    assert!(first.created, "{first:?}");
    assert_eq!(first.local_id, "VEH-000404", "after the three seeded");
    let retry = c.submit(&ctx, &item).await.unwrap();
    assert_eq!(retry.local_id, first.local_id);
    assert!(!retry.created, "a replay is not a new record");

    let counters = vendor.counters();
    assert_eq!(
        (counters.vehicles_created, counters.vehicle_replays),
        (1, 1),
        "{counters:?}"
    );
    assert_eq!(counters.incidents_created, 0, "{counters:?}");
    assert_eq!(
        vendor
            .requests()
            .iter()
            .filter(|r| r.method == "POST"
                && r.target.ends_with("/api/v2/vehicles")
                && r.idempotency_key.as_deref() == Some("veh-key-0001"))
            .count(),
        2,
        "both POSTs carried the caller's idempotency key: {:?}",
        vendor.requests()
    );

    // What Kestrel holds: the reason is the submission's own (contract 0.2; else the officer's
    // justification), the requester the user, the case the request's case reference; the link
    // became the nominal's role.
    let held = vendor.vehicles();
    let created = held
        .iter()
        .find(|v| v.vehicle_id == first.local_id)
        .expect("the created vehicle is held");
    assert_eq!(created.vrm, "ZX51ABC");
    assert_eq!(Some(created.reason.as_str()), item.reason.as_deref());
    assert_eq!(created.requested_by, context().user_id);
    assert_eq!(created.case_ref, context().case_reference);
    assert_eq!(created.protective_marking, "OFFICIAL");
    assert_eq!(created.nominals.len(), 1);
    assert_eq!(created.nominals[0].nominal_id, "NOM-000101");
    assert_eq!(created.nominals[0].role, "OWNER");

    let fetched = c
        .fetch(&ctx, EntityKind::Object, &first.local_id)
        .await
        .unwrap();
    assert_eq!(vehicle_of(&fetched).vrm.as_deref(), Some("ZX51ABC"));
}

#[tokio::test]
async fn kestrel_refuses_objects_other_than_vehicles() {
    let vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = kestrel(kestrel_grant(&vendor.base_url())).await;
    let mut item = new_incident();
    item.entity = Entity::Object(PoleObject::Telephone(Telephone {
        telephone_type: None,
        number: "+447700900123".into(),
        extension: None,
    }));
    let err = connector_error(c.submit(&context(), &item).await.unwrap_err());
    let ConnectorError::InvalidInput(message) = err else {
        panic!("expected invalid-input, got {err:?}");
    };
    assert!(message.contains("telephone"), "{message}");
    assert_eq!(vendor.counters().requests, 0, "nothing was sent to Kestrel");
}

#[tokio::test]
async fn kestrel_wrong_key_is_unauthorized() {
    let vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let mut grant = kestrel_grant(&vendor.base_url());
    grant.config.insert("api_key".into(), "wrong".into());
    let c = kestrel(grant).await;
    let err = c.check(&context()).await.unwrap_err();
    assert_eq!(err.class(), "unauthorized", "{err}");
}

#[tokio::test]
async fn kestrel_missing_config_is_invalid_input_naming_the_key() {
    let vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let mut grant = kestrel_grant(&vendor.base_url());
    grant.config.remove("api_key");
    let c = kestrel(grant).await;
    let err = connector_error(c.check(&context()).await.unwrap_err());
    let ConnectorError::InvalidInput(message) = err else {
        panic!("expected invalid-input, got {err:?}");
    };
    assert!(message.contains("api_key"), "{message}");
}

#[tokio::test]
async fn kestrel_vendor_failures_are_unavailable() {
    let vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = kestrel(kestrel_grant(&vendor.url("/_fault/status/503"))).await;
    let err = c.check(&context()).await.unwrap_err();
    assert_eq!(err.class(), "unavailable", "{err}");

    // A vendor that accepts the request and never answers: the host's first-byte timeout ends
    // the request, inside the call's wall clock, and the connector reports it as unavailable.
    let c = kestrel(kestrel_grant(&vendor.url("/_fault/hang"))).await;
    let err = c.check(&context()).await.unwrap_err();
    assert_eq!(err.class(), "unavailable", "{err}");

    // Nothing listens on the port any more.
    let gone = vendor.base_url();
    vendor.shutdown().await;
    let c = kestrel(kestrel_grant(&gone)).await;
    let err = c.check(&context()).await.unwrap_err();
    assert_eq!(err.class(), "unavailable", "{err}");
}

// ----------------------------------------------------------------------------- Harrier ANPR

#[tokio::test]
async fn harrier_vehicle_search_by_vrm_ignores_spacing() {
    let vendor = harrier_anpr_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = harrier(harrier_grant(&vendor.base_url())).await;
    let query = SearchQuery {
        kind: EntityKind::Object,
        text: None,
        keys: vec![SearchKey::Vrm("zx51 abc".into())],
        limit: 5,
        cursor: None,
    };
    let result = c.search(&context(), &query).await.unwrap();
    let vehicles: Vec<&Vehicle> = result
        .records
        .iter()
        .filter_map(|r| match &r.entity {
            Entity::Object(PoleObject::Vehicle(v)) => Some(v),
            _ => None,
        })
        .collect();
    assert!(!vehicles.is_empty(), "{result:?}");
    let v = vehicles
        .iter()
        .find(|v| v.vrm.as_deref() == Some("ZX51ABC"))
        .expect("ZX51ABC");
    assert_eq!(v.make.as_deref(), Some("FORD"));
    let record = &result.records[0];
    assert_eq!(record.source.system, "Harrier ANPR");
    assert!(
        record.links.iter().any(|l| l.role == "ownershipOf"),
        "the vehicle links its keeper: {:?}",
        record.links
    );
}

#[tokio::test]
async fn harrier_keeper_is_the_same_person_as_in_kestrel() {
    let vendor = harrier_anpr_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = harrier(harrier_grant(&vendor.base_url())).await;
    let result = c
        .search(
            &context(),
            &person_query("Examplewood", Some("1988-03-14"), 5),
        )
        .await
        .unwrap();
    assert_eq!(result.records.len(), 1, "{result:?}");
    let Entity::Person(p) = &result.records[0].entity else {
        panic!("a keeper is a person");
    };
    assert_eq!(p.date_of_birth.as_deref(), Some("1988-03-14"));
    assert_eq!(
        p.surname.as_deref().map(str::to_uppercase).as_deref(),
        Some("EXAMPLEWOOD")
    );
}

#[tokio::test]
async fn harrier_reads_are_graded_events() {
    let vendor = harrier_anpr_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = harrier(harrier_grant(&vendor.base_url())).await;
    let query = SearchQuery {
        kind: EntityKind::Event,
        text: None,
        keys: vec![SearchKey::Vrm("ZX51ABC".into())],
        limit: 50,
        cursor: None,
    };
    let result = c.search(&context(), &query).await.unwrap();
    assert!(!result.records.is_empty());
    assert!(
        result.records.iter().any(|r| r.handling.grading.is_some()),
        "graded reads carry their 3x5x2 grading: {result:?}"
    );
    for r in &result.records {
        assert!(matches!(r.entity, Entity::Event(_)), "{r:?}");
        assert!(
            r.links.iter().any(|l| l.to.kind == EntityKind::Location),
            "{r:?}"
        );
    }
    let all = c
        .search(
            &context(),
            &SearchQuery {
                keys: vec![],
                text: Some("Z".into()),
                ..query.clone()
            },
        )
        .await;
    // Free text over reads may or may not be supported; either an answer or invalid-input.
    if let Err(e) = all {
        assert_eq!(e.class(), "invalid-input", "{e}");
    }
}

#[tokio::test]
async fn harrier_fetch_and_not_found() {
    let vendor = harrier_anpr_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = harrier(harrier_grant(&vendor.base_url())).await;
    let v = c
        .fetch(&context(), EntityKind::Object, "VEH-0001")
        .await
        .unwrap();
    assert_eq!(v.source.local_id, "VEH-0001");
    let err = c
        .fetch(&context(), EntityKind::Object, "VEH-9999")
        .await
        .unwrap_err();
    assert_eq!(err.class(), "not-found", "{err}");
}

#[tokio::test]
async fn harrier_hotlist_submit_is_idempotent() {
    let vendor = harrier_anpr_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let c = harrier(harrier_grant(&vendor.base_url())).await;
    let mut ctx = context();
    ctx.idempotency_key = Some("hot-0001".into());
    let mut item = new_incident();
    item.entity = Entity::Object(PoleObject::Vehicle(Vehicle {
        vrm: Some("ZX51ABC".into()),
        vin: None,
        make: None,
        model: None,
        body_shape: None,
        colours: vec![],
        registration_country: None,
    }));
    let first = c.submit(&ctx, &item).await.unwrap();
    let retry = c.submit(&ctx, &item).await.unwrap();
    assert_eq!(first.local_id, retry.local_id);
    assert!(first.created && !retry.created);
    assert_eq!(vendor.counters().hotlist_created, 1);
}

#[tokio::test]
async fn harrier_bad_token_and_vendor_errors_are_mapped() {
    let vendor = harrier_anpr_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let mut grant = harrier_grant(&vendor.base_url());
    grant.config.insert("token".into(), "wrong".into());
    let c = harrier(grant).await;
    assert_eq!(
        c.check(&context()).await.unwrap_err().class(),
        "unauthorized"
    );

    let c = harrier(harrier_grant(&vendor.url("/_fault/status/500"))).await;
    assert_eq!(
        c.check(&context()).await.unwrap_err().class(),
        "unavailable"
    );
}

// ------------------------------------------------------------------------------ enter once

#[tokio::test]
async fn one_vehicle_entered_once_goes_to_kestrel_and_harrier() {
    let kestrel_vendor = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let harrier_vendor = harrier_anpr_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let k = kestrel(kestrel_grant(&kestrel_vendor.base_url())).await;
    let h = harrier(harrier_grant(&harrier_vendor.base_url())).await;
    let mut ctx = context();
    ctx.idempotency_key = Some("enter-once-0001".into());
    let item = new_vehicle("ZX51ABC");
    for _attempt in 0..2 {
        let from_kestrel = k.submit(&ctx, &item).await.unwrap();
        let from_harrier = h.submit(&ctx, &item).await.unwrap();
        assert!(
            from_kestrel.local_id.starts_with("VEH-"),
            "{from_kestrel:?}"
        );
        assert!(
            from_harrier.local_id.starts_with("HOT-"),
            "{from_harrier:?}"
        );
    }
    let kc = kestrel_vendor.counters();
    assert_eq!((kc.vehicles_created, kc.vehicle_replays), (1, 1), "{kc:?}");
    assert_eq!(harrier_vendor.counters().hotlist_created, 1);
    // Both systems now answer a search for the mark.
    let q = vehicle_query(vec![SearchKey::Vrm("ZX51ABC".into())], None);
    let in_kestrel = k.search(&context(), &q).await.unwrap();
    assert_eq!(
        in_kestrel.records.len(),
        2,
        "the seeded vehicle of interest and the new one: {in_kestrel:?}"
    );
    assert!(!h.search(&context(), &q).await.unwrap().records.is_empty());
}
