//! Compile every connector the tests use to a wasm32-wasip2 component, once, and write a Rust
//! constant naming each file, so a test that names a missing component does not compile.
//!
//! The guests are built by a nested cargo with its own target directory: the outer cargo holds
//! the lock on the usual one while build scripts run.
//!
//! The Python and JavaScript example connectors are built too, with componentize-py and
//! ComponentizeJS at pinned versions, installed on first use into a Python venv and an npm
//! folder under that target directory (so `python3`, `node` and `npm` must be installed; the
//! package registries must be reachable the first time). Nothing is skipped: a missing tool
//! fails the build and says what to install.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;

/// componentize-py, pinned: its bindings and bundled CPython change between releases.
const COMPONENTIZE_PY: &str = "0.25.1";
/// ComponentizeJS, pinned, for the same reason (it bundles StarlingMonkey).
const COMPONENTIZE_JS: &str = "0.23.0";

/// A connector written in another language: (constant name, language, source folder under
/// `example-plugins/`, entry file in it, output file stem).
struct Foreign {
    name: &'static str,
    language: Language,
    folder: &'static str,
    entry: &'static str,
    stem: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Language {
    Python,
    JavaScript,
}

const FOREIGN: &[Foreign] = &[
    Foreign {
        name: "OSPREY_CUSTODY_PY",
        language: Language::Python,
        folder: "osprey-custody-py",
        entry: "app.py",
        stem: "osprey_custody_py",
    },
    Foreign {
        name: "OSPREY_INTEL_JS",
        language: Language::JavaScript,
        folder: "osprey-intel-js",
        entry: "app.js",
        stem: "osprey_intel_js",
    },
];

/// (constant name, package, file stem)
const COMPONENTS: &[(&str, &str, &str)] = &[
    (
        "KESTREL_RMS",
        "kestrel-rms-connector",
        "kestrel_rms_connector",
    ),
    (
        "HARRIER_ANPR",
        "harrier-anpr-connector",
        "harrier_anpr_connector",
    ),
    ("GUEST_COUNTER", "guest-counter", "guest_counter"),
    ("GUEST_MISBEHAVE", "guest-misbehave", "guest_misbehave"),
    (
        "GUEST_CONTRACT_NEXT",
        "guest-contract-next",
        "guest_contract_next",
    ),
    (
        "GUEST_LEGACY_V0_1",
        "guest-legacy-v0-1",
        "guest_legacy_v0_1",
    ),
    ("GUEST_LIAR", "guest-liar", "guest_liar"),
    ("GUEST_LIAR_KEYS", "guest-liar-keys", "guest_liar_keys"),
    ("GUEST_NO_CHECK", "guest-no-check", "guest_no_check"),
];

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir
        .parent()
        .and_then(Path::parent)
        .expect("tests/artifacts sits two levels below the workspace root")
        .to_path_buf();
    for watched in [
        "wit",
        "sdk",
        "example-plugins",
        "tests/guests",
        "Cargo.lock",
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_absolute() { d } else { root.join(d) })
        .unwrap_or_else(|| root.join("target"))
        .join("wasm-artifacts");

    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&root)
        .arg("build")
        .arg("--release")
        .arg("--locked")
        .arg("--target=wasm32-wasip2")
        .arg("--target-dir")
        .arg(&target_dir);
    for (_, package, _) in COMPONENTS {
        cmd.arg("-p").arg(package);
    }
    // Flags meant for the outer (native) build must not leak into the wasm one.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_MAKEFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .expect("could not run cargo to build the wasm test components");
    if !status.success() {
        panic!(
            "building the wasm components failed (see above). If it says the target is missing, run `rustup target add wasm32-wasip2`."
        );
    }

    let out_dir = target_dir.join("wasm32-wasip2").join("release");
    let mut code = String::new();
    for (name, package, stem) in COMPONENTS {
        let path = out_dir.join(format!("{stem}.wasm"));
        assert!(
            path.exists(),
            "{} was not produced by building {package}",
            path.display()
        );
        writeln!(code, "/// The `{package}` component.").expect("writing to a String");
        writeln!(
            code,
            "pub const {name}: &str = {:?};",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    let foreign_dir = target_dir.join("foreign");
    let built: Vec<(&Foreign, PathBuf)> = thread::scope(|scope| {
        let jobs: Vec<_> = FOREIGN
            .iter()
            .map(|f| {
                let (root, dir) = (&root, &foreign_dir);
                (f, scope.spawn(move || build_foreign(root, dir, f)))
            })
            .collect();
        jobs.into_iter()
            .map(|(f, job)| match job.join() {
                Ok(path) => (f, path),
                Err(_) => panic!("building the {} connector failed (see above)", f.folder),
            })
            .collect()
    });
    for (f, path) in built {
        writeln!(
            code,
            "/// The `{}` connector ({}).",
            f.folder,
            match f.language {
                Language::Python => "Python, componentize-py",
                Language::JavaScript => "JavaScript, ComponentizeJS",
            }
        )
        .expect("writing to a String");
        writeln!(
            code,
            "pub const {}: &str = {:?};",
            f.name,
            path.display().to_string()
        )
        .expect("writing to a String");
    }

    // The tools themselves, for tests that build other projects (what `interop new` writes).
    let tools = foreign_dir.join("tools");
    for (name, what, path) in [
        (
            "COMPONENTIZE_PY_TOOL",
            "componentize-py",
            componentize_py(&tools),
        ),
        (
            "COMPONENTIZE_JS_TOOL",
            "ComponentizeJS's CLI",
            componentize_js(&tools),
        ),
    ] {
        writeln!(
            code,
            "/// {what}, as installed for the builds above.\npub const {name}: &str = {:?};",
            path.display().to_string()
        )
        .expect("writing to a String");
    }

    let generated = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("components.rs");
    std::fs::write(&generated, code).expect("writing components.rs");
}

/// Runs `cmd`, panicking with `what` and the command line if it cannot start or fails.
fn run(cmd: &mut Command, what: &str) {
    let line = format!("{cmd:?}");
    match cmd.status() {
        Ok(status) if status.success() => {}
        Ok(status) => panic!("{what} failed ({status}): {line}"),
        Err(e) => panic!("{what}: could not run {line}: {e}"),
    }
}

/// Fails the build with an installation hint unless `program --version` runs.
fn require_tool(program: &str, hint: &str) {
    let ok = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "`{program}` is needed to build the Python and JavaScript example connectors but was not found or does not run. {hint}"
    );
}

/// componentize-py in a venv under `tools`, installed on first use.
fn componentize_py(tools: &Path) -> PathBuf {
    require_tool(
        "python3",
        "Install Python 3.10 or later with its venv module (e.g. `apt-get install python3 python3-venv`).",
    );
    let venv = tools.join(format!("componentize-py-{COMPONENTIZE_PY}"));
    let exe = venv.join("bin").join("componentize-py");
    if !exe.exists() {
        let _ = std::fs::remove_dir_all(&venv);
        run(
            Command::new("python3").arg("-m").arg("venv").arg(&venv),
            "creating a Python venv for componentize-py (is python3-venv installed?)",
        );
        run(
            Command::new(venv.join("bin").join("pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .arg(format!("componentize-py=={COMPONENTIZE_PY}")),
            "installing componentize-py from PyPI",
        );
    }
    exe
}

/// ComponentizeJS in an npm folder under `tools`, installed on first use.
fn componentize_js(tools: &Path) -> PathBuf {
    require_tool(
        "node",
        "Install Node.js 20 or later (e.g. `apt-get install nodejs npm`).",
    );
    require_tool("npm", "Install npm (e.g. `apt-get install npm`).");
    let dir = tools.join(format!("componentize-js-{COMPONENTIZE_JS}"));
    let exe = dir
        .join("node_modules")
        .join(".bin")
        .join("componentize-js");
    if !exe.exists() {
        std::fs::create_dir_all(&dir).expect("creating the ComponentizeJS folder");
        std::fs::write(
            dir.join("package.json"),
            "{\"name\":\"interop-componentize-js\",\"private\":true}\n",
        )
        .expect("writing package.json");
        run(
            Command::new("npm")
                .current_dir(&dir)
                .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
                .arg(format!(
                    "@bytecodealliance/componentize-js@{COMPONENTIZE_JS}"
                )),
            "installing ComponentizeJS from npm",
        );
    }
    exe
}

/// 64-bit FNV-1a: a stable fingerprint of the inputs, so an unchanged connector is not rebuilt
/// (each build takes a minute).
fn fingerprint(parts: &[(String, Vec<u8>)]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, bytes) in parts {
        for b in name
            .bytes()
            .chain([0])
            .chain(bytes.iter().copied())
            .chain([0])
        {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// Every file under `dir` (sorted, recursively), skipping caches, as (relative path, bytes).
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).unwrap_or_else(|e| panic!("reading {}: {e}", d.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if matches!(
                name.as_deref(),
                Some("__pycache__" | "node_modules" | "test" | "tests")
            ) {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                out.push((rel, bytes));
            }
        }
    }
    out.sort();
    out
}

/// Copies `files` (from [`files_under`]) into `to`.
fn copy_files(files: &[(String, Vec<u8>)], to: &Path) {
    for (rel, bytes) in files {
        let path = to.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("creating a staging folder");
        }
        std::fs::write(&path, bytes).expect("staging a source file");
    }
}

/// Builds one Python or JavaScript connector into `out_dir`, unless its inputs are unchanged.
///
/// The connector and its language's helper library (`sdk/python/interop_connector`,
/// `sdk/js` as `interop-connector/`) are copied into a staging folder first: ComponentizeJS
/// only reads files below the entry's folder, and componentize-py writes `__pycache__` beside
/// the sources.
fn build_foreign(root: &Path, out_dir: &Path, f: &Foreign) -> PathBuf {
    let tools = out_dir.join("tools");
    let (sdk_dir, sdk_name, tool_version) = match f.language {
        Language::Python => (
            root.join("sdk/python/interop_connector"),
            "interop_connector",
            COMPONENTIZE_PY,
        ),
        Language::JavaScript => (root.join("sdk/js"), "interop-connector", COMPONENTIZE_JS),
    };
    let wit = root.join("wit/since_v0.2.0");
    let app = files_under(&root.join("example-plugins").join(f.folder));
    let sdk = files_under(&sdk_dir);
    let mut inputs = vec![("tool".to_string(), tool_version.as_bytes().to_vec())];
    inputs.extend(app.iter().cloned());
    inputs.extend(
        sdk.iter()
            .map(|(p, b)| (format!("{sdk_name}/{p}"), b.clone())),
    );
    inputs.extend(
        files_under(&wit)
            .into_iter()
            .map(|(p, b)| (format!("wit/{p}"), b)),
    );
    let stamp = fingerprint(&inputs);

    let output = out_dir.join(format!("{}.wasm", f.stem));
    let stamp_file = out_dir.join(format!("{}.inputs", f.stem));
    if output.exists() && std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(&stamp) {
        return output;
    }
    let stage = out_dir.join(format!("stage-{}", f.stem));
    let _ = std::fs::remove_dir_all(&stage);
    copy_files(&app, &stage);
    copy_files(&sdk, &stage.join(sdk_name));
    let _ = std::fs::remove_file(&output);
    match f.language {
        Language::Python => {
            let tool = componentize_py(&tools);
            run(
                Command::new(tool)
                    .current_dir(&stage)
                    .arg("-d")
                    .arg(&wit)
                    .args(["-w", "connector-world", "componentize"])
                    .arg(f.entry.trim_end_matches(".py"))
                    .arg("-p")
                    .arg(&stage)
                    .arg("-o")
                    .arg(&output),
                &format!("componentize-py building {}", f.folder),
            );
        }
        Language::JavaScript => {
            let tool = componentize_js(&tools);
            run(
                Command::new(tool)
                    .current_dir(&stage)
                    .arg(stage.join(f.entry))
                    .arg("--wit")
                    .arg(&wit)
                    .args(["--world-name", "connector-world"])
                    // No incoming-handler export; `http` stays, so `fetch` uses wasi:http.
                    .args(["--disable", "fetch-event"])
                    .arg("-o")
                    .arg(&output),
                &format!("ComponentizeJS building {}", f.folder),
            );
        }
    }
    assert!(output.exists(), "{} was not produced", output.display());
    std::fs::write(&stamp_file, stamp).expect("writing the inputs stamp");
    output
}
