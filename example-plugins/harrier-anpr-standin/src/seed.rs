//! Built-in synthetic seed data. Every person, vehicle and place is invented: registration marks
//! start with `Z` (not issued as a GB area code), VINs start `SAMPLEVIN` (a VIN cannot contain
//! `I`), postcodes are in the non-existent `ZZ` area.
//!
//! Keepers also present in the Kestrel RMS stand-in (same name, same date of birth):
//! `KPR-0001` ALEX JORDAN EXAMPLEWOOD 1988-03-14 (`ZX51ABC`), `KPR-0002` PRIYA TESTFIELD
//! 1975-11-02 (`ZY19DEF`, `ZT08KLM`), `KPR-0003` MORGAN SAMPLEFORD 2001-06-30 (`ZW66GHJ`),
//! `KPR-0004` JORDAN O'TESTLY 1979-02-11 (`ZR12NPQ`) and `KPR-0008` CASEY MOCKRIDGE 1969-05-05
//! (`ZM69EFG`).
//!
//! For record linkage, a keeper Kestrel holds differently: `KPR-0009` ALEXANDER PROTOFORD
//! 1991-07-04 (`ZP15RTF`) is Kestrel's Alex Protoford born 07/04/1991, day and month keyed the
//! other way round.

use crate::model::{Grading, Keeper, Read, Vehicle};

/// vrm, make, model, colour, body type, keeper, marking.
type VehicleRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
);
/// surname, forenames, date of birth, address lines, postcode, marking.
type KeeperRow = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
    &'static str,
    &'static str,
);
/// vrm, camera index, seen at, confidence, marking, grading (source, intelligence, handling).
type ReadRow = (
    &'static str,
    usize,
    &'static str,
    u8,
    &'static str,
    Option<(&'static str, &'static str, &'static str)>,
);

fn s(v: &str) -> String {
    v.to_owned()
}

/// The seeded vehicles, sorted by id.
pub fn vehicles() -> Vec<Vehicle> {
    #[rustfmt::skip]
    let rows: [VehicleRow; 11] = [
        ("ZX51ABC", "FORD", "FOCUS", "BLUE", "HATCHBACK", Some("KPR-0001"), "OFFICIAL"),
        ("ZY19DEF", "VAUXHALL", "CORSA", "RED", "HATCHBACK", Some("KPR-0002"), "OFFICIAL"),
        ("ZT08KLM", "TOYOTA", "PRIUS", "SILVER", "HATCHBACK", Some("KPR-0002"), "OFFICIAL"),
        ("ZW66GHJ", "NISSAN", "LEAF", "WHITE", "HATCHBACK", Some("KPR-0003"), "OFFICIAL"),
        ("ZR12NPQ", "BMW", "320D", "BLACK", "SALOON", Some("KPR-0004"), "OFFICIAL-SENSITIVE"),
        ("ZV70STU", "FORD", "TRANSIT", "WHITE", "PANEL VAN", Some("KPR-0007"), "OFFICIAL"),
        ("ZK21WXY", "FORD", "FIESTA", "GREY", "HATCHBACK", Some("KPR-0005"), "OFFICIAL"),
        ("ZD17BCD", "VOLKSWAGEN", "GOLF", "GREEN", "HATCHBACK", Some("KPR-0006"), "OFFICIAL"),
        ("ZM69EFG", "HONDA", "CB500F", "BLACK", "MOTORCYCLE", Some("KPR-0008"), "OFFICIAL-SENSITIVE"),
        ("ZX51AXE", "SKODA", "OCTAVIA", "BLUE", "ESTATE", None, "OFFICIAL"),
        ("ZP15RTF", "KIA", "CEED", "ORANGE", "HATCHBACK", Some("KPR-0009"), "OFFICIAL"),
    ];
    rows.iter()
        .enumerate()
        .map(
            |(i, (vrm, make, model, colour, body, keeper, marking))| Vehicle {
                id: format!("VEH-{:04}", i + 1),
                vrm: s(vrm),
                vin: format!("SAMPLEVIN{:08}", i + 1),
                make: s(make),
                model: s(model),
                colour: s(colour),
                body_type: s(body),
                keeper_ref: keeper.map(s),
                marking: s(marking),
            },
        )
        .collect()
}

/// The seeded keepers, sorted by id.
pub fn keepers() -> Vec<Keeper> {
    #[rustfmt::skip]
    let rows: [KeeperRow; 9] = [
        ("EXAMPLEWOOD", "ALEX JORDAN", Some("1988-03-14"), &["12 Fictional Road", "Sampleton"], "ZZ1 1AA", "OFFICIAL"),
        ("TESTFIELD", "PRIYA", Some("1975-11-02"), &["3 Imaginary Close", "Sampleton"], "ZZ2 4BD", "OFFICIAL"),
        ("SAMPLEFORD", "MORGAN", Some("2001-06-30"), &["Flat 4", "9 Notreal Street", "Exampleford"], "ZZ3 7CE", "OFFICIAL"),
        ("O'TESTLY", "JORDAN", Some("1979-02-11"), &["27 Pretend Lane", "Mockbury"], "ZZ4 2DF", "OFFICIAL"),
        ("EXAMPLEWOOD", "SAM", Some("1990-08-19"), &["60 Placeholder Way", "Sampleton"], "ZZ1 7MM", "OFFICIAL"),
        ("DEMOLEY", "HARPER ROSE", Some("1965-12-01"), &["Flat 2", "5 Imitation Parade", "Exampleford"], "ZZ3 9XY", "OFFICIAL"),
        ("EXAMPLE FLEET HIRE LTD", "", None, &["Unit 3, Mockup Industrial Estate", "Mockbury"], "ZZ4 1AA", "OFFICIAL"),
        ("MOCKRIDGE", "CASEY", Some("1969-05-05"), &["1 Hypothetical Mews", "Sampleton"], "ZZ1 9ZX", "OFFICIAL-SENSITIVE"),
        ("PROTOFORD", "ALEXANDER", Some("1991-07-04"), &["5 Specimen Walk", "Mockbury"], "ZZ4 3QP", "OFFICIAL"),
    ];
    rows.iter()
        .enumerate()
        .map(
            |(i, (surname, forenames, dob, lines, postcode, marking))| Keeper {
                id: format!("KPR-{:04}", i + 1),
                surname: s(surname),
                forenames: s(forenames),
                date_of_birth: dob.map(s),
                address_lines: lines.iter().map(|l| s(l)).collect(),
                postcode: s(postcode),
                marking: s(marking),
            },
        )
        .collect()
}

const CAMERAS: [(&str, &str, f64, f64); 5] = [
    (
        "CAM-017",
        "A000 Sampleton bypass northbound",
        51.501,
        -0.142,
    ),
    (
        "CAM-018",
        "A000 Sampleton bypass southbound",
        51.499,
        -0.141,
    ),
    ("CAM-022", "B0000 Exampleford High Street", 51.512, -0.201),
    (
        "CAM-031",
        "M000 junction 9 exit slip, Mockbury",
        51.48,
        -0.09,
    ),
    ("CAM-040", "Sampleton Retail Park entrance", 51.505, -0.13),
];

/// The seeded camera reads, sorted by id (ids are in the order the reads were taken).
pub fn reads() -> Vec<Read> {
    #[rustfmt::skip]
    let rows: [ReadRow; 20] = [
        ("ZX51ABC", 0, "2026-01-05T21:40:12Z", 97, "OFFICIAL-SENSITIVE", Some(("2", "B", "P"))),
        ("ZX51ABC", 1, "2026-01-06T06:52:40Z", 95, "OFFICIAL-SENSITIVE", Some(("2", "B", "P"))),
        ("ZY19DEF", 4, "2026-01-10T10:15:00Z", 99, "OFFICIAL", None),
        ("ZW66GHJ", 2, "2026-01-11T23:58:31Z", 92, "OFFICIAL", None),
        ("ZV70STU", 3, "2026-01-12T03:20:05Z", 88, "OFFICIAL", None),
        ("ZT08KLM", 0, "2026-01-14T07:45:00Z", 98, "OFFICIAL", None),
        ("ZK21WXY", 2, "2026-01-14T22:50:19Z", 90, "OFFICIAL", None),
        ("ZZ99ZZZ", 3, "2026-01-18T02:11:45Z", 64, "OFFICIAL-SENSITIVE", Some(("3", "C", "C"))),
        ("ZR12NPQ", 0, "2026-02-01T08:01:10Z", 96, "OFFICIAL", None),
        ("ZY19DEF", 0, "2026-02-01T08:03:55Z", 97, "OFFICIAL", None),
        ("ZX51ABC", 0, "2026-02-01T08:14:09Z", 97, "OFFICIAL-SENSITIVE", Some(("2", "B", "P"))),
        ("ZD17BCD", 4, "2026-02-03T12:30:00Z", 99, "OFFICIAL", None),
        ("ZX51AXE", 1, "2026-02-05T17:17:17Z", 85, "OFFICIAL", None),
        ("ZW66GHJ", 4, "2026-02-07T14:00:00Z", 94, "OFFICIAL", None),
        ("ZR12NPQ", 3, "2026-02-09T23:45:10Z", 89, "OFFICIAL-SENSITIVE", Some(("2", "C", "P"))),
        ("ZV70STU", 0, "2026-02-10T06:10:10Z", 97, "OFFICIAL", None),
        ("ZX51ABC", 2, "2026-02-12T19:30:00Z", 96, "OFFICIAL", None),
        ("ZM69EFG", 3, "2026-02-13T20:40:33Z", 93, "OFFICIAL-SENSITIVE", Some(("1", "A", "C"))),
        ("ZM69EFG", 2, "2026-02-13T21:05:02Z", 91, "OFFICIAL-SENSITIVE", Some(("1", "A", "C"))),
        ("ZK21WXY", 1, "2026-02-15T09:09:09Z", 98, "OFFICIAL", None),
    ];
    rows.iter()
        .enumerate()
        .map(|(i, (vrm, cam, seen_at, confidence, marking, grading))| {
            let (camera_id, camera_name, lat, lon) = CAMERAS[*cam];
            Read {
                id: format!("RD-{:06}", i + 1),
                vrm: s(vrm),
                camera_id: s(camera_id),
                camera_name: s(camera_name),
                seen_at: s(seen_at),
                lat,
                lon,
                confidence: *confidence,
                marking: s(marking),
                grading: grading.map(|(source, intelligence, handling)| Grading {
                    source: s(source),
                    intelligence: s(intelligence),
                    handling: s(handling),
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MARKINGS;
    use std::collections::HashSet;

    #[test]
    fn seed_is_consistent() {
        let vehicles = vehicles();
        let keepers = keepers();
        let reads = reads();
        assert_eq!((vehicles.len(), keepers.len(), reads.len()), (11, 9, 20));
        let keeper_ids: HashSet<_> = keepers.iter().map(|k| k.id.as_str()).collect();
        let vrms: HashSet<_> = vehicles.iter().map(|v| v.vrm.as_str()).collect();
        assert_eq!(vrms.len(), vehicles.len());
        for v in &vehicles {
            assert!(v.vrm.starts_with('Z') && v.vin.len() == 17 && v.vin.starts_with("SAMPLEVIN"));
            assert!(
                v.keeper_ref
                    .as_deref()
                    .is_none_or(|k| keeper_ids.contains(k))
            );
            assert!(MARKINGS.contains(&v.marking.as_str()));
        }
        for k in &keepers {
            assert!(k.postcode.starts_with("ZZ"));
            assert!(
                k.date_of_birth
                    .as_deref()
                    .is_none_or(|d| d.len() == 10 && &d[4..5] == "-")
            );
        }
        for w in reads.windows(2) {
            assert!(w[0].seen_at < w[1].seen_at, "ids follow time");
        }
        assert!(reads.iter().filter(|r| r.grading.is_some()).count() >= 3);
        assert!(
            reads.iter().any(|r| !vrms.contains(r.vrm.as_str())),
            "one unknown VRM"
        );
    }
}
