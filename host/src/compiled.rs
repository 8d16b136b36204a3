//! Components compiled once per user: every command that loads a component reads it through
//! here, from the user's cache of compiled components (`interop_sandbox::artifacts`), so a
//! second `interop call` of a Python connector does not compile it again.

use std::path::Path;

use anyhow::Context as _;
use interop_sandbox::Host;
use interop_sandbox::artifacts::ArtifactCache;
use wasmtime::component::Component;

/// A component file, read and compiled.
pub struct Compiled {
    /// Its path, as messages name it.
    pub name: String,
    /// Its bytes, signature and all.
    pub bytes: Vec<u8>,
    /// Its native code, ready to load.
    pub component: Component,
}

/// Read `path` and compile it, from this user's cache when it has it; without a usable cache
/// (no home directory, or one others may write), compile it and say why it was not kept.
///
/// # Errors
/// When the file cannot be read or is not a component of a contract this host speaks.
pub async fn compiled(host: &Host, path: &Path) -> anyhow::Result<Compiled> {
    let bytes = tokio::fs::read(path)
        .await
        .with_context(|| format!("cannot read {}", path.display()))?;
    let name = path.display().to_string();
    let component = match ArtifactCache::for_user() {
        Ok(cache) => cache.compile(host, &name, &bytes).await?,
        Err(e) => {
            tracing::warn!("{e}; compiling without keeping a copy");
            host.admit(&name, &bytes)?;
            host.compile(&name, &bytes).await?
        }
    };
    Ok(Compiled {
        name,
        bytes,
        component,
    })
}
