//! The synthetic seed data. All people, places and events are invented; postcodes use the `ZZ`
//! area, which does not exist. Alex Jordan Examplewood (born 1988-03-14) and Priya Testfield
//! (born 1975-11-02) are also Kestrel RMS nominals, so a federated search can merge them.

use crate::model::{
    CustodyAddress, CustodyRecord, Detainee, DetaineeName, Ethnicity, HandlingCode, Report, Subject,
};

fn s(v: &str) -> String {
    v.to_owned()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| s(x)).collect()
}

fn address(line1: &str, town: &str, postcode: &str) -> Option<CustodyAddress> {
    Some(CustodyAddress {
        line1: s(line1),
        town: s(town),
        county: s("Exampleshire"),
        postcode: s(postcode),
    })
}

#[allow(clippy::too_many_arguments)]
fn detainee(
    id: &str,
    (first, middle, last): (&str, &[&str], &str),
    birth_date: Option<&str>,
    sex: &str,
    (self_defined, observed): (Option<&str>, Option<u8>),
    pnc_id: Option<&str>,
    aka: &[&str],
    address: Option<CustodyAddress>,
    risk_flags: &[&str],
    (gsc, caveats): (&str, &[&str]),
) -> Detainee {
    Detainee {
        detainee_ref: s(id),
        name: DetaineeName {
            first: s(first),
            middle: strings(middle),
            last: s(last),
        },
        birth_date: birth_date.map(s),
        sex: s(sex),
        ethnicity: Ethnicity {
            self_defined: self_defined.map(s),
            observed,
        },
        pnc_id: pnc_id.map(s),
        aka: strings(aka),
        address,
        risk_flags: strings(risk_flags),
        gsc: s(gsc),
        caveats: strings(caveats),
        updated: s("2026-02-12T08:00:00Z"),
    }
}

/// The seeded detainees, in id order.
pub fn detainees() -> Vec<Detainee> {
    vec![
        detainee(
            "DET-5001",
            ("Alex", &["Jordan"], "EXAMPLEWOOD"),
            Some("19880314"),
            "male",
            (Some("W1"), Some(1)),
            Some("2001/0012345Z"),
            &["AJ"],
            address("12 Fictional Road", "Sampleton", "ZZ1 1AA"),
            &["VIOLENT"],
            ("OFFICIAL", &[]),
        ),
        detainee(
            "DET-5002",
            ("Priya", &[], "TESTFIELD"),
            Some("19751102"),
            "female",
            (Some("A1"), Some(4)),
            None,
            &[],
            address("4 Placeholder Close", "Mockford", "ZZ2 4BD"),
            &[],
            ("OFFICIAL-SENSITIVE", &["PERSONAL"]),
        ),
        detainee(
            "DET-5003",
            ("Taylor", &["Quinn"], "DEMOSLEY"),
            Some("19990721"),
            "non-binary",
            (None, Some(0)),
            None,
            &[],
            None,
            &["SELF-HARM"],
            ("OFFICIAL", &[]),
        ),
        detainee(
            "DET-5004",
            ("Sam", &[], "EXAMPLEWOOD"),
            Some("20030115"),
            "male",
            (Some("W2"), Some(1)),
            None,
            &["SAMMY"],
            address("9 Specimen Lane", "Sampleton", "ZZ9 9ZZ"),
            &["DRUGS"],
            ("OFFICIAL", &[]),
        ),
        detainee(
            "DET-5005",
            ("Jordan", &[], "MOCKLEY"),
            Some("19620409"),
            "female",
            (Some("W1"), Some(1)),
            Some("1998/0054321T"),
            &[],
            address("1 Invented Mews", "Testbury", "ZZ3 7QR"),
            &["WEAPONS"],
            ("SECRET", &["UK EYES ONLY"]),
        ),
        detainee(
            "DET-5006",
            ("Riley", &[], "FAKESBY"),
            None,
            "unknown",
            (None, None),
            None,
            &[],
            None,
            &[],
            ("OFFICIAL", &[]),
        ),
    ]
}

#[allow(clippy::too_many_arguments)]
fn custody(
    n: u32,
    number: &str,
    detainee: &str,
    (arrested_at, released_at): (&str, Option<&str>),
    arrest_reason: &str,
    offence_code: Option<&str>,
    disposal: &str,
    (gsc, caveats): (&str, &[&str]),
) -> CustodyRecord {
    CustodyRecord {
        custody_ref: format!("CUS-{n}"),
        custody_number: s(number),
        detainee_ref: s(detainee),
        station: s("Sampleton Custody Suite"),
        arrested_at: s(arrested_at),
        released_at: released_at.map(s),
        arrest_reason: s(arrest_reason),
        offence_code: offence_code.map(s),
        disposal: s(disposal),
        gsc: s(gsc),
        caveats: strings(caveats),
    }
}

/// The seeded custody records, in id order.
pub fn custody_records() -> Vec<CustodyRecord> {
    vec![
        custody(
            6001,
            "EX/CUS/26/000101",
            "DET-5001",
            ("2026-01-07T10:15:00Z", Some("2026-01-08T09:40:00Z")),
            "Suspicion of burglary at 14 Fictional Road, Sampleton",
            Some("TH68010"),
            "BAIL",
            ("OFFICIAL-SENSITIVE", &[]),
        ),
        custody(
            6002,
            "EX/CUS/26/000117",
            "DET-5003",
            ("2026-01-19T23:05:00Z", Some("2026-01-20T06:30:00Z")),
            "Possession of a controlled drug",
            Some("MD71101"),
            "NFA",
            ("OFFICIAL", &[]),
        ),
        custody(
            6003,
            "EX/CUS/26/000142",
            "DET-5004",
            ("2026-02-11T17:45:00Z", None),
            "Suspicion of assault occasioning actual bodily harm",
            Some("OF61047"),
            "IN CUSTODY",
            ("OFFICIAL", &[]),
        ),
        custody(
            6004,
            "EX/CUS/25/000988",
            "DET-5002",
            ("2025-11-20T14:00:00Z", Some("2025-11-21T11:10:00Z")),
            "Suspicion of fraud by false representation",
            Some("FR06001"),
            "CHARGED",
            ("OFFICIAL-SENSITIVE", &["PERSONAL"]),
        ),
        custody(
            6005,
            "EX/CUS/26/000150",
            "DET-5005",
            ("2026-02-14T02:20:00Z", Some("2026-02-15T20:00:00Z")),
            "Possession of a firearm with intent",
            Some("FI68001"),
            "RUI",
            ("SECRET", &["UK EYES ONLY"]),
        ),
    ]
}

fn subject(surname: &str, forenames: &str, dob: &str) -> Subject {
    Subject {
        surname: s(surname),
        forenames: Some(s(forenames)),
        dob: Some(s(dob)),
    }
}

/// The seeded intelligence reports, in id order.
pub fn reports() -> Vec<Report> {
    vec![
        Report {
            id: s("INT-7001"),
            urn: s("OSP/INT/2026/0001"),
            title: s("Blue Ford Focus used by Examplewood"),
            text: s(
                "A blue Ford Focus ZX51ABC is regularly driven by Alex Examplewood and was \
                     parked on Fictional Road on the night of the burglary.",
            ),
            recorded_at: s("2026-01-09T16:20:00Z"),
            grade: s("2B"),
            handling: HandlingCode {
                code: s("P"),
                conditions: None,
            },
            gsc: s("OFFICIAL-SENSITIVE"),
            caveats: vec![],
            review_on: Some(s("2027-01-09")),
            subjects: vec![subject("Examplewood", "Alex Jordan", "1988-03-14")],
            vrms: strings(&["ZX51ABC"]),
            author: s("DC 4821"),
        },
        Report {
            id: s("INT-7002"),
            urn: s("OSP/INT/2026/0002"),
            title: s("Supply of cannabis near Sampleton station"),
            text: s(
                "Taylor Demosley is said to supply cannabis from a flat near Sampleton \
                     station on Friday evenings.",
            ),
            recorded_at: s("2026-01-22T10:05:00Z"),
            grade: s("3C"),
            handling: HandlingCode {
                code: s("C"),
                conditions: Some(s(
                    "Not to be shared outside Exampleshire Constabulary without the FIB's consent",
                )),
            },
            gsc: s("OFFICIAL-SENSITIVE"),
            caveats: strings(&["PERSONAL"]),
            review_on: Some(s("2027-01-22")),
            subjects: vec![subject("Demosley", "Taylor Quinn", "1999-07-21")],
            vrms: vec![],
            author: s("DC 5102"),
        },
        Report {
            id: s("INT-7003"),
            urn: s("OSP/INT/2026/0003"),
            title: s("Firearm stored at Invented Mews"),
            text: s("A handgun is said to be kept at 1 Invented Mews, Testbury."),
            recorded_at: s("2026-02-13T21:40:00Z"),
            grade: s("1A"),
            handling: HandlingCode {
                code: s("P"),
                conditions: None,
            },
            gsc: s("SECRET"),
            caveats: strings(&["UK EYES ONLY"]),
            review_on: Some(s("2026-08-13")),
            subjects: vec![subject("Mockley", "Jordan", "1962-04-09")],
            vrms: vec![],
            author: s("DS 3307"),
        },
        Report {
            id: s("INT-7004"),
            urn: s("OSP/INT/2026/0004"),
            title: s("Speeding convoy on the Sampleton bypass"),
            text: s(
                "Two unidentified cars race on the A000 Sampleton bypass most Saturday \
                     nights after midnight.",
            ),
            recorded_at: s("2026-02-01T09:00:00Z"),
            grade: s("2D"),
            handling: HandlingCode {
                code: s("P"),
                conditions: None,
            },
            gsc: s("OFFICIAL"),
            caveats: vec![],
            review_on: None,
            subjects: vec![],
            vrms: vec![],
            author: s("PC 1234"),
        },
    ]
}
