//! The file formats `interop link` reads and writes: one JSON record per line in, one JSON
//! result per line out. Both are defined by JSON Schemas in `docs/linkage-input.schema.json`
//! and `docs/linkage-output.schema.json`.
//!
//! Input lines carry the gateway's `/v1` record shape (`source`, `handling`, `entity`,
//! `links`, `linked`); only person entities are linked, and only the fields the linker
//! compares are read. Unknown fields are ignored. Output lines follow the input order, one per
//! person record, each with its group id and, when asked, the group's explanation.
//!
//! Bad input stops the run with the file, the line and what to do about it. Lines, nesting and
//! arrays are bounded ([`MAX_LINE_BYTES`], [`MAX_NESTING_DEPTH`], [`MAX_ARRAY_ITEMS`]) so a
//! malformed or hostile file cannot exhaust memory or the stack.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::explain::{Group, GroupId, Linkage};
use crate::linker::{LinkConfig, LinkError, MAX_RECORDS, link};
use crate::normalise::Unusable;
use crate::record::{Address, PartialDate, PersonRecord, RecordKey, Vehicle};

/// Longest input line, in bytes. A person with a few dozen linked addresses, phones and
/// vehicles is a few kilobytes; 64 KiB leaves room for verbose exports while refusing a file
/// that is not one record per line (a whole JSON array on one line, a binary file).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Deepest nesting of objects and arrays in an input line. The record shape needs four levels
/// (`linked[].entity.…`); 16 allows extra wrapping, and refuses the deeply nested input that
/// is only ever an attack on a recursive parser.
pub const MAX_NESTING_DEPTH: usize = 16;

/// Most items in any one array of an input line (`given_names`, `links`, `linked`, …). A person
/// links to a few dozen entities at most; hundreds is an export fault.
pub const MAX_ARRAY_ITEMS: usize = 256;

/// Longest system name or local id, in characters: ids are short codes (`NOM-000101`), and
/// they are copied into every explanation and audit record that names the record.
pub const MAX_KEY_CHARS: usize = 200;

/// What to do with a line whose entity is not a person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NonPersonLines {
    /// Stop with an error naming the line (the default: output is one line per input line, so
    /// a file of mixed kinds is refused rather than silently shortened).
    #[default]
    Error,
    /// Skip the line and report it in [`JsonlReport::skipped_lines`] (for a federated export
    /// that mixes people with vehicles and places).
    Skip,
}

/// Options for [`link_jsonl`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JsonlOptions {
    /// Write each record's group explanation and possible matches (`--explain`).
    pub explain: bool,
    /// What to do with non-person lines.
    pub non_person: NonPersonLines,
    /// The linker's settings.
    pub config: LinkConfig,
}

/// A bad input file: where and what to do about it.
#[derive(Debug, Error)]
pub enum JsonlError {
    /// A line that cannot be used.
    #[error("{file}:{line}: {problem}; {fix}")]
    Line {
        /// The input's name (its path, or `-` for standard input).
        file: String,
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        problem: String,
        /// What to do about it.
        fix: &'static str,
    },
    /// Reading or writing failed.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The failure.
        source: io::Error,
    },
    /// Linking refused the records as a whole.
    #[error("{file}: {source}")]
    Link {
        /// The input's name.
        file: String,
        /// Why.
        source: LinkError,
    },
}

/// A line skipped under [`NonPersonLines::Skip`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedLine {
    /// The line, from 1.
    pub line: usize,
    /// Its entity kind.
    pub kind: String,
}

/// Person records read from a file, each with the line it came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputRecords {
    /// The records, in file order.
    pub records: Vec<PersonRecord>,
    /// `lines[i]` is the line `records[i]` came from (from 1).
    pub lines: Vec<usize>,
    /// Non-person lines skipped.
    pub skipped_lines: Vec<SkippedLine>,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonlReport {
    /// Counts and timings from the linker.
    pub summary: crate::explain::LinkSummary,
    /// Non-person lines skipped.
    pub skipped_lines: Vec<SkippedLine>,
}

// ---- the input shape (only what the linker reads) ----

#[derive(Deserialize)]
struct InputLine {
    source: Option<InputSource>,
    entity: Option<InputEntity>,
    #[serde(default)]
    linked: Option<Vec<InputLinked>>,
}

#[derive(Deserialize)]
struct InputSource {
    system: Option<String>,
    local_id: Option<String>,
}

#[derive(Deserialize)]
struct InputEntity {
    kind: Option<String>,
    given_names: Option<Vec<String>>,
    middle_names: Option<Vec<String>>,
    surname: Option<String>,
    date_of_birth: Option<String>,
    date_of_birth_known: Option<bool>,
    gender: Option<String>,
    pnc_id: Option<String>,
    cro_number: Option<String>,
}

#[derive(Deserialize)]
struct InputLinked {
    entity: Option<InputLinkedEntity>,
}

/// A text value some exports write as a JSON number (UPRNs, telephone numbers).
#[derive(Deserialize)]
#[serde(untagged)]
enum TextOrNumber {
    Text(String),
    Number(serde_json::Number),
}

impl TextOrNumber {
    fn into_text(self) -> String {
        match self {
            TextOrNumber::Text(t) => t,
            TextOrNumber::Number(n) => n.to_string(),
        }
    }
}

#[derive(Deserialize)]
struct InputLinkedEntity {
    kind: Option<String>,
    #[serde(rename = "type")]
    object_type: Option<String>,
    postcode: Option<String>,
    uprn: Option<TextOrNumber>,
    number: Option<TextOrNumber>,
    address: Option<String>,
    vrm: Option<String>,
    vin: Option<String>,
}

// ---- the output shape ----

#[derive(Serialize)]
struct OutputSource<'a> {
    system: &'a str,
    local_id: &'a str,
}

#[derive(Serialize)]
struct OutputLine<'a> {
    source: OutputSource<'a>,
    line: usize,
    group_id: &'a GroupId,
    group_size: usize,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unusable: &'a [Unusable],
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a Group>,
}

/// Deepest nesting of `[` and `{` outside strings.
fn nesting_depth(line: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in line {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn too_many<T>(items: &Option<Vec<T>>) -> bool {
    items.as_ref().is_some_and(|v| v.len() > MAX_ARRAY_ITEMS)
}

/// Convert one parsed line. `Ok(None)` is a non-person line to skip.
fn to_record(
    parsed: InputLine,
    non_person: NonPersonLines,
) -> Result<Result<PersonRecord, SkippedLine>, (String, &'static str)> {
    const FIX_SHAPE: &str = "each line must be one record as in docs/linkage-input.schema.json";
    let source = parsed.source.ok_or(("no `source`".to_owned(), FIX_SHAPE))?;
    let system = source.system.filter(|s| !s.trim().is_empty()).ok_or((
        "no `source.system`".to_owned(),
        "name the system that holds the record",
    ))?;
    let local_id = source.local_id.filter(|s| !s.trim().is_empty()).ok_or((
        "no `source.local_id`".to_owned(),
        "give the record's id in its system",
    ))?;
    if system.chars().count() > MAX_KEY_CHARS || local_id.chars().count() > MAX_KEY_CHARS {
        return Err((
            format!(
                "`source.system` or `source.local_id` is longer than {MAX_KEY_CHARS} characters"
            ),
            "use the system's short record id",
        ));
    }
    let entity = parsed.entity.ok_or(("no `entity`".to_owned(), FIX_SHAPE))?;
    let kind = entity.kind.clone().ok_or((
        "no `entity.kind`".to_owned(),
        "say what the record is: \"person\"",
    ))?;
    if kind != "person" {
        return match non_person {
            NonPersonLines::Skip => Ok(Err(SkippedLine { line: 0, kind })),
            NonPersonLines::Error => Err((
                format!("entity kind `{kind}` is not a person; only people are linked"),
                "keep only person lines (e.g. jq -c 'select(.entity.kind == \"person\")'), or skip other kinds",
            )),
        };
    }
    if too_many(&entity.given_names) || too_many(&entity.middle_names) || too_many(&parsed.linked) {
        return Err((
            format!("an array has more than {MAX_ARRAY_ITEMS} items"),
            "a person record lists a handful of names and linked entities; check the export",
        ));
    }
    let mut record = PersonRecord::new(RecordKey::new(system, local_id));
    record.given_names = entity.given_names.unwrap_or_default();
    record.middle_names = entity.middle_names.unwrap_or_default();
    record.surname = entity.surname;
    if entity.date_of_birth_known != Some(false) {
        record.date_of_birth = entity
            .date_of_birth
            .as_deref()
            .and_then(PartialDate::parse_iso);
    }
    record.gender = entity.gender;
    record.pnc_id = entity.pnc_id;
    record.cro_number = entity.cro_number;
    for linked in parsed.linked.unwrap_or_default() {
        let Some(e) = linked.entity else { continue };
        match (e.kind.as_deref(), e.object_type.as_deref()) {
            (Some("location"), _) => record.addresses.push(Address {
                postcode: e.postcode,
                uprn: e.uprn.map(TextOrNumber::into_text),
            }),
            (Some("object"), Some("telephone")) => {
                if let Some(n) = e.number {
                    record.phones.push(n.into_text());
                }
            }
            (Some("object"), Some("email")) => {
                if let Some(a) = e.address {
                    record.emails.push(a);
                }
            }
            (Some("object"), Some("vehicle")) => record.vehicles.push(Vehicle {
                vrm: e.vrm,
                vin: e.vin,
            }),
            // Other linked entities (events, property, …) say nothing about who this is.
            _ => {}
        }
    }
    Ok(Ok(record))
}

/// Read person records from JSONL. `file` names the input in errors.
///
/// # Errors
/// [`JsonlError::Line`] for the first bad line: too long, too deeply nested, not JSON, not of
/// the record shape, missing its system or local id, a duplicate of an earlier record, or (with
/// [`NonPersonLines::Error`]) not a person; [`JsonlError::Io`] if reading fails.
pub fn read_records(
    reader: impl BufRead,
    file: &str,
    non_person: NonPersonLines,
) -> Result<InputRecords, JsonlError> {
    let bad = |line: usize, problem: String, fix: &'static str| JsonlError::Line {
        file: file.to_owned(),
        line,
        problem,
        fix,
    };
    let mut out = InputRecords::default();
    let mut first_seen: HashMap<RecordKey, usize> = HashMap::new();
    let mut reader = reader;
    let mut buf = Vec::new();
    let mut line = 0usize;
    loop {
        buf.clear();
        let read = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 2)
            .read_until(b'\n', &mut buf)
            .map_err(|source| JsonlError::Io {
                file: file.to_owned(),
                source,
            })?;
        if read == 0 {
            break;
        }
        line += 1;
        while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            buf.pop();
        }
        if buf.len() > MAX_LINE_BYTES {
            return Err(bad(
                line,
                format!("line is longer than {MAX_LINE_BYTES} bytes"),
                "write one record per line (JSON Lines), not a JSON array or pretty-printed JSON",
            ));
        }
        // A byte-order mark some Windows tools write before the first line.
        if line == 1 && buf.starts_with(b"\xEF\xBB\xBF") {
            buf.drain(..3);
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if nesting_depth(&buf) > MAX_NESTING_DEPTH {
            return Err(bad(
                line,
                format!("objects and arrays nest deeper than {MAX_NESTING_DEPTH} levels"),
                "each line must be one record as in docs/linkage-input.schema.json",
            ));
        }
        let parsed: InputLine = serde_json::from_slice(&buf).map_err(|e| {
            bad(
                line,
                format!("not a record: {e}"),
                "each line must be one JSON object as in docs/linkage-input.schema.json",
            )
        })?;
        match to_record(parsed, non_person).map_err(|(p, f)| bad(line, p, f))? {
            Ok(record) => {
                if let Some(first) = first_seen.get(&record.key) {
                    return Err(bad(
                        line,
                        format!("record {} already appeared at line {first}", record.key),
                        "list each record once",
                    ));
                }
                if out.records.len() >= MAX_RECORDS {
                    return Err(bad(
                        line,
                        format!("more than {MAX_RECORDS} records"),
                        "link in batches (by region or year of birth)",
                    ));
                }
                first_seen.insert(record.key.clone(), line);
                out.records.push(record);
                out.lines.push(line);
            }
            Err(mut skipped) => {
                skipped.line = line;
                out.skipped_lines.push(skipped);
            }
        }
    }
    Ok(out)
}

/// Write one output line per record, in input order.
///
/// # Errors
/// Any write error.
pub fn write_groups(
    writer: &mut impl Write,
    input: &InputRecords,
    linkage: &Linkage,
    explain: bool,
) -> io::Result<()> {
    for (i, record) in input.records.iter().enumerate() {
        let Some(group) = linkage.group_of(i) else {
            continue;
        };
        let line = OutputLine {
            source: OutputSource {
                system: &record.key.system,
                local_id: &record.key.local_id,
            },
            line: input.lines.get(i).copied().unwrap_or(0),
            group_id: &group.id,
            group_size: group.members.len(),
            unusable: linkage.unusable.get(i).map_or(&[], Vec::as_slice),
            group: explain.then_some(group),
        };
        serde_json::to_writer(&mut *writer, &line)?;
        writer.write_all(b"\n")?;
    }
    writer.flush()
}

/// Read JSONL records, link them, and write one JSONL result per record: what
/// `interop link --input FILE [--output FILE] [--explain]` does.
///
/// # Errors
/// [`JsonlError`]: a bad line (with file and line), a linking error, or an I/O error.
pub fn link_jsonl(
    reader: impl BufRead,
    input_name: &str,
    writer: &mut impl Write,
    output_name: &str,
    options: &JsonlOptions,
) -> Result<JsonlReport, JsonlError> {
    options
        .config
        .validate()
        .map_err(|source| JsonlError::Link {
            file: input_name.to_owned(),
            source,
        })?;
    let input = read_records(reader, input_name, options.non_person)?;
    let linkage = link(&input.records, &options.config).map_err(|source| JsonlError::Link {
        file: input_name.to_owned(),
        source,
    })?;
    write_groups(writer, &input, &linkage, options.explain).map_err(|source| JsonlError::Io {
        file: output_name.to_owned(),
        source,
    })?;
    Ok(JsonlReport {
        summary: linkage.summary,
        skipped_lines: input.skipped_lines,
    })
}

/// [`link_jsonl`] on files: `output` `None` writes to standard output.
///
/// # Errors
/// As [`link_jsonl`], and opening either file.
pub fn link_files(
    input: &Path,
    output: Option<&Path>,
    options: &JsonlOptions,
) -> Result<JsonlReport, JsonlError> {
    let input_name = input.display().to_string();
    let reader = File::open(input).map_err(|source| JsonlError::Io {
        file: input_name.clone(),
        source,
    })?;
    let reader = BufReader::new(reader);
    match output {
        Some(path) => {
            let name = path.display().to_string();
            let file = File::create(path).map_err(|source| JsonlError::Io {
                file: name.clone(),
                source,
            })?;
            link_jsonl(
                reader,
                &input_name,
                &mut BufWriter::new(file),
                &name,
                options,
            )
        }
        None => {
            let stdout = io::stdout();
            link_jsonl(
                reader,
                &input_name,
                &mut BufWriter::new(stdout.lock()),
                "-",
                options,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALEX: &str = r#"{"source": {"force": "Exampleshire Constabulary", "system": "Kestrel RMS", "local_id": "NOM-000101", "extracted_at": "2026-03-01T14:05:00Z"},
 "handling": {"classification": "official", "sensitive": false, "caveats": []},
 "entity": {"kind": "person", "given_names": ["Alex"], "middle_names": [], "surname": "Examplewood", "aliases": [],
            "date_of_birth": "1988-03-14", "date_of_birth_known": true, "gender": "male",
            "pnc_id": "1988/0012345K", "cro_number": null, "warning_markers": []},
 "links": [{"from": {"kind": "person", "local_id": "NOM-000101"}, "to": {"kind": "location", "local_id": "ADR-0201"}, "role": "homeAddress"}],
 "linked": [{"local_id": "ADR-0201", "entity": {"kind": "location", "premises": "12", "street": "Example Road", "town": "Exampleton", "postcode": "YY1 2AB", "uprn": "000012345678"}},
            {"local_id": "TEL-1", "entity": {"kind": "object", "type": "telephone", "number": "+447700900123"}},
            {"local_id": "EM-1", "entity": {"kind": "object", "type": "email", "address": "a.examplewood@example.invalid"}},
            {"local_id": "V-1", "entity": {"kind": "object", "type": "vehicle", "vrm": "YY51 ABC", "vin": null}}]}"#;

    fn one_line(s: &str) -> String {
        s.replace('\n', " ")
    }

    fn read(text: &str) -> Result<InputRecords, JsonlError> {
        read_records(text.as_bytes(), "records.jsonl", NonPersonLines::Error)
    }

    fn error_text(text: &str) -> String {
        read(text)
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn the_documented_record_shape_reads() {
        let input = read(&format!("{}\n\n", one_line(ALEX))).unwrap_or_default();
        assert_eq!(input.records.len(), 1);
        assert_eq!(input.lines, vec![1]);
        let r = &input.records[0];
        assert_eq!(r.key, RecordKey::new("Kestrel RMS", "NOM-000101"));
        assert_eq!(r.given_names, vec!["Alex"]);
        assert_eq!(r.date_of_birth, Some(PartialDate::full(1988, 3, 14)));
        assert_eq!(r.addresses[0].uprn.as_deref(), Some("000012345678"));
        assert_eq!(r.phones, vec!["+447700900123"]);
        assert_eq!(r.emails, vec!["a.examplewood@example.invalid"]);
        assert_eq!(r.vehicles[0].vrm.as_deref(), Some("YY51 ABC"));
    }

    #[test]
    fn only_system_local_id_and_kind_are_required() {
        let input = read(
            r#"{"source":{"system":"S","local_id":"1"},"entity":{"kind":"person","surname":null,"given_names":null,"date_of_birth":"1990-01-01","date_of_birth_known":false},"extra":{"ignored":true}}"#,
        )
        .unwrap_or_default();
        assert_eq!(input.records.len(), 1);
        assert_eq!(input.records[0].date_of_birth, None, "known: false wins");
        assert!(
            error_text(r#"{"source":{"system":"S"},"entity":{"kind":"person"}}"#)
                .starts_with("records.jsonl:1: no `source.local_id`")
        );
        assert!(
            error_text(r#"{"source":{"local_id":"1"},"entity":{"kind":"person"}}"#)
                .contains("no `source.system`")
        );
        assert!(
            error_text(r#"{"source":{"system":"S","local_id":"1"},"entity":{}}"#)
                .contains("no `entity.kind`")
        );
    }

    #[test]
    fn a_byte_order_mark_and_blank_lines_are_ignored() {
        let text = "\u{feff}{\"source\":{\"system\":\"S\",\"local_id\":\"1\"},\"entity\":{\"kind\":\"person\"}}\r\n\r\n";
        let input = read(text).unwrap_or_default();
        assert_eq!(input.records.len(), 1);
    }

    #[test]
    fn numbers_are_accepted_for_uprns_and_telephones() {
        let input = read(
            r#"{"source":{"system":"S","local_id":"1"},"entity":{"kind":"person"},"linked":[{"entity":{"kind":"location","uprn":12345678}},{"entity":{"kind":"object","type":"telephone","number":447700900123}}]}"#,
        )
        .unwrap_or_default();
        assert_eq!(
            input.records[0].addresses[0].uprn.as_deref(),
            Some("12345678")
        );
        assert_eq!(input.records[0].phones, vec!["447700900123"]);
    }

    #[test]
    fn bad_lines_name_the_file_and_line_and_say_what_to_do() {
        let good = r#"{"source":{"system":"S","local_id":"1"},"entity":{"kind":"person"}}"#;
        let e = error_text(&format!("{good}\nnot json\n"));
        assert!(e.starts_with("records.jsonl:2: not a record"), "{e}");
        assert!(e.contains("docs/linkage-input.schema.json"), "{e}");
        let e = error_text(&format!("{good}\n{good}\n"));
        assert!(
            e.contains("records.jsonl:2: record S:1 already appeared at line 1"),
            "{e}"
        );
        let vehicle = r#"{"source":{"system":"S","local_id":"2"},"entity":{"kind":"object"}}"#;
        let e = error_text(&format!("{good}\n{vehicle}"));
        assert!(
            e.contains(":2: entity kind `object` is not a person"),
            "{e}"
        );
        let skipped = read_records(
            format!("{good}\n{vehicle}").as_bytes(),
            "f",
            NonPersonLines::Skip,
        )
        .unwrap_or_default();
        assert_eq!(skipped.records.len(), 1);
        assert_eq!(
            skipped.skipped_lines,
            vec![SkippedLine {
                line: 2,
                kind: "object".into()
            }]
        );
        let e = error_text(
            r#"{"source":{"system":"S","local_id":"1"},"entity":{"kind":"person","given_names":"Alex"}}"#,
        );
        assert!(e.contains("not a record"), "{e}");
    }

    #[test]
    fn limits_refuse_long_lines_deep_nesting_and_long_arrays() {
        let long = format!(
            r#"{{"source":{{"system":"S","local_id":"1"}},"entity":{{"kind":"person","surname":"{}"}}}}"#,
            "x".repeat(MAX_LINE_BYTES)
        );
        assert!(error_text(&long).contains("longer than 65536 bytes"));
        let deep = format!(
            r#"{{"source":{{"system":"S","local_id":"1"}},"entity":{{"kind":"person"}},"x":{}{}}}"#,
            "[".repeat(40),
            "]".repeat(40)
        );
        assert!(error_text(&deep).contains("nest deeper than 16"));
        let names: Vec<String> = (0..=MAX_ARRAY_ITEMS).map(|i| format!("\"N{i}\"")).collect();
        let many = format!(
            r#"{{"source":{{"system":"S","local_id":"1"}},"entity":{{"kind":"person","given_names":[{}]}}}}"#,
            names.join(",")
        );
        assert!(error_text(&many).contains("more than 256 items"));
        // Brackets inside strings are not nesting.
        let quoted = format!(
            r#"{{"source":{{"system":"S","local_id":"1"}},"entity":{{"kind":"person","surname":"{}\"["}}}}"#,
            "[".repeat(40)
        );
        assert_eq!(read(&quoted).map(|i| i.records.len()).unwrap_or(0), 1);
    }

    #[test]
    fn output_is_one_line_per_record_with_its_group() {
        let input = format!(
            "{}\n{}\n",
            one_line(ALEX),
            one_line(
                &ALEX
                    .replace("NOM-000101", "NOM-000102")
                    .replace("\"Alex\"", "\"Alexander\"")
            )
        );
        let mut out = Vec::new();
        let options = JsonlOptions {
            explain: true,
            ..JsonlOptions::default()
        };
        let report = link_jsonl(input.as_bytes(), "in", &mut out, "out", &options);
        assert!(report.is_ok());
        let text = String::from_utf8(out).unwrap_or_default();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["line"], 1);
        assert_eq!(lines[0]["group_id"], lines[1]["group_id"]);
        assert_eq!(lines[0]["group_size"], 2);
        assert_eq!(lines[0]["unusable"][0]["field"], "pnc_id");
        assert_eq!(
            lines[0]["group"]["links"][0]["fields"][1]["agreement"],
            "nickname"
        );
        assert!(
            !text.contains("Examplewood"),
            "no record content in the output"
        );
    }
}
