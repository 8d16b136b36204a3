//! Example connector for the fictional Kestrel RMS (records management system), a JSON REST
//! API described in `docs/VENDOR-STANDINS.md`.
//!
//! | operation | Kestrel call |
//! |---|---|
//! | `check` | `GET /api/v2/status` |
//! | `search` person | `GET /api/v2/nominals?surname=&forename=&dob=&q=` |
//! | `search` event | `GET /api/v2/incidents?ref=` |
//! | `fetch` person / event | `GET /api/v2/nominals/{id}` / `GET /api/v2/incidents/{id}` |
//! | `fetch` location / object | the address, incident location or phone inside its parent |
//! | `submit` event | `POST /api/v2/incidents` (new incidents only) |

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod mapping;

use interop_sdk::http::{self, Request, Response};
use interop_sdk::prelude::*;

use mapping::{Incident, Nominal, Page, SUB_ID_SEPARATOR};

/// The force named in records when the `force` key is not set.
const DEFAULT_FORCE: &str = "Exampleshire Constabulary";

/// The Kestrel RMS connector.
pub struct KestrelRms;

interop_sdk::export_connector!(KestrelRms);

/// The settings every data call needs.
struct Settings {
    base_url: String,
    api_key: String,
    force: String,
}

impl Settings {
    fn load() -> Result<Settings, ConnectorError> {
        Ok(Settings {
            base_url: config::require("base_url")?,
            api_key: config::require("api_key")?,
            force: config::get_or("force", DEFAULT_FORCE),
        })
    }

    fn request(&self, request: Request, ctx: &RequestContext) -> Request {
        request
            .header("X-Kestrel-Key", self.api_key.as_str())
            .header("Accept", "application/json")
            .header("X-Correlation-Id", ctx.correlation_id.as_str())
    }

    fn get(&self, path: &str, ctx: &RequestContext) -> Request {
        self.request(Request::get(http::join(&self.base_url, path)), ctx)
    }
}

/// Sends a request and maps a Kestrel error status to the contract's error.
fn send(request: Request) -> Result<Response, ConnectorError> {
    request
        .send()?
        .error_for_status_with(|r| mapping::error_detail(&r.body))
}

fn nominal(s: &Settings, ctx: &RequestContext, id: &str) -> Result<Nominal, ConnectorError> {
    let path = format!("api/v2/nominals/{}", http::percent_encode(id));
    send(s.get(&path, ctx))?.json()
}

fn incident(s: &Settings, ctx: &RequestContext, id: &str) -> Result<Incident, ConnectorError> {
    let path = format!("api/v2/incidents/{}", http::percent_encode(id));
    send(s.get(&path, ctx))?.json()
}

fn not_found(kind: EntityKind, id: &str) -> ConnectorError {
    ConnectorError::NotFound(format!("no Kestrel RMS {} `{id}`", kind.as_str()))
}

/// Maps a page of items, skipping (and logging) any with a marking Kestrel does not document,
/// and works out the next cursor.
fn page_result<T>(
    page: Page<T>,
    limit: usize,
    map: impl Fn(&T) -> Result<PoleRecord, ConnectorError>,
    id: impl Fn(&T) -> &str,
) -> SearchResult {
    let items: Vec<T> = page.items.into_iter().take(limit).collect();
    let next = mapping::next_cursor(page.offset, items.len(), page.total);
    let records = items
        .iter()
        .filter_map(|item| match map(item) {
            Ok(record) => Some(record),
            Err(e) => {
                log::warn(format!("skipped Kestrel record {}: {e}", id(item)));
                None
            }
        })
        .collect();
    SearchResult::page(records, next)
}

impl Connector for KestrelRms {
    fn describe() -> ConnectorInfo {
        ConnectorInfo::new(
            "kestrel-rms",
            "Kestrel RMS",
            "Kestrel Systems (fictional)",
            env!("CARGO_PKG_VERSION"),
        )
        .description(
            "People (nominals), their addresses and phones, and incidents from Kestrel RMS; \
                 creates incidents.",
        )
        .entity_kinds([
            EntityKind::Person,
            EntityKind::Object,
            EntityKind::Location,
            EntityKind::Event,
        ])
        .operations([
            Operation::Check,
            Operation::Search,
            Operation::Fetch,
            Operation::Submit,
        ])
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
        .config(
            ConfigKey::text(
                "force",
                "Force that owns the data, named in each record's source",
            )
            .optional()
            .example(DEFAULT_FORCE),
        )
        .max_classification(Classification::Secret)
    }

    fn check(ctx: &RequestContext) -> Result<CheckReport, ConnectorError> {
        let s = Settings::load()?;
        let status: mapping::Status = send(s.get("api/v2/status", ctx))?.json()?;
        let system = status.system.unwrap_or_else(|| mapping::SYSTEM.to_string());
        let mut message = format!("{system} reachable");
        if let Some(force) = status.force {
            message.push_str(&format!(" ({force})"));
        }
        if let (Some(n), Some(i)) = (status.nominal_count, status.incident_count) {
            message.push_str(&format!(": {n} nominals, {i} incidents"));
        }
        let mut report = CheckReport::new(message);
        if let Some(version) = status.version {
            report = report.system_version(version);
        }
        Ok(report)
    }

    fn search(ctx: &RequestContext, query: SearchQuery) -> Result<SearchResult, ConnectorError> {
        let limit = query.limit.min(mapping::MAX_PAGE);
        let offset = mapping::offset(query.cursor.as_deref())?;
        if limit == 0 {
            return Ok(SearchResult::complete(Vec::new()));
        }
        let s = Settings::load()?;
        match query.kind {
            EntityKind::Person => {
                let p = mapping::nominal_search(&query)?;
                let request = s
                    .get("api/v2/nominals", ctx)
                    .query_opt("surname", p.surname.as_deref())
                    .query_opt("forename", p.forename.as_deref())
                    .query_opt("dob", p.dob.as_deref())
                    .query_opt("q", p.q.as_deref())
                    .query("limit", &limit.to_string())
                    .query("offset", &offset.to_string());
                let page: Page<Nominal> = send(request)?.json()?;
                Ok(page_result(
                    page,
                    limit as usize,
                    |n| mapping::person_record(n, &s.force),
                    |n| &n.nominal_id,
                ))
            }
            EntityKind::Event => {
                let reference = mapping::incident_reference(&query)?;
                let request = s
                    .get("api/v2/incidents", ctx)
                    .query("ref", &reference)
                    .query("limit", &limit.to_string())
                    .query("offset", &offset.to_string());
                let page: Page<Incident> = send(request)?.json()?;
                Ok(page_result(
                    page,
                    limit as usize,
                    |i| mapping::event_record(i, &s.force),
                    |i| &i.incident_id,
                ))
            }
            kind => Err(ConnectorError::InvalidInput(format!(
                "Kestrel RMS searches people and events, not {}s",
                kind.as_str()
            ))),
        }
    }

    fn fetch(
        ctx: &RequestContext,
        kind: EntityKind,
        local_id: &str,
    ) -> Result<PoleRecord, ConnectorError> {
        let s = Settings::load()?;
        let split = local_id.split_once(SUB_ID_SEPARATOR);
        let found = match (kind, split) {
            (EntityKind::Person, None) => Some(mapping::person_record(
                &nominal(&s, ctx, local_id)?,
                &s.force,
            )?),
            (EntityKind::Event, None) => Some(mapping::event_record(
                &incident(&s, ctx, local_id)?,
                &s.force,
            )?),
            (EntityKind::Location, Some((parent, mapping::INCIDENT_LOCATION_SUB_ID))) => {
                mapping::incident_location_record(&incident(&s, ctx, parent)?, &s.force)?
            }
            (EntityKind::Location, Some((parent, address_id))) => {
                mapping::address_record(&nominal(&s, ctx, parent)?, address_id, &s.force)?
            }
            (EntityKind::Object, Some((parent, phone))) => {
                match phone.strip_prefix("TEL-").map(str::parse) {
                    Some(Ok(n)) => mapping::phone_record(&nominal(&s, ctx, parent)?, n, &s.force)?,
                    _ => None,
                }
            }
            _ => None,
        };
        found.ok_or_else(|| not_found(kind, local_id))
    }

    fn submit(ctx: &RequestContext, item: Submission) -> Result<Receipt, ConnectorError> {
        let body = mapping::new_incident(ctx, &item)?;
        let s = Settings::load()?;
        let mut request = s
            .request(
                Request::new(
                    http::Method::Post,
                    http::join(&s.base_url, "api/v2/incidents"),
                ),
                ctx,
            )
            .json(&body);
        if let Some(key) = &ctx.idempotency_key {
            request = request.header("Idempotency-Key", key.as_str());
        }
        let response = send(request)?;
        let created: mapping::Created = response.json()?;
        log::info(format!(
            "incident {} submitted (HTTP {})",
            created.incident_id, response.status
        ));
        let receipt = if response.status == 201 {
            Receipt::created(created.incident_id)
        } else {
            Receipt::existing(created.incident_id)
        };
        Ok(match created.incident_number {
            Some(number) => receipt.reference(number),
            None => receipt,
        })
    }
}
