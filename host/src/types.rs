//! The contract's data types (`interop:connector/types`), generated from `wit/since_v0.1.0/` and shared by
//! the host, the CLI and embedders. Field and variant docs are in `wit/since_v0.1.0/connector.wit`.

pub use crate::bindings::types::{
    CheckReport, Classification, ConfigKey, ConfigKind, ConnectorError, ConnectorInfo, Document,
    DocumentType, Drug, Email, Entity, EntityKind, EntityRef, Event, EventKind, Gender, Grading,
    Handling, HandlingCode, IntelligenceAssessment, Link, Location, NameAndBirth,
    ObservedEthnicity, Operation, Person, PoleObject, PoleRecord, PropertyItem, Receipt,
    RequestContext, SearchKey, SearchQuery, SearchResult, Source, SourceEvaluation, Submission,
    Telephone, TelephoneType, Vehicle, Weapon,
};
