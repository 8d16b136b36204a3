//! `interop link`: the gateway's record linkage over a file of person records, so a force or a
//! reviewer can see on their own test data which records the linker would group, and why.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use interop_linkage::jsonl::{JsonlOptions, NonPersonLines, link_files};
use interop_linkage::{LinkConfig, Model, WeightSource};

const AFTER_HELP: &str = "\
Input: one person record per line (JSON Lines), in the gateway's /v1 record shape, as
`interop call ... search` and POST /v1/connectors/{id}/search print them: `source` (with
`system` and `local_id`, which name the record), `entity` (`kind: \"person\"`, names, date of
birth, gender, PNC id, CRO number) and `linked` (addresses, telephones, e-mail addresses and
vehicles carried with it). Only source.system, source.local_id and entity.kind are required.
The format is docs/linkage-input.schema.json.

Output: one line per input record, in input order: its `source`, the input `line`, its
`group_id` (grp_ + 32 hex digits, a digest of the group's sorted members, the same whatever
order the file lists them in) and `group_size`; fields present but unusable (a PNC id whose
check letter is wrong) are listed under `unusable`. With --explain, each line also carries its
group: members, the links that joined them (match weight in bits, probability, and every
field's agreement level and weight) and possible matches beside it with why they were not
grouped (below_group_threshold, conflicting_identifier: two PNC ids are two people). The
format is docs/linkage-output.schema.json. Explanations hold ids, weights and level names,
never names or dates. A summary (records, groups, links, timings) goes to stderr.

Weights: estimated from the file when it holds 1,000 records or more (u from random pairs, m
by expectation maximisation), the built-in weights otherwise; or a model saved earlier with
--model-out and given with --model. The thresholds are the gateway's [linkage] ones.

A bad line stops the run with FILE:LINE, what is wrong and what to do; nothing is written
then but what came before. Exit status 0 when every record was linked, 1 otherwise.

Examples:
  # Which of these records are one person? One line per record, with its group
  interop link --input records.jsonl --output groups.jsonl

  # And why: links, weights and possible matches for every group
  interop link --input records.jsonl --explain | jq 'select(.group_size > 1)'

  # The benchmark's synthetic population (scripts/linkage/generate.py, all invented)
  python3 scripts/linkage/generate.py --seed 1 --out /tmp/population
  interop link --input /tmp/population/records.jsonl --output /tmp/groups.jsonl

  # Estimate weights on a force's own test data once, then link with them (and in the
  # gateway: [linkage] model = \"model.json\")
  interop link --input all-records.jsonl --output /dev/null --model-out model.json
  interop link --input todays-records.jsonl --model model.json";

/// Arguments of `interop link`.
#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Person records, one JSON object per line (docs/linkage-input.schema.json).
    #[arg(long, value_name = "FILE.jsonl")]
    input: PathBuf,
    /// Where to write one result per record (default: standard output).
    #[arg(long, value_name = "FILE.jsonl")]
    output: Option<PathBuf>,
    /// Write each record's group with its links, weights and possible matches.
    #[arg(long)]
    explain: bool,
    /// Skip lines that are not people (vehicles, places…) instead of stopping at the first.
    #[arg(long)]
    skip_non_person: bool,
    /// Link probability at or above which records are grouped.
    #[arg(long, value_name = "P", default_value_t = 0.5)]
    group_threshold: f64,
    /// Link probability at or above which a link not grouped is shown as a possible match.
    #[arg(long, value_name = "P", default_value_t = 0.05)]
    possible_threshold: f64,
    /// Weigh with this model (JSON, as --model-out writes it) instead of estimating.
    #[arg(long, value_name = "FILE.json")]
    model: Option<PathBuf>,
    /// Save the model the run used (estimated or built in), to reuse with --model.
    #[arg(long, value_name = "FILE.json")]
    model_out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let weights = match &args.model {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the model {}", path.display()))?;
            let model: Model = serde_json::from_str(&text).with_context(|| {
                format!(
                    "{}: not a linkage model; write one with `interop link --model-out`",
                    path.display()
                )
            })?;
            WeightSource::Configured { model }
        }
        None => WeightSource::Auto,
    };
    let options = JsonlOptions {
        explain: args.explain,
        non_person: if args.skip_non_person {
            NonPersonLines::Skip
        } else {
            NonPersonLines::Error
        },
        config: LinkConfig {
            group_threshold: args.group_threshold,
            possible_threshold: args.possible_threshold,
            weights,
            ..LinkConfig::default()
        },
    };
    let report = link_files(&args.input, args.output.as_deref(), &options)?;
    if let Some(path) = &args.model_out {
        let input = interop_linkage::jsonl::read_records(
            std::io::BufReader::new(
                std::fs::File::open(&args.input)
                    .with_context(|| format!("cannot read {}", args.input.display()))?,
            ),
            &args.input.display().to_string(),
            options.non_person,
        )?;
        let linkage = interop_linkage::link(&input.records, &options.config)?;
        std::fs::write(path, serde_json::to_string_pretty(&linkage.model)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let s = &report.summary;
    eprintln!(
        "linked {} records into {} groups ({} links grouped, {} possible matches, {} candidate pairs; weights {}){}{}",
        s.records,
        s.groups,
        s.grouped_links,
        s.possible_matches,
        s.candidate_pairs,
        match &s.model {
            interop_linkage::ModelSource::Estimated { .. } => "estimated from the input",
            interop_linkage::ModelSource::BuiltIn => "built in",
            interop_linkage::ModelSource::Configured => "from --model",
        },
        if report.skipped_lines.is_empty() {
            String::new()
        } else {
            format!(
                "; skipped {} lines that are not people",
                report.skipped_lines.len()
            )
        },
        if s.skipped_blocks.is_empty() {
            String::new()
        } else {
            "; some blocks were too large to compare (placeholder values?)".to_string()
        },
    );
    Ok(ExitCode::SUCCESS)
}
