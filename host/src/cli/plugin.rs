//! `interop plugin`: the plugin store a gateway runs, changed while it runs.

use std::path::PathBuf;
use std::process::ExitCode;

use interop_gateway::config::GatewayConfig;
use interop_gateway::store::{PluginStore, Store, Version, short};
use interop_sandbox::Host;

const AFTER_HELP: &str = "\
The store is the [store] dir of the gateway's configuration, or, with [storage] backend =
\"postgres\" or --database URL, the one store in PostgreSQL that every replica runs (a change
there is heard by all of them at once); the configuration's [trust] section decides which
signatures are accepted. Installing verifies the component's signature before anything is
compiled, compiles it once, loads it under its policy, and only then writes the store. A
running `interop serve` picks every change up within [store] poll_ms, without a restart and
without failing calls in flight; each change is recorded with who made it (--actor, else the
login name) in the store's change log and in the gateway's audit log.

The connector's secrets (env and file, in its policy) are read by the gateway that runs it,
when it loads it, never by this command: the installing shell needs neither the variable nor
the file. install, upgrade and rollback then wait (up to --timeout) for every gateway running
on this store to report that it loaded the new version (each writes STORE/gateways/ID.json, or
its row of plugin_loads in PostgreSQL, where a replica counts as running while its database
connection is open), and fail with the gateway's own reason if one did not: an environment
variable it lacks, a secret file it cannot read. With no gateway running on the store they
say so: the version is installed, and a gateway loads it when it starts.

Examples:
  interop plugin --config gateway.toml install kestrel_rms_connector.wasm --policy kestrel-rms.toml
  interop plugin --config gateway.toml list
  interop plugin --config gateway.toml upgrade kestrel-rms kestrel_rms_connector-0.2.0.wasm
  interop plugin --config gateway.toml rollback kestrel-rms
  interop plugin --config gateway.toml remove kestrel-rms
  interop plugin --config gateway.toml history
  interop plugin --database 'postgres://interop@db.example.invalid/interop?sslmode=verify-full&sslrootcert=/etc/interop/db-ca.pem' list";

/// Arguments of `interop plugin`.
#[derive(clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The gateway's configuration file: its [store], [storage] and [trust] sections
    /// (install and upgrade need it for [trust]).
    #[arg(long, value_name = "FILE", required_unless_present = "database")]
    config: Option<PathBuf>,
    /// The plugin store the replicas share in PostgreSQL, instead of the configuration's:
    /// postgres://user[:password]@host[:port]/db?sslmode=verify-full&sslrootcert=CA.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// Who is making the change, as the audit records it (default: the login name).
    #[arg(long, global = true)]
    actor: Option<String>,
    /// How long install, upgrade and rollback wait for the running gateways to load the new
    /// version (0: do not wait).
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Verify, compile and install a connector under a policy.
    Install {
        /// The signed component.
        component: PathBuf,
        /// The policy it runs under.
        #[arg(long, value_name = "FILE")]
        policy: PathBuf,
    },
    /// Show what is installed: current and previous versions, signers, policies.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Replace a connector with a new build; the one it replaces is kept for a rollback.
    Upgrade {
        /// The connector id.
        id: String,
        /// The new signed component.
        component: PathBuf,
        /// A new policy (default: keep the current one).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// The key id (16 hex digits, as `interop verify` prints it) of a new signer: a
        /// connector id belongs to the key that signed it first, and an upgrade signed by
        /// another key is refused unless you name that key here. The change is recorded.
        #[arg(long, value_name = "KEYID")]
        new_signer: Option<String>,
    },
    /// Go back to the previous version (a second rollback undoes the first).
    Rollback {
        /// The connector id.
        id: String,
    },
    /// Stop running a connector and delete it from the store.
    Remove {
        /// The connector id.
        id: String,
    },
    /// Every change to the store, oldest first, with the hash chain checked.
    History,
}

pub(super) fn actor(given: Option<String>) -> String {
    given
        .or_else(|| std::env::var("SUDO_USER").ok())
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn line(id: &str, v: &Version) -> String {
    format!(
        "{id} {} component {} policy {} {} installed {}",
        v.version,
        short(&v.component_sha256),
        short(&v.policy_sha256),
        v.signer
            .as_deref()
            .map_or_else(|| "UNSIGNED".to_string(), |k| format!("signed by {k}")),
        v.installed_at
    )
}

/// Wait for the gateways running on `store` to load `v` of `id`, and say what they did.
async fn await_gateways(
    store: &dyn PluginStore,
    id: &str,
    v: &Version,
    timeout: u64,
    undo: &str,
    config: &str,
) -> ExitCode {
    use interop_gateway::store::report::{Outcome, wait_for};
    if timeout == 0 {
        println!("not waiting for a gateway to load it (--timeout 0)");
        return ExitCode::SUCCESS;
    }
    let generation = match store.generation().await {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = wait_for(
        store,
        generation,
        id,
        &v.component_sha256,
        std::time::Duration::from_secs(timeout),
    )
    .await;
    let clean = |s: &str| interop_sandbox::text::neutralise(s, 2000);
    match outcome {
        Outcome::NoGateway => {
            println!(
                "not yet loaded by any gateway: none is running on {} (a gateway loads it when it starts, reading its secrets then)",
                store.describe()
            );
            ExitCode::SUCCESS
        }
        Outcome::Loaded(gateways) => {
            println!(
                "loaded by gateway {}",
                gateways
                    .iter()
                    .map(|g| clean(g))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            ExitCode::SUCCESS
        }
        Outcome::Failed { loaded, failed } => {
            for (gateway, reason) in &failed {
                eprintln!(
                    "error: gateway {} did not load {id} {}: {}",
                    clean(gateway),
                    v.version,
                    clean(reason)
                );
            }
            if !loaded.is_empty() {
                eprintln!(
                    "(loaded by gateway {})",
                    loaded
                        .iter()
                        .map(|g| clean(g))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            eprintln!(
                "the store holds this version, but it does not run there: fix what the gateway says (its environment, a secret file it must read) and install the connector's next version, or undo it: `interop plugin {config} {undo} {id}`"
            );
            ExitCode::FAILURE
        }
        Outcome::TimedOut(gateways) => {
            eprintln!(
                "error: gateway {} did not report loading {id} {} within {timeout} s (is its [store] poll_ms longer, or is it stuck?); see its log",
                gateways
                    .iter()
                    .map(|g| clean(g))
                    .collect::<Vec<_>>()
                    .join(", "),
                v.version
            );
            ExitCode::FAILURE
        }
    }
}

/// The store the arguments name: `--database`, else the configuration's `[storage]` and
/// `[store]`.
async fn open_store(
    args: &Args,
    config: Option<&GatewayConfig>,
) -> anyhow::Result<Box<dyn PluginStore>> {
    use interop_gateway::config::Storage;
    let pg = match (&args.database, config.map(|c| &c.storage)) {
        (Some(url), _) => Some(interop_audit::PgConfig {
            url: url.clone(),
            ca_file: None,
        }),
        (None, Some(Storage::Postgres { url, ca_file })) => Some(interop_audit::PgConfig {
            url: url.clone(),
            ca_file: ca_file.clone(),
        }),
        (None, _) => None,
    };
    if let Some(pg) = pg {
        return Ok(Box::new(
            interop_gateway::store::postgres::PgStore::open(pg, None).await?,
        ));
    }
    let (Some(config), Some(path)) = (config, &args.config) else {
        anyhow::bail!("give --config FILE or --database URL");
    };
    let Some(store_config) = &config.store else {
        anyhow::bail!(
            "{} has no [store] section: add [store] dir = \"plugins\" (a directory only the gateway's account may write)",
            path.display()
        );
    };
    Ok(Box::new(Store::open(&store_config.dir)?))
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = args
        .config
        .as_deref()
        .map(GatewayConfig::from_file)
        .transpose()?;
    let store = open_store(&args, config.as_ref()).await?;
    let store = store.as_ref();
    // How the undo is spelt in messages: the same way the store was named.
    let named = match (&args.database, &args.config) {
        (Some(_), _) => "--database URL".to_string(),
        (None, Some(c)) => format!("--config {}", c.display()),
        (None, None) => String::new(),
    };
    let trusted = || {
        config.as_ref().ok_or_else(|| {
            anyhow::anyhow!(
                "install and upgrade verify the component against the [trust] section of the gateway's configuration: give --config FILE too"
            )
        })
    };
    let actor = actor(args.actor);
    match args.command {
        Command::Install { component, policy } => {
            let config = trusted()?;
            let host = Host::new()?.protecting(config.protected_paths());
            let verifier = interop_gateway::verifier(config)?;
            let (id, v) = store
                .install(&host, verifier.as_ref(), &component, &policy, &actor)
                .await?;
            println!("installed {}", line(&id, &v));
            return Ok(await_gateways(store, &id, &v, args.timeout, "remove", &named).await);
        }
        Command::Upgrade {
            id,
            component,
            policy,
            new_signer,
        } => {
            let config = trusted()?;
            let host = Host::new()?.protecting(config.protected_paths());
            let verifier = interop_gateway::verifier(config)?;
            let v = store
                .upgrade(
                    &host,
                    verifier.as_ref(),
                    &id,
                    &component,
                    interop_gateway::store::Upgrade {
                        policy: policy.as_deref(),
                        new_signer: new_signer.as_deref(),
                    },
                    &actor,
                )
                .await?;
            println!("upgraded {}", line(&id, &v));
            return Ok(await_gateways(store, &id, &v, args.timeout, "rollback", &named).await);
        }
        Command::Rollback { id } => {
            let v = store.rollback(&id, &actor).await?;
            println!("rolled back to {}", line(&id, &v));
            return Ok(await_gateways(store, &id, &v, args.timeout, "rollback", &named).await);
        }
        Command::Remove { id } => {
            let slot = store.remove(&id, &actor).await?;
            println!("removed {}", line(&id, &slot.current));
        }
        Command::List { json } => {
            let index = store.index().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&index)?);
            } else if index.plugins.is_empty() {
                println!("no connectors installed in {}", store.describe());
            } else {
                for (id, slot) in &index.plugins {
                    println!("{}", line(id, &slot.current));
                    if let Some(p) = &slot.previous {
                        println!("  previous: {}", line(id, p));
                    }
                }
            }
        }
        Command::History => {
            for c in store.changes().await? {
                let what =
                    c.to.as_ref()
                        .or(c.from.as_ref())
                        .map(|v| format!("{} {}", v.version, short(&v.component_sha256)))
                        .unwrap_or_default();
                println!(
                    "{} #{} {} {} {} by {}",
                    c.time, c.generation, c.action, c.id, what, c.actor
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
