//! One call into a connector and its answer, in the host's own types: what the sandbox asks
//! whichever contract version a connector speaks.

use interop_model::{
    CheckReport, ConnectorError, ConnectorInfo, EntityKind, PoleRecord, Receipt, RequestContext,
    SearchQuery, SearchResult, Submission,
};

/// One call into the guest, borrowing its arguments.
pub(crate) enum Request<'c> {
    Describe,
    Check(&'c RequestContext),
    Search(&'c RequestContext, &'c SearchQuery),
    Fetch(&'c RequestContext, EntityKind, &'c str),
    Submit(&'c RequestContext, &'c Submission),
}

/// The guest's answer to a [`Request`], of the matching variant.
pub(crate) enum Answer {
    Describe(ConnectorInfo),
    Check(Result<CheckReport, ConnectorError>),
    Search(Result<SearchResult, ConnectorError>),
    Fetch(Box<Result<PoleRecord, ConnectorError>>),
    Submit(Result<Receipt, ConnectorError>),
}

impl Request<'_> {
    /// The export it calls.
    pub(crate) fn operation(&self) -> &'static str {
        match self {
            Request::Describe => "describe",
            Request::Check(..) => "check",
            Request::Search(..) => "search",
            Request::Fetch(..) => "fetch",
            Request::Submit(..) => "submit",
        }
    }
}
