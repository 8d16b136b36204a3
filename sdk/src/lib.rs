//! The guest SDK for `interop:connector` components: police-data connectors that run sandboxed
//! in the interop host and speak the POLE data model.
//!
//! A vendor writes one type implementing [`Connector`], maps their system's records to
//! [`PoleRecord`]s with the builders in this crate, and exports it with
//! [`export_connector!`]. Build it with `cargo build --target wasm32-wasip2` as a `cdylib`.
//!
//! | module | what it gives a connector |
//! |---|---|
//! | [`types`] (also re-exported at the root) | the contract's data types, with builders |
//! | [`config`] | the configuration the force granted |
//! | [`log`] | log lines to the host |
//! | [`http`] | a blocking HTTP client to the vendor system |
//! | [`validate`] | POLE format checks and normalisers (VRM, dates, postcodes, telephones) |
//! | [`roles`] | SDM link reasons |
//! | [`time`] | RFC 3339 timestamps |
//!
//! # Example
//!
//! A whole connector for a fictional "Acme RMS" that searches people by surname:
//!
//! ```
//! use interop_sdk::http::{self, Request};
//! use interop_sdk::prelude::*;
//!
//! struct AcmeRms;
//!
//! #[derive(serde::Deserialize)]
//! struct AcmePerson {
//!     id: String,
//!     surname: String,
//!     forename: Option<String>,
//!     dob: Option<String>, // DD/MM/YYYY
//! }
//!
//! fn to_record(p: AcmePerson) -> PoleRecord {
//!     let mut person = Person::new(p.surname);
//!     if let Some(forename) = p.forename {
//!         person = person.given_name(forename);
//!     }
//!     if let Some(dob) = p.dob.as_deref().and_then(validate::dmy_to_iso) {
//!         person = person.born(dob);
//!     }
//!     let force = config::get_or("force", "Exampleshire Constabulary");
//!     PoleRecord::new(Source::new(force, "Acme RMS", p.id), Handling::official(), person)
//! }
//!
//! impl Connector for AcmeRms {
//!     fn describe() -> ConnectorInfo {
//!         ConnectorInfo::new("acme-rms", "Acme RMS", "Acme Ltd", "1.0.0")
//!             .description("People held in Acme RMS")
//!             .entity_kinds([EntityKind::Person])
//!             .operations([Operation::Search])
//!             .config(ConfigKey::endpoint("base_url", "Acme API root")
//!                 .example("https://acme.example.invalid"))
//!             .config(ConfigKey::secret("api_key", "Acme API key"))
//!             .config(ConfigKey::text("force", "Owning force").optional())
//!     }
//!
//!     fn search(ctx: &RequestContext, query: SearchQuery) -> Result<SearchResult, ConnectorError> {
//!         let surname = query.keys.iter().find_map(|k| match k {
//!             SearchKey::Name(n) => Some(n.surname.clone()),
//!             _ => None,
//!         });
//!         let Some(surname) = surname else {
//!             return Err(ConnectorError::InvalidInput("Acme searches by surname".into()));
//!         };
//!         let base = config::require("base_url")?;
//!         let people: Vec<AcmePerson> = Request::get(http::join(&base, "people"))
//!             .header("X-Api-Key", config::require("api_key")?)
//!             .header("X-Correlation-Id", ctx.correlation_id.as_str())
//!             .query("surname", &surname)
//!             .query("limit", &query.limit.to_string())
//!             .send()?
//!             .error_for_status()?
//!             .json()?;
//!         log::info(format!("{} people found", people.len()));
//!         let records = people.into_iter().take(query.limit as usize).map(to_record).collect();
//!         Ok(SearchResult::complete(records))
//!     }
//! }
//!
//! interop_sdk::export_connector!(AcmeRms);
//! ```
//!
//! Operations a connector does not override answer `invalid-input` ("not supported"), so a
//! read-only connector never writes `submit`.
//!
//! The crate also builds natively (the `wasi:http`, log and config imports then panic if
//! called), so mapping code can be unit-tested with plain `cargo test`.

#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod config;
pub mod http;
pub mod log;
mod pole;
pub mod time;
/// POLE format checks and normalisers (VRM, dates, postcodes, telephones, PNC ids, …): the
/// [`interop_pole`] crate, which the host's conformance kit checks records with too.
pub mod validate {
    pub use interop_pole::*;
}

/// The generated bindings. Not part of the SDK's API: use the re-exports.
#[doc(hidden)]
#[allow(missing_docs, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "connector-world",
        pub_export_macro: true,
        export_macro_name: "__export_connector_raw",
        default_bindings_module: "::interop_sdk::bindings",
        generate_all,
    });
}

/// The version of the `interop:connector` WIT contract this SDK was built against.
pub const CONTRACT_VERSION: &str = "0.2.0";

/// This SDK's version.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The contract's data types: POLE entities, handling, provenance and the call records.
///
/// They are the generated WIT types, with builder methods added by this crate (for example
/// [`Person::new`], [`Handling::official`], [`PoleRecord::link_to`]).
pub mod types {
    pub use crate::bindings::interop::connector::types::{
        CheckReport, Classification, ConfigKey, ConfigKind, ConnectorError, ConnectorInfo,
        Document, DocumentType, Drug, Email, Entity, EntityKind, EntityRef, Event, EventKind,
        Gender, Grading, Handling, HandlingCode, IntelligenceAssessment, Link, LinkedEntity,
        Location, NameAndBirth, ObservedEthnicity, Operation, Organisation, Person, PoleObject,
        PoleRecord, PropertyItem, Receipt, RequestContext, SearchKey, SearchQuery, SearchResult,
        Source, SourceEvaluation, Submission, Telephone, TelephoneType, Vehicle, Weapon,
    };
}

pub use types::*;

/// Link roles: the iHub Standard Data Model `linkReason` values connectors use most.
pub mod roles {
    /// person → location: where the person lives.
    pub const HOME_ADDRESS: &str = "homeAddress";
    /// person → location: the current address.
    pub const CURRENT_ADDRESS: &str = "currentAddress";
    /// organisation → location: where the organisation does business.
    pub const BUSINESS_ADDRESS: &str = "businessAddress";
    /// person → telephone: their own telephone.
    pub const PERSONAL_TELEPHONE: &str = "personalTelephone";
    /// person → object: the person owns (or is the registered keeper of) the object.
    pub const OWNERSHIP_OF: &str = "ownershipOf";
    /// person → vehicle: the person drove it.
    pub const DRIVER_OF: &str = "driverOf";
    /// incident → person: a known suspect.
    pub const KNOWN_SUSPECT: &str = "knownSuspect";
    /// incident → person: an unknown suspect.
    pub const UNKNOWN_SUSPECT: &str = "unknownSuspect";
    /// incident → person: a victim.
    pub const VICTIM: &str = "victim";
    /// incident → person: a witness.
    pub const WITNESS: &str = "witness";
    /// incident → person: who reported it.
    pub const PERSON_REPORTING: &str = "personReporting";
    /// incident → location: where it happened.
    pub const INCIDENT_LOCATION: &str = "incidentLocation";
    /// incident → object: stolen in it.
    pub const STOLEN: &str = "stolen";
    /// sighting (e.g. an ANPR read) → location: where the object was seen. Not an SDM value;
    /// the SDM has no sighting event.
    pub const SIGHTING_LOCATION: &str = "sightingLocation";
    /// sighting (e.g. an ANPR read) → object: what was seen. Not an SDM value.
    pub const SIGHTING_OF: &str = "sightingOf";
}

/// One `use` for connector code: the trait, the types and the modules.
pub mod prelude {
    pub use crate::types::*;
    pub use crate::{Connector, config, log, roles, validate};
}

/// A connector: implement this for one type and export it with [`export_connector!`].
///
/// Each call runs in a fresh instance, so there is no state to keep between calls, and the
/// functions take no `self`. Only [`Connector::describe`] is required; the data operations a
/// connector leaves out answer `invalid-input` ("not supported by this connector"). List the
/// ones it does implement in [`ConnectorInfo::operations`].
pub trait Connector {
    /// Static facts about the connector; asked before any user is, so it takes no context
    /// and must not call the vendor.
    fn describe() -> ConnectorInfo;

    /// Can the connector reach its system with the configuration it was granted?
    ///
    /// # Errors
    ///
    /// Any [`ConnectorError`]; `unavailable` when the vendor cannot be reached.
    fn check(ctx: &RequestContext) -> Result<CheckReport, ConnectorError> {
        let _ = ctx;
        Err(unsupported("check"))
    }

    /// Finds records. Never return more than `query.limit` records; set `next-cursor` when
    /// more match. (The SDK drops any records past the limit as a last resort.)
    ///
    /// # Errors
    ///
    /// Any [`ConnectorError`]; `invalid-input` for a query the vendor cannot answer.
    fn search(ctx: &RequestContext, query: SearchQuery) -> Result<SearchResult, ConnectorError> {
        let _ = (ctx, query);
        Err(unsupported("search"))
    }

    /// Reads one record by its kind and the vendor's id (`source.local-id`).
    ///
    /// # Errors
    ///
    /// Any [`ConnectorError`]; `not-found` when no such record exists.
    fn fetch(
        ctx: &RequestContext,
        kind: EntityKind,
        local_id: &str,
    ) -> Result<PoleRecord, ConnectorError> {
        let _ = (ctx, kind, local_id);
        Err(unsupported("fetch"))
    }

    /// Creates or updates one entity. Pass `ctx.idempotency_key` on to the vendor so a retry
    /// creates nothing twice.
    ///
    /// # Errors
    ///
    /// Any [`ConnectorError`].
    fn submit(ctx: &RequestContext, item: Submission) -> Result<Receipt, ConnectorError> {
        let _ = (ctx, item);
        Err(unsupported("submit"))
    }
}

fn unsupported(operation: &str) -> ConnectorError {
    ConnectorError::InvalidInput(format!(
        "operation `{operation}` not supported by this connector"
    ))
}

/// Exports a [`Connector`] as the component's `interop:connector/connector` implementation.
/// Use it once, at the root of the connector's `cdylib` crate:
///
/// ```
/// struct Minimal;
///
/// impl interop_sdk::Connector for Minimal {
///     fn describe() -> interop_sdk::ConnectorInfo {
///         interop_sdk::ConnectorInfo::new("minimal", "Minimal", "Example Ltd", "0.1.0")
///     }
/// }
///
/// interop_sdk::export_connector!(Minimal);
/// ```
///
/// In a wasm build it also stamps the contract and SDK versions into the core module as the
/// custom sections `interop:contract-version` and `interop:sdk-version` (UTF-8 text), so a host
/// can check them before compiling the component: the host refuses a component whose stamp
/// names a contract it does not speak, or disagrees with the exported interface's version.
#[macro_export]
macro_rules! export_connector {
    ($connector:ty) => {
        const _: () = {
            type __InteropSdkExport = $crate::__private::Export<$connector>;
            $crate::__private::bindings::__export_connector_raw!(
                __InteropSdkExport with_types_in $crate::__private::bindings
            );

            #[cfg(target_arch = "wasm32")]
            #[unsafe(link_section = "interop:contract-version")]
            #[used]
            static CONTRACT_VERSION: [u8; $crate::__private::CONTRACT_VERSION_BYTES.len()] =
                $crate::__private::CONTRACT_VERSION_BYTES;

            #[cfg(target_arch = "wasm32")]
            #[unsafe(link_section = "interop:sdk-version")]
            #[used]
            static SDK_VERSION: [u8; $crate::__private::SDK_VERSION_BYTES.len()] =
                $crate::__private::SDK_VERSION_BYTES;
        };
    };
}

/// What [`export_connector!`] expands to needs; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::bindings;
    use crate::bindings::exports::interop::connector::connector::Guest;
    use crate::types::*;
    use crate::{CONTRACT_VERSION, Connector, SDK_VERSION};

    const fn bytes<const N: usize>(s: &str) -> [u8; N] {
        let mut out = [0u8; N];
        let b = s.as_bytes();
        let mut i = 0;
        while i < N {
            out[i] = b[i];
            i += 1;
        }
        out
    }

    pub const CONTRACT_VERSION_BYTES: [u8; CONTRACT_VERSION.len()] = bytes(CONTRACT_VERSION);
    pub const SDK_VERSION_BYTES: [u8; SDK_VERSION.len()] = bytes(SDK_VERSION);

    /// Adapts a [`Connector`] to the generated `Guest` trait.
    pub struct Export<T>(core::marker::PhantomData<T>);

    impl<T: Connector + 'static> Guest for Export<T> {
        fn describe() -> ConnectorInfo {
            T::describe()
        }

        fn check(ctx: RequestContext) -> Result<CheckReport, ConnectorError> {
            T::check(&ctx)
        }

        fn search(ctx: RequestContext, query: SearchQuery) -> Result<SearchResult, ConnectorError> {
            let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
            let mut result = T::search(&ctx, query)?;
            if result.records.len() > limit {
                crate::log::warn(format!(
                    "connector returned {} records for a limit of {limit}; extra records dropped",
                    result.records.len()
                ));
                result.records.truncate(limit);
            }
            Ok(result)
        }

        fn fetch(
            ctx: RequestContext,
            kind: EntityKind,
            local_id: String,
        ) -> Result<PoleRecord, ConnectorError> {
            T::fetch(&ctx, kind, &local_id)
        }

        fn submit(ctx: RequestContext, item: Submission) -> Result<Receipt, ConnectorError> {
            T::submit(&ctx, item)
        }
    }
}
