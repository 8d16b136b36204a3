//! Records checked at the sandbox boundary: does a record follow the contract and the POLE
//! formats? Every problem names the field.
//!
//! The formats are the Dictionary's (see `interop_pole`, the checks the SDK offers connectors);
//! the contract adds provenance (`source`) and handling labels, and the host adds that no text
//! carries controls a screen would act on (bidi overrides, escapes) or runs to absurd lengths.
//!
//! Every search and fetch answer passes through [`admit`] before it leaves the sandbox:
//! records above the connector's declared ceiling or of a kind not asked for are dropped and
//! counted ([`Dropped`]); the rest pass with their problems attached as
//! [`PoleRecord::quality`], or are dropped too when the policy says `[records] malformed =
//! "drop"`. The conformance kit runs the same [`check`].

use interop_pole as pole;
use time::OffsetDateTime;

mod texts;

use crate::types::{
    Classification, Dropped, Entity, EntityKind, Event, Handling, Location, Organisation, Person,
    PoleObject, PoleRecord, QualityWarning,
};

/// What the host does with a record that fails the boundary checks (a policy's
/// `[records] malformed`). A record above the connector's ceiling or of another kind than
/// asked for is dropped whatever this says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Malformed {
    /// Pass it on with its problems attached as quality warnings (the default: an officer
    /// sees the record and what is wrong with it).
    #[default]
    Warn,
    /// Drop it and count it.
    Drop,
}

/// Most characters one text of a record may hold: a long free-text description fits; a
/// connector sending more is filling a screen, not describing an entity.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// Take a connector's records through the boundary: what it may not return is dropped and
/// counted, the rest carry what the checks found.
///
/// `kind` is what was asked for (none for a fetch by id of any kind); `max` the ceiling the
/// connector declares.
pub fn admit(
    records: Vec<PoleRecord>,
    kind: Option<EntityKind>,
    max: Classification,
    rule: Malformed,
    now: OffsetDateTime,
) -> (Vec<PoleRecord>, Dropped) {
    let mut dropped = Dropped::default();
    let mut kept = Vec::with_capacity(records.len());
    for mut record in records {
        if record.handling.classification.rank() > max.rank() {
            dropped.above_ceiling += 1;
            continue;
        }
        if kind.is_some_and(|k| k != record.entity.kind()) {
            dropped.wrong_kind += 1;
            continue;
        }
        let problems = check(&record, kind, max, now);
        if rule == Malformed::Drop && problems.iter().any(|p| !p.warning) {
            dropped.malformed += 1;
            continue;
        }
        record.quality = problems
            .into_iter()
            .map(|p| QualityWarning {
                field: p.field,
                message: p.message,
            })
            .collect();
        kept.push(record);
    }
    (kept, dropped)
}

/// One thing wrong with a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// Where, e.g. `entity.person.date-of-birth`.
    pub field: String,
    /// What is wrong, quoting the value (shortened).
    pub message: String,
    /// A departure from a format the Dictionary sets but a vendor may not control (a check
    /// letter, say): reported, but the check still passes.
    pub warning: bool,
}

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn fail(&mut self, field: &str, message: String) {
        self.problems.push(Problem {
            field: field.to_string(),
            message,
            warning: false,
        });
    }

    fn warn(&mut self, field: &str, message: String) {
        self.problems.push(Problem {
            field: field.to_string(),
            message,
            warning: true,
        });
    }

    /// `ok(value)` must hold for a present value.
    fn opt(&mut self, field: &str, value: Option<&str>, ok: fn(&str) -> bool, what: &str) {
        if let Some(v) = value
            && !ok(v)
        {
            self.fail(field, format!("{} is not {what}", shown(v)));
        }
    }
}

/// A value as a message quotes it: at most 40 characters, control characters escaped.
fn shown(v: &str) -> String {
    let short: String = v.chars().take(40).collect();
    let more = if v.chars().count() > 40 { "…" } else { "" };
    format!("{short:?}{more}")
}

/// Check one record a connector returned.
///
/// `kind` is the entity kind that was asked for; `max` the classification the connector says
/// it may return at most; `now` bounds dates that cannot be in the future.
pub fn check(
    record: &PoleRecord,
    kind: Option<EntityKind>,
    max: Classification,
    now: OffsetDateTime,
) -> Vec<Problem> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    let s = &record.source;
    for (field, value) in [
        ("source.force", &s.force),
        ("source.system", &s.system),
        ("source.local-id", &s.local_id),
    ] {
        if value.trim().is_empty() {
            c.fail(
                field,
                "is empty: every record says where it came from".into(),
            );
        }
    }
    if !pole::is_rfc3339(&s.extracted_at) {
        c.fail(
            "source.extracted-at",
            format!("{} is not an RFC 3339 time", shown(&s.extracted_at)),
        );
    }
    handling(&mut c, &record.handling, max);
    entity(&mut c, &record.entity, now);
    texts(&mut c, record);
    let actual = record.entity.kind();
    if let Some(kind) = kind
        && kind != actual
    {
        c.fail(
            "entity",
            format!("is a {actual}, but a {kind} was asked for"),
        );
    }
    for (i, link) in record.links.iter().enumerate() {
        if link.from.local_id.trim().is_empty() || link.to.local_id.trim().is_empty() {
            c.fail(
                &format!("links[{i}]"),
                "names an entity with no local id".into(),
            );
        }
        if link.role.trim().is_empty() {
            c.fail(&format!("links[{i}].role"), "is empty".into());
        }
    }
    for (i, linked) in record.linked.iter().enumerate() {
        let at = format!("linked[{i}]");
        if linked.local_id.trim().is_empty() {
            c.fail(&format!("{at}.local-id"), "is empty".into());
        }
        let named = record.links.iter().any(|l| {
            (l.to.local_id == linked.local_id && l.to.kind == linked.entity.kind())
                || (l.from.local_id == linked.local_id && l.from.kind == linked.entity.kind())
        });
        if !named {
            c.fail(
                &at,
                format!(
                    "{} {} is carried, but no link of the record names it",
                    linked.entity.kind(),
                    shown(&linked.local_id)
                ),
            );
        }
        // The same checks as the record's own entity, its fields named under `linked[i]`.
        let mut inner = Checker {
            problems: Vec::new(),
        };
        entity(&mut inner, &linked.entity, now);
        for mut problem in inner.problems {
            problem.field = format!("{at}.{}", problem.field);
            c.problems.push(problem);
        }
    }
    c.problems
}

/// Every text of the record, wherever it is: no control a screen would act on, no absurd
/// length. Walked through the record's serialised form ([`texts::each`], no JSON tree built),
/// so a field added later is covered too; a field's path is spelled only when it fails.
fn texts(c: &mut Checker, record: &PoleRecord) {
    texts::each(record, |at, text| {
        if text_fails(text) {
            text_ok(c, &at.spell(), text);
        }
    });
}

/// Does `text` fail [`text_ok`]? Counted without allocating, as almost every text passes.
fn text_fails(text: &str) -> bool {
    text.len() > MAX_TEXT_CHARS && text.chars().count() > MAX_TEXT_CHARS
        || text.chars().any(|ch| {
            crate::text::is_bidi_control(ch) || (ch.is_control() && ch != '\n' && ch != '\t')
        })
}

fn text_ok(c: &mut Checker, field: &str, text: &str) {
    let count = text.chars().count();
    if count > MAX_TEXT_CHARS {
        c.fail(
            field,
            format!("is {count} characters long; a text may hold at most {MAX_TEXT_CHARS}"),
        );
    }
    let bad = text.chars().find(|&ch| {
        crate::text::is_bidi_control(ch) || (ch.is_control() && ch != '\n' && ch != '\t')
    });
    if let Some(ch) = bad {
        let what = if crate::text::is_bidi_control(ch) {
            "a bidi control, which reorders what a screen shows"
        } else {
            "a control character, which a terminal or screen may act on"
        };
        c.fail(
            field,
            format!("{} holds U+{:04X}, {what}", shown(text), ch as u32),
        );
    }
}

/// The checks of an entity's own fields, whatever its kind.
fn entity(c: &mut Checker, entity: &Entity, now: OffsetDateTime) {
    match entity {
        Entity::Person(p) => person(c, p, now),
        Entity::Object(o) => object(c, o),
        Entity::Location(l) => location(c, l),
        Entity::Event(e) => event(c, e),
        Entity::Organisation(o) => organisation(c, o),
    }
}

/// SDM `organisationName` is 1–160 characters.
const MAX_ORGANISATION_NAME: usize = 160;

fn organisation(c: &mut Checker, o: &Organisation) {
    let length = o.name.trim().chars().count();
    if length == 0 || length > MAX_ORGANISATION_NAME {
        c.fail(
            "entity.organisation.name",
            format!(
                "{} must be 1–{MAX_ORGANISATION_NAME} characters",
                shown(&o.name)
            ),
        );
    }
}

fn handling(c: &mut Checker, h: &Handling, max: Classification) {
    if h.classification.rank() > max.rank() {
        c.fail(
            "handling.classification",
            format!(
                "{} is above the {} the connector's describe says it returns at most",
                h.classification, max
            ),
        );
    }
    for (i, caveat) in h.caveats.iter().enumerate() {
        if caveat.trim().is_empty() {
            c.fail(&format!("handling.caveats[{i}]"), "is empty".into());
        }
    }
    c.opt(
        "handling.review-date",
        h.review_date.as_deref(),
        pole::is_iso_date,
        "an ISO 8601 date (YYYY-MM-DD)",
    );
    if let Some(g) = &h.grading
        && let crate::types::HandlingCode::Conditions(text) = &g.handling
        && text.trim().is_empty()
    {
        c.fail(
            "handling.grading.handling",
            "says there are handling conditions but gives none".into(),
        );
    }
}

fn person(c: &mut Checker, p: &Person, now: OffsetDateTime) {
    for (i, name) in p.given_names.iter().enumerate() {
        if !pole::is_name(name) {
            c.fail(
                &format!("entity.person.given-names[{i}]"),
                format!(
                    "{} is not a DS_031 name (1–35 letters, digits, space, - and ')",
                    shown(name)
                ),
            );
        }
    }
    for (i, name) in p.middle_names.iter().enumerate() {
        if !pole::is_name(name) {
            c.fail(
                &format!("entity.person.middle-names[{i}]"),
                format!("{} is not a DS_031 name", shown(name)),
            );
        }
    }
    c.opt(
        "entity.person.surname",
        p.surname.as_deref(),
        pole::is_name,
        "a DS_032 name (1–35 letters, digits, space, - and ')",
    );
    if let Some(dob) = p.date_of_birth.as_deref() {
        if !pole::is_iso_date(dob) {
            c.fail(
                "entity.person.date-of-birth",
                format!(
                    "{} is not an ISO 8601 date (YYYY-MM-DD, DS_034)",
                    shown(dob)
                ),
            );
        } else {
            let today = now.date();
            let year: i32 = dob[..4].parse().unwrap_or(0);
            if dob >= today.to_string().as_str() {
                c.fail(
                    "entity.person.date-of-birth",
                    format!("{dob} is today or in the future (DS_034)"),
                );
            } else if today.year() - year > 121 {
                c.fail(
                    "entity.person.date-of-birth",
                    format!("{dob} makes the person older than 120 (DS_034)"),
                );
            }
        }
    }
    if let Some(pnc) = p.pnc_id.as_deref() {
        if !pole::is_pnc_id(pnc) {
            c.fail(
                "entity.person.pnc-id",
                format!("{} is not a DS_072 PNC id (YYYY/NNNNNNNL)", shown(pnc)),
            );
        } else if pole::pnc_check_letter(&pnc[..12]) != pnc.chars().last() {
            c.warn(
                "entity.person.pnc-id",
                format!(
                    "{pnc}: the check letter should be {}",
                    pole::pnc_check_letter(&pnc[..12]).unwrap_or('?')
                ),
            );
        }
    }
    c.opt(
        "entity.person.cro-number",
        p.cro_number.as_deref(),
        pole::is_cro_number,
        "a DS_071 CRO number",
    );
    if p.date_of_birth.is_some() && !p.date_of_birth_known {
        c.warn(
            "entity.person.date-of-birth-known",
            "is false although a date of birth is given".into(),
        );
    }
    if p.given_names.is_empty() && p.surname.is_none() && p.aliases.is_empty() {
        c.fail(
            "entity.person",
            "has no name or alias: the Dictionary creates no person without identifying data"
                .into(),
        );
    }
}

fn object(c: &mut Checker, o: &PoleObject) {
    match o {
        PoleObject::Vehicle(v) => {
            c.opt(
                "entity.object.vehicle.vrm",
                v.vrm.as_deref(),
                pole::is_vrm,
                "a DS_065 VRM (1–11 upper-case letters and digits, no spaces)",
            );
            c.opt(
                "entity.object.vehicle.vin",
                v.vin.as_deref(),
                pole::is_vin,
                "a VIN (1–20 upper-case letters and digits)",
            );
            c.opt(
                "entity.object.vehicle.registration-country",
                v.registration_country.as_deref(),
                pole::is_country_code,
                "an ISO 3166-1 alpha-3 code",
            );
            if v.vrm.is_none()
                && v.vin.is_none()
                && v.make.is_none()
                && v.model.is_none()
                && v.colours.is_empty()
            {
                c.fail(
                    "entity.object.vehicle",
                    "has none of VRM, VIN, make, model or colour (O_002)".into(),
                );
            }
        }
        PoleObject::Telephone(t) => {
            if !pole::is_e164(&t.number) {
                c.fail(
                    "entity.object.telephone.number",
                    format!(
                        "{} is not a DS_053 number (+ and country code, no spaces)",
                        shown(&t.number)
                    ),
                );
            }
        }
        PoleObject::Email(e) => {
            if !pole::is_email(&e.address) {
                c.fail(
                    "entity.object.email.address",
                    format!("{} is not a DS_054 e-mail address", shown(&e.address)),
                );
            }
        }
        PoleObject::Document(d) => {
            if d.number.trim().is_empty() {
                c.fail("entity.object.document.number", "is empty".into());
            }
            c.opt(
                "entity.object.document.country",
                d.country.as_deref(),
                pole::is_country_code,
                "an ISO 3166-1 alpha-3 code",
            );
            c.opt(
                "entity.object.document.expires",
                d.expires.as_deref(),
                pole::is_iso_date,
                "an ISO 8601 date",
            );
        }
        PoleObject::Property(p) => {
            if p.category.trim().is_empty() || p.description.trim().is_empty() {
                c.fail(
                    "entity.object.property",
                    "needs a category and a description (O_010)".into(),
                );
            }
        }
        PoleObject::Weapon(w) => {
            if w.weapon_type.trim().is_empty() {
                c.fail("entity.object.weapon.weapon-type", "is empty".into());
            }
        }
        PoleObject::Drug(d) => {
            if d.drug_type.trim().is_empty() {
                c.fail("entity.object.drug.drug-type", "is empty".into());
            }
        }
    }
}

fn location(c: &mut Checker, l: &Location) {
    c.opt(
        "entity.location.postcode",
        l.postcode.as_deref(),
        pole::is_uk_postcode,
        "a valid UK postcode (DS_010; a foreign or invalid one goes in county)",
    );
    c.opt(
        "entity.location.uprn",
        l.uprn.as_deref(),
        pole::is_uprn,
        "a DS_011 UPRN (up to 12 digits)",
    );
    c.opt(
        "entity.location.country",
        l.country.as_deref(),
        pole::is_country_code,
        "an ISO 3166-1 alpha-3 code",
    );
    if let Some(lat) = l.latitude
        && !(-90.0..=90.0).contains(&lat)
    {
        c.fail(
            "entity.location.latitude",
            format!("{lat} is not a latitude"),
        );
    }
    if let Some(lon) = l.longitude
        && !(-180.0..=180.0).contains(&lon)
    {
        c.fail(
            "entity.location.longitude",
            format!("{lon} is not a longitude"),
        );
    }
    if l.latitude.is_some() != l.longitude.is_some() {
        c.fail(
            "entity.location",
            "has a latitude without a longitude, or the reverse (L_003)".into(),
        );
    }
    let any = [
        &l.site,
        &l.premises,
        &l.street,
        &l.town,
        &l.county,
        &l.postcode,
        &l.uprn,
        &l.area,
    ]
    .iter()
    .any(|f| f.is_some())
        || l.latitude.is_some();
    if !any {
        c.fail(
            "entity.location",
            "says nothing about where: no address line, postcode, UPRN, coordinates or area".into(),
        );
    }
}

fn event(c: &mut Checker, e: &Event) {
    c.opt(
        "entity.event.ho-classification",
        e.ho_classification.as_deref(),
        pole::is_ho_classification,
        "a DS_074 Home Office classification (NNN/NN)",
    );
    c.opt(
        "entity.event.offence-code",
        e.offence_code.as_deref(),
        pole::is_offence_code,
        "a DS_080 PNLD offence code",
    );
    c.opt(
        "entity.event.starts-at",
        e.starts_at.as_deref(),
        pole::is_rfc3339,
        "an RFC 3339 time",
    );
    c.opt(
        "entity.event.ends-at",
        e.ends_at.as_deref(),
        pole::is_rfc3339,
        "an RFC 3339 time",
    );
    if let (Some(from), Some(to)) = (e.starts_at.as_deref(), e.ends_at.as_deref())
        && pole::is_rfc3339(from)
        && pole::is_rfc3339(to)
        && let (Ok(from), Ok(to)) = (
            OffsetDateTime::parse(from, &time::format_description::well_known::Rfc3339),
            OffsetDateTime::parse(to, &time::format_description::well_known::Rfc3339),
        )
        && to < from
    {
        c.fail("entity.event.ends-at", "is before starts-at".into());
    }
    for (i, r) in e.references.iter().enumerate() {
        if r.trim().is_empty() {
            c.fail(&format!("entity.event.references[{i}]"), "is empty".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Source, Vehicle};

    fn now() -> OffsetDateTime {
        OffsetDateTime::parse(
            "2026-11-27T00:00:00Z",
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    }

    fn record(entity: Entity) -> PoleRecord {
        PoleRecord {
            source: Source {
                force: "Exampleshire Constabulary".into(),
                system: "Test RMS".into(),
                local_id: "T-1".into(),
                extracted_at: "2026-11-26T10:00:00Z".into(),
            },
            handling: Handling {
                classification: Classification::Official,
                sensitive: false,
                caveats: Vec::new(),
                grading: None,
                review_date: None,
            },
            entity,
            links: Vec::new(),
            linked: Vec::new(),
            quality: Vec::new(),
        }
    }

    fn person() -> Person {
        Person {
            given_names: vec!["Alex".into()],
            middle_names: Vec::new(),
            surname: Some("Examplewood".into()),
            aliases: Vec::new(),
            date_of_birth: Some("1988-03-14".into()),
            date_of_birth_known: true,
            place_of_birth: None,
            gender: None,
            ethnicity_self_defined: None,
            ethnicity_observed: None,
            pnc_id: Some("2001/0012345H".into()),
            cro_number: None,
            description: None,
            warning_markers: Vec::new(),
        }
    }

    fn fields(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.field.as_str()).collect()
    }

    #[test]
    fn every_text_is_checked_for_controls_and_length_wherever_it_is() {
        let mut p = person();
        p.description = Some("x".repeat(MAX_TEXT_CHARS + 1));
        p.aliases = vec!["Ex\u{1b}[2Jample".into()];
        let mut r = record(Entity::Person(p));
        r.handling.caveats = vec!["NO\u{2066}FORN".into()];
        let problems = check(&r, None, Classification::Secret, now());
        let said: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect();
        let has = |field: &str, what: &str| {
            said.iter()
                .any(|s| s.starts_with(&format!("{field}:")) && s.contains(what))
        };
        assert!(has("entity.description", "characters long"), "{said:#?}");
        assert!(has("entity.aliases[0]", "U+001B"), "{said:#?}");
        assert!(has("handling.caveats[0]", "bidi control"), "{said:#?}");
        // Newlines and tabs in free text are text, not controls.
        let mut p = person();
        p.description = Some("line one\n\tline two".into());
        assert!(
            check(
                &record(Entity::Person(p)),
                None,
                Classification::Secret,
                now()
            )
            .is_empty()
        );
    }

    #[test]
    fn admit_drops_what_may_not_pass_and_marks_the_rest() {
        let mut secret = record(Entity::Person(person()));
        secret.handling.classification = Classification::Secret;
        let mut bad = record(Entity::Person(person()));
        if let Entity::Person(p) = &mut bad.entity {
            p.date_of_birth = Some("31/02/1988".into());
        }
        let vehicle = record(Entity::Object(PoleObject::Vehicle(Vehicle {
            vrm: Some("ZX51ABC".into()),
            vin: None,
            make: None,
            model: None,
            body_shape: None,
            colours: Vec::new(),
            registration_country: None,
        })));
        let good = record(Entity::Person(person()));
        let all = vec![secret, bad, vehicle, good];
        let (kept, dropped) = admit(
            all.clone(),
            Some(EntityKind::Person),
            Classification::Official,
            Malformed::Warn,
            now(),
        );
        assert_eq!(kept.len(), 2);
        assert_eq!(
            (dropped.above_ceiling, dropped.wrong_kind, dropped.malformed),
            (1, 1, 0)
        );
        assert_eq!(kept[0].quality[0].field, "entity.person.date-of-birth");
        assert!(kept[1].quality.is_empty());
        let (kept, dropped) = admit(
            all,
            Some(EntityKind::Person),
            Classification::Official,
            Malformed::Drop,
            now(),
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(dropped.malformed, 1);
    }

    #[test]
    fn a_good_person_has_no_problems() {
        let r = record(Entity::Person(person()));
        assert_eq!(
            check(
                &r,
                Some(EntityKind::Person),
                Classification::Official,
                now()
            ),
            []
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut p = person();
        p.surname = Some("Example  wood".into());
        p.date_of_birth = Some("14/03/1988".into());
        p.pnc_id = Some("2001/0012345Z".into());
        let mut r = record(Entity::Person(p));
        r.source.local_id = " ".into();
        r.source.extracted_at = "yesterday".into();
        r.handling.classification = Classification::Secret;
        let problems = check(&r, Some(EntityKind::Event), Classification::Official, now());
        assert_eq!(
            fields(&problems),
            [
                "source.local-id",
                "source.extracted-at",
                "handling.classification",
                "entity.person.surname",
                "entity.person.date-of-birth",
                "entity.person.pnc-id",
                "entity",
            ]
        );
        let pnc = problems
            .iter()
            .find(|p| p.field.ends_with("pnc-id"))
            .unwrap();
        assert!(
            pnc.warning && pnc.message.contains("should be H"),
            "{pnc:?}"
        );
        assert_eq!(problems.iter().filter(|p| p.warning).count(), 1);
    }

    #[test]
    fn dates_of_birth_in_the_future_or_too_long_ago_are_refused() {
        for dob in ["2026-11-27", "2030-01-01", "1890-01-01"] {
            let mut p = person();
            p.date_of_birth = Some(dob.into());
            let problems = check(
                &record(Entity::Person(p)),
                None,
                Classification::Official,
                now(),
            );
            assert_eq!(fields(&problems), ["entity.person.date-of-birth"], "{dob}");
        }
    }

    #[test]
    fn vehicles_locations_and_events_follow_their_formats() {
        let v = Vehicle {
            vrm: Some("zx51 abc".into()),
            vin: None,
            make: None,
            model: None,
            body_shape: None,
            colours: Vec::new(),
            registration_country: Some("UK".into()),
        };
        let problems = check(
            &record(Entity::Object(PoleObject::Vehicle(v))),
            Some(EntityKind::Object),
            Classification::Official,
            now(),
        );
        assert_eq!(
            fields(&problems),
            [
                "entity.object.vehicle.vrm",
                "entity.object.vehicle.registration-country"
            ]
        );
        let l = Location {
            site: None,
            premises: None,
            street: None,
            town: None,
            county: None,
            postcode: Some("ZZ1 1AA".into()),
            country: None,
            uprn: None,
            latitude: Some(95.0),
            longitude: None,
            area: None,
        };
        let problems = check(
            &record(Entity::Location(l)),
            None,
            Classification::Official,
            now(),
        );
        assert_eq!(
            fields(&problems),
            [
                "entity.location.postcode",
                "entity.location.latitude",
                "entity.location"
            ]
        );
        let e = Event {
            kind: crate::types::EventKind::Incident,
            category: None,
            references: vec!["KR/2026/000123".into()],
            ho_classification: Some("28/1".into()),
            offence_code: Some("MD71101".into()),
            starts_at: Some("2026-11-01T10:00:00Z".into()),
            ends_at: Some("2026-11-01T09:00:00Z".into()),
            exact_time_known: true,
            description: None,
            status: None,
        };
        let problems = check(
            &record(Entity::Event(e)),
            None,
            Classification::Official,
            now(),
        );
        assert_eq!(
            fields(&problems),
            ["entity.event.ho-classification", "entity.event.ends-at"]
        );
    }
}
