//! Built-in synthetic seed data. Every person, place and number here is invented: postcodes are
//! in the non-existent `ZZ` area, phone numbers in Ofcom's drama range (`+447700900xxx`).
//!
//! People also present in the Harrier ANPR stand-in (same name, same date of birth):
//! `NOM-000101` Alex Jordan Examplewood (14/03/1988), `NOM-000102` Priya Testfield (02/11/1975),
//! `NOM-000103` Morgan Sampleford (30/06/2001), `NOM-000105` Casey Mockridge (05/05/1969, a
//! `SECRET` record here) and `NOM-000109` Jordan O'Testly (11/02/1979).
//!
//! Vehicles of interest also held by Harrier ANPR (same mark, make, model and colour; Harrier
//! has its own ids): `VEH-000401` `ZX51ABC` (blue Ford Focus, `NOM-000101`'s car),
//! `VEH-000402` `ZR12NPQ` (black BMW 320D, driven by `NOM-000109`) and `VEH-000403`
//! `ZV70 STU` (a white Ford Transit, stored with a space as the officer typed it). Marks start
//! with `Z`, which is not issued as a GB area code; VINs start `SAMPLEVIN`.

use crate::model::{Address, Incident, IncidentNominal, Nominal, Vehicle, VehicleNominal};

fn s(v: &str) -> String {
    v.to_owned()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| s(x)).collect()
}

fn address(id: &str, house_no: &str, street: &str, town: &str, post_code: &str) -> Address {
    Address {
        address_id: s(id),
        house_no: s(house_no),
        street: s(street),
        town: s(town),
        county: s("Exampleshire"),
        post_code: s(post_code),
        uprn: format!("99990000{}", &id[4..]),
    }
}

#[allow(clippy::too_many_arguments)]
fn nominal(
    id: &str,
    forenames: (&str, Option<&str>),
    family_name: &str,
    birth_date: &str,
    sex_code: &str,
    ethnic_code: &str,
    pnc_ref: Option<&str>,
    aliases: &[&str],
    addresses: Vec<Address>,
    phones: &[&str],
    markers: &[&str],
    protective_marking: &str,
    last_updated: &str,
) -> Nominal {
    Nominal {
        nominal_id: s(id),
        forename1: s(forenames.0),
        forename2: forenames.1.map(s),
        family_name: s(family_name),
        birth_date: s(birth_date),
        sex_code: s(sex_code),
        ethnic_code: s(ethnic_code),
        pnc_ref: pnc_ref.map(s),
        aliases: strings(aliases),
        addresses,
        phones: strings(phones),
        markers: strings(markers),
        protective_marking: s(protective_marking),
        last_updated: s(last_updated),
    }
}

/// The seeded nominals, sorted by id.
pub fn nominals() -> Vec<Nominal> {
    vec![
        nominal(
            "NOM-000101",
            ("Alex", Some("Jordan")),
            "Examplewood",
            "14/03/1988",
            "M",
            "W1",
            Some("2001/0012345H"),
            &["AJ"],
            vec![address(
                "ADR-0201",
                "12",
                "Fictional Road",
                "Sampleton",
                "ZZ1 1AA",
            )],
            &["+447700900123"],
            &["VIOLENT"],
            "OFFICIAL",
            "2026-02-11T09:30:00Z",
        ),
        nominal(
            "NOM-000102",
            ("Priya", None),
            "Testfield",
            "02/11/1975",
            "F",
            "A1",
            None,
            &[],
            vec![address(
                "ADR-0202",
                "3",
                "Imaginary Close",
                "Sampleton",
                "ZZ2 4BD",
            )],
            &["+447700900456"],
            &[],
            "OFFICIAL-SENSITIVE",
            "2026-01-20T14:05:00Z",
        ),
        nominal(
            "NOM-000103",
            ("Morgan", None),
            "Sampleford",
            "30/06/2001",
            "X",
            "M9",
            None,
            &["Mo"],
            vec![
                address(
                    "ADR-0203",
                    "Flat 4, 9",
                    "Notreal Street",
                    "Exampleford",
                    "ZZ3 7CE",
                ),
                address("ADR-0204", "88", "Nowhere Avenue", "Sampleton", "ZZ1 5QT"),
            ],
            &["+447700900789"],
            &[],
            "OFFICIAL",
            "2026-02-02T11:00:00Z",
        ),
        nominal(
            "NOM-000104",
            ("Jamie", None),
            "Examplewood",
            "22/09/1991",
            "M",
            "W1",
            Some("2009/0456789W"),
            &[],
            vec![address(
                "ADR-0205",
                "12",
                "Fictional Road",
                "Sampleton",
                "ZZ1 1AA",
            )],
            &[],
            &["DRUGS"],
            "OFFICIAL",
            "2025-11-30T16:45:00Z",
        ),
        nominal(
            "NOM-000105",
            ("Casey", None),
            "Mockridge",
            "05/05/1969",
            "U",
            "NS",
            Some("1987/0001111F"),
            &["The Accountant"],
            vec![address(
                "ADR-0206",
                "1",
                "Hypothetical Mews",
                "Sampleton",
                "ZZ1 9ZX",
            )],
            &["+447700900321"],
            &["WEAPONS", "FIREARMS"],
            "SECRET",
            "2026-02-14T08:00:00Z",
        ),
        nominal(
            "NOM-000106",
            ("Robin", None),
            "Fakenham",
            "17/12/1983",
            "F",
            "B2",
            Some("2004/0222333B"),
            &["Robyn Fakeham"],
            vec![address(
                "ADR-0207",
                "41",
                "Makebelieve Row",
                "Mockbury",
                "ZZ4 8HN",
            )],
            &["+447700900555", "+447700900556"],
            &["DRUGS"],
            "OFFICIAL-SENSITIVE",
            "2026-01-09T10:10:00Z",
        ),
        nominal(
            "NOM-000107",
            ("Taylor", Some("Quinn")),
            "Dummett",
            "01/01/1999",
            "M",
            "W2",
            Some("2017/0333444X"),
            &["TD"],
            vec![address(
                "ADR-0208",
                "7",
                "Invented Terrace",
                "Exampleford",
                "ZZ3 2JW",
            )],
            &["+447700900600"],
            &["WEAPONS"],
            "OFFICIAL",
            "2026-01-15T19:20:00Z",
        ),
        nominal(
            "NOM-000108",
            ("Sasha", None),
            "Placeholder-Jones",
            "08/08/1994",
            "F",
            "W9",
            None,
            &[],
            vec![address(
                "ADR-0209",
                "15",
                "Specimen Gardens",
                "Sampleton",
                "ZZ1 3LR",
            )],
            &["+447700900611"],
            &[],
            "OFFICIAL",
            "2026-01-15T19:25:00Z",
        ),
        nominal(
            "NOM-000109",
            ("Jordan", None),
            "O'Testly",
            "11/02/1979",
            "M",
            "W3",
            Some("1998/0444555C"),
            &[],
            vec![address(
                "ADR-0210",
                "27",
                "Pretend Lane",
                "Mockbury",
                "ZZ4 2DF",
            )],
            &["+447700900700"],
            &[],
            "OFFICIAL",
            "2026-02-01T09:00:00Z",
        ),
        nominal(
            "NOM-000110",
            ("Zoë", None),
            "Démoville",
            "27/04/1986",
            "F",
            "O9",
            None,
            &[],
            vec![address(
                "ADR-0211",
                "The Old Mill",
                "Dummy Lane",
                "Mockbury",
                "ZZ4 6PB",
            )],
            &["+447700900811"],
            &[],
            "OFFICIAL",
            "2026-01-16T12:00:00Z",
        ),
        nominal(
            "NOM-000111",
            ("Chris", None),
            "Testfield",
            "19/07/1972",
            "M",
            "A1",
            None,
            &[],
            vec![address(
                "ADR-0212",
                "3",
                "Imaginary Close",
                "Sampleton",
                "ZZ2 4BD",
            )],
            &["+447700900457"],
            &[],
            "OFFICIAL",
            "2025-12-05T15:30:00Z",
        ),
        nominal(
            "NOM-000112",
            ("Alexander", None),
            "Examplewood",
            "03/10/1960",
            "M",
            "W1",
            None,
            &[],
            vec![address(
                "ADR-0213",
                "2",
                "Synthetic Square",
                "Exampleford",
                "ZZ3 1AB",
            )],
            &["+447700900999"],
            &[],
            "OFFICIAL",
            "2026-02-10T13:00:00Z",
        ),
        // Record linkage (docs/LINKAGE.md): Alex Protoford is Harrier's keeper ALEXANDER
        // PROTOFORD, whose date of birth was keyed day for month (04/07 here, 07-04 there).
        nominal(
            "NOM-000113",
            ("Alex", None),
            "Protoford",
            "07/04/1991",
            "M",
            "W1",
            None,
            &[],
            vec![address(
                "ADR-0214",
                "5",
                "Specimen Walk",
                "Mockbury",
                "ZZ4 3QP",
            )],
            &["+447700900131"],
            &[],
            "OFFICIAL",
            "2026-02-12T10:00:00Z",
        ),
        // Two different men called Jordan Sampleton, born the same day, with their own PNC ids:
        // never one person, however alike.
        nominal(
            "NOM-000114",
            ("Jordan", None),
            "Sampleton",
            "21/06/1985",
            "M",
            "W1",
            Some("1985/0012345L"),
            &[],
            vec![address(
                "ADR-0215",
                "8",
                "Mockup Street",
                "Sampleton",
                "ZZ1 4TT",
            )],
            &["+447700900141"],
            &[],
            "OFFICIAL",
            "2026-02-12T10:05:00Z",
        ),
        nominal(
            "NOM-000115",
            ("Jordan", None),
            "Sampleton",
            "21/06/1985",
            "M",
            "B1",
            Some("1994/0054321Z"),
            &[],
            vec![address(
                "ADR-0216",
                "40",
                "Fabricated Drive",
                "Exampleford",
                "ZZ3 5WD",
            )],
            &[],
            &[],
            "OFFICIAL",
            "2026-02-12T10:10:00Z",
        ),
    ]
}

fn links(v: &[(&str, &str)]) -> Vec<IncidentNominal> {
    v.iter()
        .map(|(id, role)| IncidentNominal {
            nominal_id: s(id),
            role: s(role),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn incident(
    n: u32,
    year: u32,
    incident_type: &str,
    ho_class: Option<&str>,
    summary: &str,
    occurred: (Option<&str>, Option<&str>),
    location_text: Option<&str>,
    nominals: &[(&str, &str)],
    reporting_officer: Option<&str>,
    case_ref: Option<&str>,
    protective_marking: &str,
    created_at: &str,
) -> Incident {
    Incident {
        incident_id: format!("INC-{n:06}"),
        incident_number: format!("KR/{year}/{n:06}"),
        incident_type: s(incident_type),
        ho_class: ho_class.map(s),
        summary: s(summary),
        occurred_from: occurred.0.map(s),
        occurred_to: occurred.1.map(s),
        location_text: location_text.map(s),
        nominals: links(nominals),
        reporting_officer: reporting_officer.map(s),
        case_ref: case_ref.map(s),
        protective_marking: s(protective_marking),
        created_at: s(created_at),
    }
}

/// The seeded incidents, sorted by id.
pub fn incidents() -> Vec<Incident> {
    vec![
        incident(
            301,
            2026,
            "BURGLARY",
            Some("028/01"),
            "Rear door forced overnight; laptop and car keys taken. Neighbour saw a blue Ford hatchback, partial VRM ZX51.",
            (Some("2026-01-05T22:00:00Z"), Some("2026-01-06T06:30:00Z")),
            Some("3 Imaginary Close, Sampleton ZZ2 4BD"),
            &[("NOM-000101", "SUSPECT"), ("NOM-000102", "VICTIM")],
            Some("PC 1234"),
            None,
            "OFFICIAL",
            "2026-01-06T07:10:00Z",
        ),
        incident(
            302,
            2026,
            "THEFT_FROM_VEHICLE",
            Some("045/00"),
            "Sat-nav taken from white Nissan Leaf ZW66GHJ parked on Nowhere Avenue.",
            (Some("2026-01-12T01:00:00Z"), Some("2026-01-12T05:00:00Z")),
            Some("88 Nowhere Avenue, Sampleton ZZ1 5QT"),
            &[("NOM-000103", "VICTIM"), ("NOM-000107", "SUSPECT")],
            Some("PC 2217"),
            None,
            "OFFICIAL",
            "2026-01-12T08:40:00Z",
        ),
        incident(
            303,
            2026,
            "ASSAULT_ABH",
            Some("008/06"),
            "Fight outside the Example Arms; victim treated for a broken wrist.",
            (Some("2026-01-14T23:15:00Z"), Some("2026-01-14T23:30:00Z")),
            Some("Example Arms, Specimen Gardens, Sampleton ZZ1 3LR"),
            &[
                ("NOM-000107", "SUSPECT"),
                ("NOM-000108", "VICTIM"),
                ("NOM-000110", "WITNESS"),
            ],
            Some("PC 3051"),
            None,
            "OFFICIAL",
            "2026-01-15T01:05:00Z",
        ),
        incident(
            304,
            2026,
            "DRUGS_SUPPLY",
            Some("092/00"),
            "Search warrant executed; wraps of a controlled substance and scales recovered.",
            (Some("2026-01-08T06:00:00Z"), Some("2026-01-08T07:30:00Z")),
            Some("41 Makebelieve Row, Mockbury ZZ4 8HN"),
            &[("NOM-000106", "SUSPECT")],
            Some("DC 4410"),
            Some("OP-SAMPLE-0007"),
            "OFFICIAL-SENSITIVE",
            "2026-01-08T09:00:00Z",
        ),
        incident(
            305,
            2025,
            "CRIMINAL_DAMAGE",
            Some("058/01"),
            "Wing mirror of a parked car kicked off; reported by the owner.",
            (Some("2025-12-04T20:00:00Z"), Some("2025-12-04T20:10:00Z")),
            Some("Imaginary Close, Sampleton ZZ2 4BD"),
            &[("NOM-000104", "SUSPECT"), ("NOM-000111", "REPORTER")],
            Some("PC 1234"),
            None,
            "OFFICIAL",
            "2025-12-05T15:30:00Z",
        ),
        incident(
            306,
            2026,
            "FIREARMS_POSSESSION",
            Some("081/00"),
            "Intelligence-led stop; details restricted.",
            (Some("2026-02-13T21:00:00Z"), None),
            None,
            &[("NOM-000105", "SUSPECT")],
            None,
            Some("OP-SAMPLE-0099"),
            "SECRET",
            "2026-02-14T08:00:00Z",
        ),
        incident(
            307,
            2026,
            "ROAD_TRAFFIC_COLLISION",
            None,
            "Low-speed collision between black BMW ZR12NPQ and red Vauxhall ZY19DEF; no injuries.",
            (Some("2026-02-01T08:05:00Z"), Some("2026-02-01T08:05:00Z")),
            Some("A000 Sampleton bypass, near junction 2"),
            &[("NOM-000109", "WITNESS"), ("NOM-000102", "REPORTER")],
            Some("PC 2990"),
            None,
            "OFFICIAL",
            "2026-02-01T09:00:00Z",
        ),
        incident(
            308,
            2026,
            "FRAUD",
            Some("053/00"),
            "Victim persuaded to transfer savings to a fictitious investment scheme.",
            (Some("2025-11-01T00:00:00Z"), None),
            None,
            &[("NOM-000112", "VICTIM")],
            Some("DC 5120"),
            Some("OP-SAMPLE-0042"),
            "OFFICIAL-SENSITIVE",
            "2026-02-10T13:00:00Z",
        ),
    ]
}

/// The seeded vehicles of interest, sorted by id.
pub fn vehicles() -> Vec<Vehicle> {
    /// id, vrm, make, model, colour, body type, vin, nominals, reason, requested by, case ref,
    /// marking, created at.
    type VehicleRow = (
        u32,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static [(&'static str, &'static str)],
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
        &'static str,
    );
    #[rustfmt::skip]
    let rows: [VehicleRow; 3] = [
        (401, "ZX51ABC", "FORD", "FOCUS", "BLUE", "HATCHBACK", Some("SAMPLEVIN00000001"),
         &[("NOM-000101", "OWNER")],
         "Blue Ford hatchback, partial VRM ZX51, seen leaving the burglary KR/2026/000301",
         "PC 1234", None, "OFFICIAL", "2026-01-06T09:15:00Z"),
        (402, "ZR12NPQ", "BMW", "320D", "BLACK", "SALOON", None,
         &[("NOM-000109", "DRIVER")],
         "Driven away before police arrived at the collision KR/2026/000307",
         "PC 2990", None, "OFFICIAL-SENSITIVE", "2026-02-01T10:30:00Z"),
        (403, "ZV70 STU", "FORD", "TRANSIT", "WHITE", "PANEL VAN", None,
         &[],
         "Seen on Nowhere Avenue on the night of the thefts from vehicles",
         "PC 2217", Some("OP-SAMPLE-0007"), "OFFICIAL", "2026-01-12T09:00:00Z"),
    ];
    rows.iter()
        .map(
            |&(
                n,
                vrm,
                make,
                model,
                colour,
                body,
                vin,
                nominals,
                reason,
                by,
                case_ref,
                marking,
                at,
            )| {
                Vehicle {
                    vehicle_id: format!("VEH-{n:06}"),
                    vrm: s(vrm),
                    make: Some(s(make)),
                    model: Some(s(model)),
                    colour: Some(s(colour)),
                    body_type: Some(s(body)),
                    vin: vin.map(s),
                    nominals: nominals
                        .iter()
                        .map(|(id, role)| VehicleNominal {
                            nominal_id: s(id),
                            role: s(role),
                        })
                        .collect(),
                    reason: s(reason),
                    requested_by: s(by),
                    case_ref: case_ref.map(s),
                    protective_marking: s(marking),
                    created_at: s(at),
                }
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PROTECTIVE_MARKINGS, ROLES, VEHICLE_ROLES};
    use std::collections::HashSet;

    #[test]
    fn seed_is_consistent() {
        let nominals = nominals();
        let incidents = incidents();
        assert_eq!(nominals.len(), 15);
        assert_eq!(incidents.len(), 8);
        let ids: HashSet<_> = nominals.iter().map(|n| n.nominal_id.as_str()).collect();
        assert_eq!(ids.len(), nominals.len(), "nominal ids are unique");
        for n in &nominals {
            assert!(PROTECTIVE_MARKINGS.contains(&n.protective_marking.as_str()));
            assert!(["M", "F", "X", "U"].contains(&n.sex_code.as_str()));
            let b = n.birth_date.as_bytes();
            assert!(
                b.len() == 10 && b[2] == b'/' && b[5] == b'/',
                "{}",
                n.birth_date
            );
            for a in &n.addresses {
                assert!(a.post_code.starts_with("ZZ"), "{}", a.post_code);
            }
            for p in &n.phones {
                assert!(p.starts_with("+447700900") && p.len() == 13, "{p}");
            }
        }
        assert!(nominals.iter().any(|n| n.protective_marking == "SECRET"));
        for i in &incidents {
            assert!(PROTECTIVE_MARKINGS.contains(&i.protective_marking.as_str()));
            for link in &i.nominals {
                assert!(ids.contains(link.nominal_id.as_str()));
                assert!(ROLES.contains(&link.role.as_str()));
            }
        }
        let vehicles = vehicles();
        assert_eq!(vehicles.len(), 3);
        let vehicle_ids: HashSet<_> = vehicles.iter().map(|v| v.vehicle_id.as_str()).collect();
        assert_eq!(vehicle_ids.len(), vehicles.len(), "vehicle ids are unique");
        for v in &vehicles {
            assert!(v.vrm.starts_with('Z'), "{}", v.vrm);
            assert!(PROTECTIVE_MARKINGS.contains(&v.protective_marking.as_str()));
            assert!(
                v.vin
                    .as_deref()
                    .is_none_or(|vin| vin.starts_with("SAMPLEVIN"))
            );
            for link in &v.nominals {
                assert!(ids.contains(link.nominal_id.as_str()));
                assert!(VEHICLE_ROLES.contains(&link.role.as_str()));
            }
        }
        let focus = &vehicles[0];
        assert_eq!(
            (
                focus.vrm.as_str(),
                focus.colour.as_deref(),
                focus.model.as_deref()
            ),
            ("ZX51ABC", Some("BLUE"), Some("FOCUS"))
        );
        assert_eq!(focus.nominals[0].nominal_id, "NOM-000101");
    }
}
