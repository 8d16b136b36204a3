//! Test connector that does not declare `check`, which the contract leaves optional: Kestrel
//! RMS's vehicles of interest (`GET /api/v2/vehicles?vrm=`, `GET /api/v2/vehicles/{id}`),
//! searched and fetched with the Kestrel example connector's own mapping. The conformance kit
//! must judge it on what it declares: Bronze without a vendor system, Silver against the
//! Kestrel stand-in, with no `check` asked of it.

use interop_sdk::http::{self, Request, Response};
use interop_sdk::prelude::*;

/// The Kestrel example connector's mapping, shared rather than copied.
#[allow(dead_code, unused_imports)]
#[path = "../../../../example-plugins/kestrel-rms/src/mapping/mod.rs"]
mod mapping;

use mapping::{Page, VehicleOfInterest};

/// The connector without `check`.
pub struct NoCheck;

interop_sdk::export_connector!(NoCheck);

const FORCE: &str = "Exampleshire Constabulary";

fn get(path: &str, ctx: &RequestContext) -> Result<Request, ConnectorError> {
    let base_url = config::require("base_url")?;
    let api_key = config::require("api_key")?;
    Ok(Request::get(http::join(&base_url, path))
        .header("X-Kestrel-Key", api_key.as_str())
        .header("Accept", "application/json")
        .header("X-Correlation-Id", ctx.correlation_id.as_str()))
}

fn send(request: Request) -> Result<Response, ConnectorError> {
    request
        .send()?
        .error_for_status_with(|r| mapping::error_detail(&r.body))
}

fn vehicles_only(kind: EntityKind) -> Result<(), ConnectorError> {
    if kind == EntityKind::Object {
        Ok(())
    } else {
        Err(ConnectorError::InvalidInput(format!(
            "this connector holds vehicles, not {}s",
            kind.as_str()
        )))
    }
}

impl Connector for NoCheck {
    fn describe() -> ConnectorInfo {
        ConnectorInfo::new(
            "guest-no-check",
            "No check (vehicles of interest)",
            "interop tests",
            env!("CARGO_PKG_VERSION"),
        )
        .description("Kestrel RMS vehicles of interest, searched and fetched; declares no check")
        .entity_kinds([EntityKind::Object])
        .operations([Operation::Search, Operation::Fetch])
        .config(
            ConfigKey::endpoint(
                "base_url",
                "Root URL of the Kestrel RMS API (without /api/v2)",
            )
            .example("https://kestrel.example.invalid"),
        )
        .config(ConfigKey::secret(
            "api_key",
            "Kestrel API key, sent as X-Kestrel-Key",
        ))
        .max_classification(Classification::Secret)
    }

    fn search(ctx: &RequestContext, query: SearchQuery) -> Result<SearchResult, ConnectorError> {
        vehicles_only(query.kind)?;
        let limit = query.limit.min(mapping::MAX_PAGE);
        let offset = mapping::offset(query.cursor.as_deref())?;
        let vrm = mapping::vehicle_vrm(&query)?;
        if limit == 0 {
            return Ok(SearchResult::complete(Vec::new()));
        }
        let request = get("api/v2/vehicles", ctx)?
            .query("vrm", &vrm)
            .query("limit", &limit.to_string())
            .query("offset", &offset.to_string());
        let page: Page<VehicleOfInterest> = send(request)?.json()?;
        let items: Vec<VehicleOfInterest> = page.items.into_iter().take(limit as usize).collect();
        let next = mapping::next_cursor(page.offset, items.len(), page.total);
        let records = items
            .iter()
            .map(|v| mapping::vehicle_record(v, FORCE))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SearchResult::page(records, next))
    }

    fn fetch(
        ctx: &RequestContext,
        kind: EntityKind,
        local_id: &str,
    ) -> Result<PoleRecord, ConnectorError> {
        vehicles_only(kind)?;
        let path = format!("api/v2/vehicles/{}", http::percent_encode(local_id));
        let vehicle: VehicleOfInterest = send(get(&path, ctx)?)?.json()?;
        mapping::vehicle_record(&vehicle, FORCE)
    }
}
