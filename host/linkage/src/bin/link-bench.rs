//! `link-bench --input records.jsonl [--output groups.jsonl] [--explain] [--model-out model.json]
//! [--model model.json] [--skip-non-person]`: the linker on a JSONL file, without the rest of
//! interop, for
//! `scripts/bench-linkage.sh`. Prints the run's summary (counts, model source, timings) as one
//! JSON line on standard error.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use interop_linkage::jsonl::{JsonlOptions, NonPersonLines, link_jsonl, read_records};
use interop_linkage::{WeightSource, link};

const USAGE: &str = "usage: link-bench --input FILE [--output FILE] [--explain] [--model-out FILE] [--model FILE] [--skip-non-person]";

struct Args {
    input: PathBuf,
    output: Option<PathBuf>,
    model_out: Option<PathBuf>,
    options: JsonlOptions,
}

fn parse_args() -> Result<Args, String> {
    let mut input = None;
    let mut output = None;
    let mut model_out = None;
    let mut options = JsonlOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--input" => input = args.next().map(PathBuf::from),
            "--output" => output = args.next().map(PathBuf::from),
            "--model-out" => model_out = args.next().map(PathBuf::from),
            "--model" => {
                let path = args
                    .next()
                    .ok_or_else(|| format!("--model needs a file\n{USAGE}"))?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                let model = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
                options.config.weights = WeightSource::Configured { model };
            }
            "--explain" => options.explain = true,
            "--skip-non-person" => options.non_person = NonPersonLines::Skip,
            "--help" | "-h" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(Args {
        input: input.ok_or_else(|| format!("--input is required\n{USAGE}"))?,
        output,
        model_out,
        options,
    })
}

fn run(args: &Args) -> Result<(), String> {
    let started = Instant::now();
    let open = |p: &PathBuf| {
        std::fs::File::open(p)
            .map(std::io::BufReader::new)
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let input_name = args.input.display().to_string();
    let report = match &args.output {
        Some(path) => {
            let file =
                std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut writer = std::io::BufWriter::new(file);
            link_jsonl(
                open(&args.input)?,
                &input_name,
                &mut writer,
                &path.display().to_string(),
                &args.options,
            )
        }
        None => {
            let stdout = std::io::stdout();
            let mut writer = std::io::BufWriter::new(stdout.lock());
            link_jsonl(
                open(&args.input)?,
                &input_name,
                &mut writer,
                "-",
                &args.options,
            )
        }
    }
    .map_err(|e| e.to_string())?;
    if let Some(path) = &args.model_out {
        // The model is not part of the JSONL report; link again is wasteful, so re-read and
        // link only when asked for it.
        let input = read_records(open(&args.input)?, &input_name, args.options.non_person)
            .map_err(|e| e.to_string())?;
        let linkage = link(&input.records, &args.options.config).map_err(|e| e.to_string())?;
        let text = serde_json::to_string_pretty(&linkage.model).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let summary = serde_json::json!({
        "summary": report.summary,
        "skipped_lines": report.skipped_lines.len(),
        "wall_seconds": started.elapsed().as_secs_f64(),
    });
    eprintln!("{summary}");
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(|args| run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("link-bench: {message}");
            ExitCode::FAILURE
        }
    }
}
