//! The Osprey Systems connectors, one written in Python (componentize-py) and one in JavaScript
//! (ComponentizeJS), built to wasm by `interop-test-artifacts`, driven through the real host
//! against the Osprey stand-in over real HTTP on loopback: every operation, the mapping into
//! POLE with source and handling, idempotent submits, and each vendor failure mapped to the
//! contract's error.
//!
//! Each component is compiled once per machine and loaded once per test binary (see
//! [`interop_tests::load_precompiled`]); every test gives it its own grant.

use std::time::{Duration, Instant};

use interop_gateway::federation::subject_key;
use interop_sandbox::types::{
    Classification, ConfigKind, ConnectorError, Entity, EntityKind, Event, EventKind, Gender,
    Grading, Handling, HandlingCode, IntelligenceAssessment, NameAndBirth, ObservedEthnicity,
    Operation, PoleRecord, SearchKey, SearchQuery, SourceEvaluation, Submission,
};
use interop_sandbox::{CallError, Connector, Grant, Limits};
use interop_tests::{
    components, context, grant, host, kestrel_grant, load_precompiled, osprey_custody_grant,
    osprey_intel_grant,
};
use osprey_standin::StandIn;
use tokio::sync::OnceCell;

const FORCE: &str = "Exampleshire Constabulary";

async fn custody(grant: Grant) -> Connector {
    static LOADED: OnceCell<Connector> = OnceCell::const_new();
    LOADED
        .get_or_init(|| load_precompiled(host(), components::OSPREY_CUSTODY_PY))
        .await
        .with_grant(grant)
        .expect("the host honours the grant")
}

async fn intel(grant: Grant) -> Connector {
    static LOADED: OnceCell<Connector> = OnceCell::const_new();
    LOADED
        .get_or_init(|| load_precompiled(host(), components::OSPREY_INTEL_JS))
        .await
        .with_grant(grant)
        .expect("the host honours the grant")
}

async fn osprey() -> StandIn {
    StandIn::start(Default::default())
        .await
        .expect("the stand-in starts")
}

fn connector_error(err: CallError) -> ConnectorError {
    match err {
        CallError::Connector { error, .. } => error,
        other => panic!("expected the connector's own error, got {other:?}"),
    }
}

fn name_query(kind: EntityKind, surname: &str, dob: Option<&str>, limit: u32) -> SearchQuery {
    SearchQuery {
        kind,
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

/// A grant with a longer wall clock, for calls that wait out a hung vendor.
fn patient(grant: Grant) -> Grant {
    Grant {
        limits: Limits {
            wall_clock: Duration::from_secs(30),
            ..Limits::default()
        },
        ..grant
    }
}

/// The URL of a loopback port nothing listens on.
async fn refused_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

fn event(record: &PoleRecord) -> &Event {
    match &record.entity {
        Entity::Event(e) => e,
        other => panic!("expected an event, got {other:?}"),
    }
}

// ------------------------------------------------------------------ Osprey Custody (Python)

#[tokio::test]
async fn python_describes_its_config_and_operations() {
    let c = custody(Grant::default()).await;
    let info = c.info();
    assert_eq!(info.id, "osprey-custody");
    assert_eq!(info.vendor, "Osprey Systems (fictional)");
    assert_eq!(info.contract_version, "0.2.0");
    assert_eq!(
        info.operations,
        vec![Operation::Check, Operation::Search, Operation::Fetch]
    );
    let key = |name: &str| info.config.iter().find(|k| k.name == name).cloned();
    let base = key("base_url").expect("declares base_url");
    assert_eq!((base.kind, base.required), (ConfigKind::Endpoint, true));
    let api_key = key("api_key").expect("declares api_key");
    assert_eq!((api_key.kind, api_key.required), (ConfigKind::Secret, true));
    let force = key("force").expect("declares force");
    assert_eq!((force.kind, force.required), (ConfigKind::Text, false));
    assert_eq!(info.max_classification, Classification::Secret);
    assert_eq!(c.describe().await.unwrap(), *info, "describe is stable");
}

#[tokio::test]
async fn python_check_reaches_the_vendor() {
    let vendor = osprey().await;
    let c = custody(osprey_custody_grant(&vendor.base_url())).await;
    let report = c.check(&context()).await.unwrap();
    assert_eq!(
        report.message,
        "Osprey Custody reachable (Exampleshire Constabulary): 6 detainees, 5 custody records"
    );
    assert_eq!(report.system_version.as_deref(), Some("7.4.0"));
    let requests = vendor.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].target, "/custody/v1/health");
}

#[tokio::test]
async fn python_person_search_maps_a_detainee_into_pole() {
    let vendor = osprey().await;
    let c = custody(osprey_custody_grant(&vendor.base_url())).await;
    let q = name_query(EntityKind::Person, "Examplewood", Some("1988-03-14"), 10);
    let result = c.search(&context(), &q).await.unwrap();
    assert_eq!(result.records.len(), 1, "{result:?}");
    assert_eq!(result.next_cursor, None);
    let record = &result.records[0];
    assert_eq!(record.source.force, FORCE);
    assert_eq!(record.source.system, "Osprey Custody");
    assert_eq!(record.source.local_id, "DET-5001");
    assert!(record.source.extracted_at.ends_with('Z'));
    assert_eq!(record.handling.classification, Classification::Official);
    assert!(!record.handling.sensitive);
    let Entity::Person(p) = &record.entity else {
        panic!("a detainee is a person: {record:?}");
    };
    assert_eq!(
        p.surname.as_deref(),
        Some("Examplewood"),
        "EXAMPLEWOOD title-cased"
    );
    assert_eq!(p.given_names, vec!["Alex".to_string()]);
    assert_eq!(p.middle_names, vec!["Jordan".to_string()]);
    assert_eq!(p.aliases, vec!["AJ".to_string()]);
    assert_eq!(
        p.date_of_birth.as_deref(),
        Some("1988-03-14"),
        "YYYYMMDD became ISO"
    );
    assert!(p.date_of_birth_known);
    assert_eq!(p.gender, Some(Gender::Male));
    assert_eq!(p.ethnicity_self_defined.as_deref(), Some("W1"));
    assert_eq!(
        p.ethnicity_observed,
        Some(ObservedEthnicity::WhiteNorthEuropean)
    );
    assert_eq!(p.pnc_id.as_deref(), Some("2001/0012345Z"));
    assert_eq!(p.warning_markers, vec!["VIOLENT".to_string()]);
    let link = &record.links[0];
    assert_eq!(
        (link.role.as_str(), link.to.kind, link.to.local_id.as_str()),
        ("homeAddress", EntityKind::Location, "DET-5001/address")
    );
    let target = &vendor.requests()[0].target;
    assert!(
        target.contains("last_name=Examplewood") && target.contains("birth_date=19880314"),
        "the key went to Osprey in its own date format: {target}"
    );
}

#[tokio::test]
async fn python_search_respects_the_limit_and_pages_with_a_cursor() {
    let vendor = osprey().await;
    let c = custody(osprey_custody_grant(&vendor.base_url())).await;
    let first = c
        .search(
            &context(),
            &name_query(EntityKind::Person, "Examplewood", None, 1),
        )
        .await
        .unwrap();
    assert_eq!(first.records.len(), 1);
    let mut q = name_query(EntityKind::Person, "Examplewood", None, 1);
    q.cursor = Some(first.next_cursor.clone().expect("two Examplewoods"));
    let second = c.search(&context(), &q).await.unwrap();
    assert_eq!(second.records.len(), 1);
    assert_ne!(
        first.records[0].source.local_id,
        second.records[0].source.local_id
    );
    assert_eq!(second.next_cursor, None, "no third Examplewood");
    q.cursor = Some("not-a-cursor".into());
    let err = c.search(&context(), &q).await.unwrap_err();
    assert!(matches!(
        connector_error(err),
        ConnectorError::InvalidInput(_)
    ));
}

#[tokio::test]
async fn python_labels_sensitive_and_secret_records() {
    let vendor = osprey().await;
    let c = custody(osprey_custody_grant(&vendor.base_url())).await;
    let priya = c
        .fetch(&context(), EntityKind::Person, "DET-5002")
        .await
        .unwrap();
    assert_eq!(priya.handling.classification, Classification::Official);
    assert!(priya.handling.sensitive, "OFFICIAL-SENSITIVE");
    assert_eq!(priya.handling.caveats, vec!["PERSONAL".to_string()]);
    let jordan = c
        .fetch(&context(), EntityKind::Person, "DET-5005")
        .await
        .unwrap();
    assert_eq!(jordan.handling.classification, Classification::Secret);
    assert_eq!(jordan.handling.caveats, vec!["UK EYES ONLY".to_string()]);
    let riley = c
        .fetch(&context(), EntityKind::Person, "DET-5006")
        .await
        .unwrap();
    let Entity::Person(p) = &riley.entity else {
        panic!("{riley:?}")
    };
    assert_eq!(p.date_of_birth, None, "unknown stays absent");
    assert!(!p.date_of_birth_known);
    assert_eq!(p.gender, Some(Gender::NotKnown));
    assert!(riley.links.is_empty(), "no address, no link");
}

#[tokio::test]
async fn python_fetches_custody_records_and_addresses() {
    let vendor = osprey().await;
    let c = custody(osprey_custody_grant(&vendor.base_url())).await;
    let record = c
        .fetch(&context(), EntityKind::Event, "CUS-6001")
        .await
        .unwrap();
    let e = event(&record);
    assert_eq!(e.kind, EventKind::Custody);
    assert_eq!(e.references, vec!["EX/CUS/26/000101".to_string()]);
    assert_eq!(e.offence_code.as_deref(), Some("TH68010"));
    assert_eq!(e.starts_at.as_deref(), Some("2026-01-07T10:15:00Z"));
    assert_eq!(e.ends_at.as_deref(), Some("2026-01-08T09:40:00Z"));
    assert_eq!(e.status.as_deref(), Some("BAIL"));
    assert!(record.handling.sensitive);
    let link = &record.links[0];
    assert_eq!(
        (link.role.as_str(), link.to.kind, link.to.local_id.as_str()),
        ("knownSuspect", EntityKind::Person, "DET-5001")
    );

    let by_ref = SearchQuery {
        kind: EntityKind::Event,
        text: None,
        keys: vec![SearchKey::Reference("ex/cus/26/000142".into())],
        limit: 5,
        cursor: None,
    };
    let found = c.search(&context(), &by_ref).await.unwrap();
    assert_eq!(found.records.len(), 1);
    assert_eq!(found.records[0].source.local_id, "CUS-6003");
    assert_eq!(event(&found.records[0]).ends_at, None, "still in custody");

    let home = c
        .fetch(&context(), EntityKind::Location, "DET-5001/address")
        .await
        .unwrap();
    let Entity::Location(l) = &home.entity else {
        panic!("{home:?}")
    };
    assert_eq!(l.street.as_deref(), Some("12 Fictional Road"));
    assert_eq!(l.town.as_deref(), Some("Sampleton"));
    assert_eq!(l.postcode, None, "ZZ is not a real postcode area");
    assert_eq!(l.county.as_deref(), Some("Exampleshire, ZZ1 1AA"));
}

#[tokio::test]
async fn python_fetch_unknown_is_not_found() {
    let vendor = osprey().await;
    let c = custody(osprey_custody_grant(&vendor.base_url())).await;
    let err = c
        .fetch(&context(), EntityKind::Person, "DET-9999")
        .await
        .unwrap_err();
    let ConnectorError::NotFound(message) = connector_error(err) else {
        panic!("not found expected")
    };
    assert!(message.contains("detainee DET-9999 not found"), "{message}");
    // A kind it does not hold is a wrong request, not a missing record.
    let err = c
        .fetch(&context(), EntityKind::Object, "DET-5001")
        .await
        .unwrap_err();
    assert!(matches!(
        connector_error(err),
        ConnectorError::InvalidInput(_)
    ));
}

#[tokio::test]
async fn python_refused_key_is_unauthorized() {
    let vendor = osprey().await;
    let wrong = grant(&vendor.base_url(), &[("api_key", "not-the-key")]);
    let c = custody(wrong).await;
    let err = c.check(&context()).await.unwrap_err();
    let ConnectorError::Unauthorized(message) = connector_error(err) else {
        panic!("unauthorized expected")
    };
    assert!(message.contains("invalid API key"), "{message}");
    assert_eq!(vendor.counters().unauthorized, 1);
}

#[tokio::test]
async fn python_vendor_5xx_is_unavailable() {
    let vendor = osprey().await;
    let c = custody(osprey_custody_grant(&vendor.url("/_fault/status/503"))).await;
    let err = c
        .search(
            &context(),
            &name_query(EntityKind::Person, "Examplewood", None, 5),
        )
        .await
        .unwrap_err();
    let ConnectorError::Unavailable(message) = connector_error(err) else {
        panic!("unavailable expected")
    };
    assert!(message.contains("503"), "{message}");
}

#[tokio::test]
async fn python_hung_vendor_is_unavailable() {
    let vendor = osprey().await;
    let c = custody(patient(osprey_custody_grant(&vendor.url("/_fault/hang")))).await;
    let started = Instant::now();
    let err = c.check(&context()).await.unwrap_err();
    assert!(
        matches!(connector_error(err), ConnectorError::Unavailable(_)),
        "the connector's own first-byte timeout answers"
    );
    assert!(started.elapsed() < Duration::from_secs(25));
}

#[tokio::test]
async fn python_unreachable_vendor_is_unavailable() {
    let c = custody(osprey_custody_grant(&refused_url().await)).await;
    let err = c.check(&context()).await.unwrap_err();
    assert!(matches!(
        connector_error(err),
        ConnectorError::Unavailable(_)
    ));
}

#[tokio::test]
async fn python_missing_config_is_invalid_input() {
    let vendor = osprey().await;
    let c = custody(grant(&vendor.base_url(), &[])).await;
    let err = c.check(&context()).await.unwrap_err();
    let ConnectorError::InvalidInput(message) = connector_error(err) else {
        panic!("invalid input expected")
    };
    assert!(message.contains("api_key"), "{message}");
    let c = custody(Grant::default()).await;
    let err = c.check(&context()).await.unwrap_err();
    let ConnectorError::InvalidInput(message) = connector_error(err) else {
        panic!("invalid input expected")
    };
    assert!(message.contains("base_url"), "{message}");
    assert_eq!(vendor.counters().requests, 0, "nothing was sent");
}

#[tokio::test]
async fn python_person_merges_with_kestrel_in_a_federated_search() {
    let osprey = osprey().await;
    let kestrel = kestrel_rms_standin::StandIn::start(Default::default())
        .await
        .unwrap();
    let custody = custody(osprey_custody_grant(&osprey.base_url())).await;
    let rms = host()
        .load_file(components::KESTREL_RMS, kestrel_grant(&kestrel.base_url()))
        .await
        .unwrap();
    let q = name_query(EntityKind::Person, "Examplewood", Some("1988-03-14"), 5);
    let from_osprey = custody.search(&context(), &q).await.unwrap();
    let from_kestrel = rms.search(&context(), &q).await.unwrap();
    let key = |records: &[PoleRecord]| {
        assert_eq!(records.len(), 1, "{records:?}");
        subject_key(&records[0])
    };
    let osprey_key = key(&from_osprey.records);
    assert_eq!(
        osprey_key.as_deref(),
        Some("person:examplewood:alex:1988-03-14")
    );
    assert_eq!(
        osprey_key,
        key(&from_kestrel.records),
        "the gateway groups them"
    );
}

// ------------------------------------------------------------------ Osprey Intel (JavaScript)

fn report_submission(handling: Handling, description: &str) -> Submission {
    Submission {
        local_id: None,
        handling,
        entity: Entity::Event(Event {
            kind: EventKind::IntelligenceReport,
            category: None,
            references: vec![],
            ho_classification: None,
            offence_code: None,
            starts_at: None,
            ends_at: None,
            exact_time_known: false,
            description: Some(description.into()),
            status: None,
        }),
        links: vec![],
        reason: None,
    }
}

fn graded(conditions: &str) -> Handling {
    Handling {
        classification: Classification::Official,
        sensitive: true,
        caveats: vec!["PERSONAL".into()],
        grading: Some(Grading {
            source: SourceEvaluation::NotReliable,
            intelligence: IntelligenceAssessment::C,
            handling: HandlingCode::Conditions(conditions.into()),
        }),
        review_date: Some("2027-06-30".into()),
    }
}

#[tokio::test]
async fn javascript_describes_its_config_and_operations() {
    let c = intel(Grant::default()).await;
    let info = c.info();
    assert_eq!(info.id, "osprey-intel");
    assert_eq!(info.contract_version, "0.2.0");
    assert_eq!(info.entity_kinds, vec![EntityKind::Event]);
    assert!(info.operations.contains(&Operation::Submit));
    let kind = |name: &str| info.config.iter().find(|k| k.name == name).map(|k| k.kind);
    assert_eq!(kind("base_url"), Some(ConfigKind::Endpoint));
    assert_eq!(kind("token"), Some(ConfigKind::Secret));
    assert_eq!(kind("force"), Some(ConfigKind::Text));
    assert_eq!(c.describe().await.unwrap(), *info, "describe is stable");
}

#[tokio::test]
async fn javascript_check_reaches_the_vendor() {
    let vendor = osprey().await;
    let c = intel(osprey_intel_grant(&vendor.base_url())).await;
    let report = c.check(&context()).await.unwrap();
    assert_eq!(report.message, "Osprey Intel reachable: 4 reports");
    assert_eq!(report.system_version.as_deref(), Some("3.1.2"));
    assert_eq!(vendor.requests()[0].target, "/intel/api/ping");
}

#[tokio::test]
async fn javascript_search_maps_a_report_with_its_grading() {
    let vendor = osprey().await;
    let c = intel(osprey_intel_grant(&vendor.base_url())).await;
    let q = name_query(EntityKind::Event, "Examplewood", Some("1988-03-14"), 10);
    let result = c.search(&context(), &q).await.unwrap();
    assert_eq!(result.records.len(), 1, "{result:?}");
    let record = &result.records[0];
    assert_eq!(record.source.force, FORCE);
    assert_eq!(record.source.system, "Osprey Intel");
    assert_eq!(record.source.local_id, "INT-7001");
    assert!(record.source.extracted_at.ends_with('Z'));
    assert_eq!(
        record.handling,
        Handling {
            classification: Classification::Official,
            sensitive: true,
            caveats: vec![],
            grading: Some(Grading {
                source: SourceEvaluation::Untested,
                intelligence: IntelligenceAssessment::B,
                handling: HandlingCode::Permitted,
            }),
            review_date: Some("2027-01-09".into()),
        }
    );
    let e = event(record);
    assert_eq!(e.kind, EventKind::IntelligenceReport);
    assert_eq!(e.references, vec!["OSP/INT/2026/0001".to_string()]);
    assert_eq!(e.starts_at.as_deref(), Some("2026-01-09T16:20:00Z"));
    let description = e.description.as_deref().unwrap_or_default();
    assert!(
        description.starts_with("Blue Ford Focus used by Examplewood. ")
            && description.contains("Alex Jordan Examplewood (born 1988-03-14)")
            && description.contains("VRM ZX51ABC"),
        "{description}"
    );
    let target = &vendor.requests()[0].target;
    assert!(
        target.contains("subject=Examplewood") && target.contains("dob=1988-03-14"),
        "{target}"
    );
}

#[tokio::test]
async fn javascript_search_pages_with_a_cursor() {
    let vendor = osprey().await;
    let c = intel(osprey_intel_grant(&vendor.base_url())).await;
    let mut q = SearchQuery {
        kind: EntityKind::Event,
        text: None,
        keys: vec![],
        limit: 3,
        cursor: None,
    };
    let first = c.search(&context(), &q).await.unwrap();
    assert_eq!(first.records.len(), 3);
    q.cursor = Some(first.next_cursor.clone().expect("four reports"));
    let second = c.search(&context(), &q).await.unwrap();
    assert_eq!(second.records.len(), 1);
    assert_eq!(second.records[0].source.local_id, "INT-7004");
    assert_eq!(second.next_cursor, None);
    let by_vrm = SearchQuery {
        kind: EntityKind::Event,
        text: None,
        keys: vec![SearchKey::Vrm("zx51 abc".into())],
        limit: 10,
        cursor: None,
    };
    let found = c.search(&context(), &by_vrm).await.unwrap();
    assert_eq!(found.records.len(), 1);
    assert_eq!(found.records[0].source.local_id, "INT-7001");
}

#[tokio::test]
async fn javascript_fetch_maps_conditions_and_classification() {
    let vendor = osprey().await;
    let c = intel(osprey_intel_grant(&vendor.base_url())).await;
    let conditional = c
        .fetch(&context(), EntityKind::Event, "INT-7002")
        .await
        .unwrap();
    let grading = conditional.handling.grading.clone().expect("graded");
    assert_eq!(grading.source, SourceEvaluation::NotReliable);
    assert_eq!(grading.intelligence, IntelligenceAssessment::C);
    let HandlingCode::Conditions(conditions) = grading.handling else {
        panic!("handling code C")
    };
    assert!(conditions.contains("FIB"), "{conditions}");
    assert_eq!(conditional.handling.caveats, vec!["PERSONAL".to_string()]);
    let secret = c
        .fetch(&context(), EntityKind::Event, "INT-7003")
        .await
        .unwrap();
    assert_eq!(secret.handling.classification, Classification::Secret);
    assert_eq!(secret.handling.caveats, vec!["UK EYES ONLY".to_string()]);
}

#[tokio::test]
async fn javascript_fetch_unknown_is_not_found() {
    let vendor = osprey().await;
    let c = intel(osprey_intel_grant(&vendor.base_url())).await;
    let err = c
        .fetch(&context(), EntityKind::Event, "INT-9999")
        .await
        .unwrap_err();
    let ConnectorError::NotFound(message) = connector_error(err) else {
        panic!("not found expected")
    };
    assert!(message.contains("report INT-9999 not found"), "{message}");
    // A kind it does not hold is a wrong request, not a missing record.
    let err = c
        .fetch(&context(), EntityKind::Person, "INT-7001")
        .await
        .unwrap_err();
    assert!(matches!(
        connector_error(err),
        ConnectorError::InvalidInput(_)
    ));
}

#[tokio::test]
async fn javascript_submit_creates_once_per_idempotency_key() {
    let vendor = osprey().await;
    let c = intel(osprey_intel_grant(&vendor.base_url())).await;
    let mut ctx = context();
    ctx.idempotency_key = Some("osprey-test-key-1".into());
    let item = report_submission(
        graded("Not to be shared outside the FIB"),
        "A grey van is loaded at Specimen Lane late at night. It leaves towards the bypass.",
    );
    let first = c.submit(&ctx, &item).await.unwrap();
    assert!(first.created);
    assert_eq!(first.local_id, "INT-7005");
    let reference = first.reference.clone().expect("a URN");
    assert!(
        reference.starts_with("OSP/INT/") && reference.ends_with("/0005"),
        "{reference}"
    );
    let again = c.submit(&ctx, &item).await.unwrap();
    assert!(!again.created, "a replay creates nothing");
    assert_eq!(again.local_id, first.local_id);
    assert_eq!(again.reference, first.reference);
    let counters = vendor.counters();
    assert_eq!((counters.reports_created, counters.report_replays), (1, 1));
    let posts: Vec<_> = vendor
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 2);
    assert!(
        posts
            .iter()
            .all(|r| r.idempotency_key.as_deref() == Some("osprey-test-key-1"))
    );
    let stored = vendor
        .reports()
        .into_iter()
        .find(|r| r.id == "INT-7005")
        .expect("stored");
    assert_eq!(
        stored.title,
        "A grey van is loaded at Specimen Lane late at night."
    );
    assert_eq!(stored.grade, "3C");
    assert_eq!(stored.handling.code, "C");
    assert_eq!(
        stored.handling.conditions.as_deref(),
        Some("Not to be shared outside the FIB")
    );
    assert_eq!(stored.gsc, "OFFICIAL-SENSITIVE");
    assert_eq!(stored.caveats, vec!["PERSONAL".to_string()]);
    assert_eq!(stored.review_on.as_deref(), Some("2027-06-30"));
    assert_eq!(stored.author, context().user_id);

    let fetched = c
        .fetch(&context(), EntityKind::Event, &first.local_id)
        .await
        .unwrap();
    assert_eq!(fetched.handling, item.handling, "the labels round-trip");
}

#[tokio::test]
async fn javascript_submit_refuses_what_osprey_cannot_hold() {
    let vendor = osprey().await;
    let c = intel(osprey_intel_grant(&vendor.base_url())).await;
    let mut ungraded = graded("x");
    ungraded.grading = None;
    let err = c
        .submit(&context(), &report_submission(ungraded, "Some text."))
        .await
        .unwrap_err();
    let ConnectorError::InvalidInput(message) = connector_error(err) else {
        panic!("invalid input expected")
    };
    assert!(message.contains("3x5x2"), "{message}");
    let mut update = report_submission(graded("x"), "Some text.");
    update.local_id = Some("INT-7001".into());
    let err = c.submit(&context(), &update).await.unwrap_err();
    assert!(matches!(
        connector_error(err),
        ConnectorError::InvalidInput(_)
    ));
    assert_eq!(
        vendor.counters().requests,
        0,
        "refused before calling Osprey"
    );
}

#[tokio::test]
async fn javascript_refused_token_is_unauthorized() {
    let vendor = osprey().await;
    let c = intel(grant(&vendor.base_url(), &[("token", "wrong")])).await;
    let err = c.check(&context()).await.unwrap_err();
    let ConnectorError::Unauthorized(message) = connector_error(err) else {
        panic!("unauthorized expected")
    };
    assert!(message.contains("invalid bearer token"), "{message}");
    assert_eq!(vendor.counters().unauthorized, 1);
}

#[tokio::test]
async fn javascript_vendor_5xx_is_unavailable() {
    let vendor = osprey().await;
    let c = intel(osprey_intel_grant(&vendor.url("/_fault/status/502"))).await;
    let err = c
        .fetch(&context(), EntityKind::Event, "INT-7001")
        .await
        .unwrap_err();
    let ConnectorError::Unavailable(message) = connector_error(err) else {
        panic!("unavailable expected")
    };
    assert!(message.contains("502"), "{message}");
}

#[tokio::test]
async fn javascript_hung_vendor_is_unavailable() {
    let vendor = osprey().await;
    let c = intel(patient(osprey_intel_grant(&vendor.url("/_fault/hang")))).await;
    let started = Instant::now();
    let err = c.check(&context()).await.unwrap_err();
    assert!(
        matches!(connector_error(err), ConnectorError::Unavailable(_)),
        "the host's first-byte timeout fails the fetch"
    );
    assert!(started.elapsed() < Duration::from_secs(25));
}

#[tokio::test]
async fn javascript_unreachable_vendor_is_unavailable() {
    let c = intel(osprey_intel_grant(&refused_url().await)).await;
    let err = c.check(&context()).await.unwrap_err();
    assert!(matches!(
        connector_error(err),
        ConnectorError::Unavailable(_)
    ));
}

#[tokio::test]
async fn javascript_missing_config_is_invalid_input() {
    let vendor = osprey().await;
    let c = intel(grant(&vendor.base_url(), &[])).await;
    let err = c.check(&context()).await.unwrap_err();
    let ConnectorError::InvalidInput(message) = connector_error(err) else {
        panic!("invalid input expected")
    };
    assert!(message.contains("token"), "{message}");
    assert_eq!(vendor.counters().requests, 0, "nothing was sent");
}
