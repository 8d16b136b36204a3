//! One host runs connectors built against different contract versions side by side: a 0.1
//! connector (built straight from the frozen `wit/since_v0.1.0/`) and the 0.2 Kestrel
//! connector, against the same vendor stand-in. What 0.1 cannot say is refused before the guest
//! is called; what it lacks comes back empty.

use interop_sandbox::CallError;
use interop_sandbox::types::{
    ConnectorError, Entity, EntityKind, Handling, Organisation, SearchKey, SearchQuery, Submission,
};
use interop_test_artifacts as components;
use interop_tests::{context, host, kestrel_grant};

fn person_query(surname: &str) -> SearchQuery {
    SearchQuery {
        kind: EntityKind::Person,
        text: None,
        keys: vec![SearchKey::Name(interop_sandbox::types::NameAndBirth {
            surname: surname.into(),
            given_name: None,
            date_of_birth: None,
        })],
        limit: 10,
        cursor: None,
    }
}

#[tokio::test]
async fn connectors_of_contract_0_1_and_0_2_load_and_answer_side_by_side() {
    let vendor = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let base = vendor.base_url();
    let legacy = host()
        .load_file(components::GUEST_LEGACY_V0_1, kestrel_grant(&base))
        .await
        .expect("a 0.1 connector loads");
    let current = host()
        .load_file(components::KESTREL_RMS, kestrel_grant(&base))
        .await
        .expect("a 0.2 connector loads");
    assert_eq!(legacy.info().contract_version, "0.1.0");
    assert_eq!(current.info().contract_version, "0.2.0");

    let old = legacy
        .search(&context(), &person_query("Examplewood"))
        .await
        .unwrap();
    let new = current
        .search(&context(), &person_query("Examplewood"))
        .await
        .unwrap();
    assert!(!old.records.is_empty() && !new.records.is_empty());
    let id = |r: &interop_sandbox::types::PoleRecord| r.source.local_id.clone();
    assert!(
        old.records
            .iter()
            .map(id)
            .any(|i| new.records.iter().map(id).any(|j| j == i)),
        "both read the same nominals"
    );
    // 0.1 has no linked entities and no totals; 0.2 carries the address and says the total.
    assert!(old.records.iter().all(|r| r.linked.is_empty()));
    assert_eq!(old.total, None);
    assert!(new.total.is_some());
    assert!(
        new.records.iter().any(|r| r
            .linked
            .iter()
            .any(|l| l.entity.kind() == EntityKind::Location)),
        "Kestrel 0.2 carries each nominal's address: {:?}",
        new.records[0]
    );
    let fetched = legacy
        .fetch(
            &context(),
            EntityKind::Person,
            &old.records[0].source.local_id,
        )
        .await
        .unwrap();
    assert_eq!(fetched.source.local_id, old.records[0].source.local_id);
}

#[tokio::test]
async fn what_contract_0_1_cannot_express_is_refused_without_calling_the_guest() {
    let vendor = kestrel_rms_standin::StandIn::start(kestrel_rms_standin::Config::default())
        .await
        .unwrap();
    let legacy = host()
        .load_file(
            components::GUEST_LEGACY_V0_1,
            kestrel_grant(&vendor.base_url()),
        )
        .await
        .unwrap();
    let before = vendor.requests().len();
    let query = SearchQuery {
        kind: EntityKind::Organisation,
        ..person_query("Example Hire")
    };
    let refused = |e: CallError| match e {
        CallError::Connector {
            error: ConnectorError::InvalidInput(m),
            ..
        } => m,
        other => panic!("{other:?}"),
    };
    let m = refused(legacy.search(&context(), &query).await.unwrap_err());
    assert!(
        m.contains("contract 0.1.0") && m.contains("organisation"),
        "{m}"
    );
    let m = refused(
        legacy
            .fetch(&context(), EntityKind::Organisation, "ORG-1")
            .await
            .unwrap_err(),
    );
    assert!(m.contains("organisation"), "{m}");
    let organisation = Submission {
        local_id: None,
        handling: Handling {
            classification: interop_sandbox::types::Classification::Official,
            sensitive: false,
            caveats: vec![],
            grading: None,
            review_date: None,
        },
        entity: Entity::Organisation(Organisation {
            name: "Example Hire Ltd".into(),
            registered_number: None,
            organisation_type: None,
            description: None,
        }),
        links: vec![],
        reason: None,
    };
    let m = refused(legacy.submit(&context(), &organisation).await.unwrap_err());
    assert!(m.contains("organisation"), "{m}");
    assert_eq!(
        vendor.requests().len(),
        before,
        "nothing reached the vendor: the refusals came from the host"
    );
}
