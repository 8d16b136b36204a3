//! The part of the gateway's configuration a live reload replaces whole: users, roles, the
//! `[oidc.claims]` mapping and the trust store. Plain data with no behaviour of its own beyond
//! reading it from a checked configuration, so the access checks (`access.rs`), the store's
//! verifier (`reload.rs`) and the reloader (`live.rs`) all build on it without importing each
//! other.

use std::collections::BTreeMap;
use std::path::PathBuf;

use interop_identity::ClaimsMapping;
use interop_sandbox::signing::{KeyId, TrustStore};

use super::config::{GatewayConfig, Revoked, Role, User};

/// The part of the configuration a reload replaces, whole.
pub(crate) struct AccessConfig {
    /// Users with static tokens.
    pub(crate) users: Vec<User>,
    /// Roles by name.
    pub(crate) roles: BTreeMap<String, Role>,
    /// The trust store, key files read and revocations applied.
    pub(crate) trust: TrustStore,
    /// `[trust] allow_unsigned`.
    pub(crate) allow_unsigned: bool,
    /// `[oidc.claims]`, when `[oidc]` is configured.
    pub(crate) claims: Option<ClaimsMapping>,
    /// 1 at start, one more with every accepted reload.
    pub(crate) generation: u64,
    /// The files it was read from.
    pub(crate) files: Vec<PathBuf>,
}

impl AccessConfig {
    /// The access configuration of a checked configuration, its key files read.
    pub(crate) fn of(config: &GatewayConfig, generation: u64) -> anyhow::Result<AccessConfig> {
        Ok(AccessConfig {
            users: config.users.clone(),
            roles: config.roles.clone(),
            trust: super::trust_store(config)?,
            allow_unsigned: config.trust.allow_unsigned,
            claims: config.oidc.as_ref().map(|o| o.claims.clone()),
            generation,
            files: watched_files(config),
        })
    }

    /// May a connector signed by `signer` (`None`: unsigned) run under this trust store?
    pub(crate) fn admits(&self, signer: Option<&KeyId>) -> Result<(), String> {
        match signer {
            None if self.allow_unsigned => Ok(()),
            None => Err("it is unsigned and [trust] allow_unsigned is no longer true".into()),
            Some(k) if self.trust.revoked().any(|r| r == k) => {
                Err(format!("its signing key {k} is revoked"))
            }
            Some(k) if !self.trust.trusted().any(|p| p.id() == *k) => {
                Err(format!("its signing key {k} is no longer trusted"))
            }
            Some(_) => Ok(()),
        }
    }
}

/// The configuration file and every key file it names.
fn watched_files(config: &GatewayConfig) -> Vec<PathBuf> {
    let mut files = vec![config.source.clone()];
    files.extend(config.trust.keys.iter().cloned());
    files.extend(config.trust.revoked.iter().filter_map(|r| match r {
        Revoked::File(p) => Some(p.clone()),
        Revoked::KeyId(_) => None,
    }));
    files
}
