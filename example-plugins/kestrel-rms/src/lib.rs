//! Example connector for the fictional Kestrel RMS (records management system), a JSON REST
//! API described in `docs/VENDOR-STANDINS.md`.
//!
//! | operation | Kestrel call |
//! |---|---|
//! | `check` | `GET /api/v2/status` |
//! | `search` person | `GET /api/v2/nominals?surname=&forename=&dob=&q=` |
//! | `search` event | `GET /api/v2/incidents?ref=` |
//! | `search` object | `GET /api/v2/vehicles?vrm=` (vehicles of interest, by a VRM key or VRM-like text) |
//! | `fetch` person / event | `GET /api/v2/nominals/{id}` / `GET /api/v2/incidents/{id}` |
//! | `fetch` object `VEH-…` | `GET /api/v2/vehicles/{id}` |
//! | `fetch` location / object | the address, incident location or phone inside its parent |
//! | `submit` event | `POST /api/v2/incidents` (new incidents only) |
//! | `submit` vehicle | `POST /api/v2/vehicles` (new vehicles of interest only) |

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod mapping;

use interop_sdk::http::{self, Request, Response};
use interop_sdk::prelude::*;

use mapping::{Incident, Nominal, Page, SUB_ID_SEPARATOR, VehicleOfInterest};

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

/// An id as one segment of a Kestrel path, percent-encoded. An empty or dot-only id names no
/// record: sent, it would address the collection or its parent instead (`nominals/`,
/// `nominals/..`), so it is not found without asking.
fn segment(id: &str) -> Result<String, ConnectorError> {
    if id.is_empty() || id.bytes().all(|b| b == b'.') {
        return Err(ConnectorError::NotFound(format!(
            "no Kestrel RMS record has the id `{id}`"
        )));
    }
    Ok(http::percent_encode(id))
}

fn nominal(s: &Settings, ctx: &RequestContext, id: &str) -> Result<Nominal, ConnectorError> {
    let path = format!("api/v2/nominals/{}", segment(id)?);
    send(s.get(&path, ctx))?.json()
}

fn incident(s: &Settings, ctx: &RequestContext, id: &str) -> Result<Incident, ConnectorError> {
    let path = format!("api/v2/incidents/{}", segment(id)?);
    send(s.get(&path, ctx))?.json()
}

fn vehicle(
    s: &Settings,
    ctx: &RequestContext,
    id: &str,
) -> Result<VehicleOfInterest, ConnectorError> {
    let path = format!("api/v2/vehicles/{}", segment(id)?);
    send(s.get(&path, ctx))?.json()
}

/// `POST`s a JSON body to a Kestrel collection, passing the request's idempotency key on, and
/// says whether Kestrel created something (`201`) or replayed an earlier create (`200`).
fn create<B: serde::Serialize, T: serde::de::DeserializeOwned>(
    s: &Settings,
    ctx: &RequestContext,
    path: &str,
    body: &B,
) -> Result<(T, u16), ConnectorError> {
    let mut request = s
        .request(
            Request::new(http::Method::Post, http::join(&s.base_url, path)),
            ctx,
        )
        .json(body);
    if let Some(key) = &ctx.idempotency_key {
        request = request.header("Idempotency-Key", key.as_str());
    }
    let response = send(request)?;
    Ok((response.json()?, response.status))
}

fn submit_incident(ctx: &RequestContext, item: &Submission) -> Result<Receipt, ConnectorError> {
    let body = mapping::new_incident(ctx, item)?;
    let s = Settings::load()?;
    let (created, status): (mapping::Created, u16) = create(&s, ctx, "api/v2/incidents", &body)?;
    log::info(format!(
        "incident {} submitted (HTTP {status})",
        created.incident_id
    ));
    let receipt = if status == 201 {
        Receipt::created(created.incident_id)
    } else {
        Receipt::existing(created.incident_id)
    };
    Ok(match created.incident_number {
        Some(number) => receipt.reference(number),
        None => receipt,
    })
}

fn submit_vehicle(ctx: &RequestContext, item: &Submission) -> Result<Receipt, ConnectorError> {
    let body = mapping::new_vehicle(ctx, item)?;
    let s = Settings::load()?;
    let (created, status): (mapping::CreatedVehicle, u16) =
        create(&s, ctx, "api/v2/vehicles", &body)?;
    log::info(format!(
        "vehicle of interest {} submitted (HTTP {status})",
        created.vehicle_id
    ));
    Ok(if status == 201 {
        Receipt::created(created.vehicle_id)
    } else {
        Receipt::existing(created.vehicle_id)
    })
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
    let result = SearchResult::page(records, next);
    match u32::try_from(page.total) {
        Ok(total) => result.of_total(total),
        Err(_) => result,
    }
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
            "People (nominals), their addresses and phones, incidents and vehicles of interest \
             from Kestrel RMS; creates incidents and vehicles of interest.",
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
            if let Some(v) = status.vehicle_count {
                message.push_str(&format!(", {v} vehicles of interest"));
            }
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
            EntityKind::Object => {
                let vrm = mapping::vehicle_vrm(&query)?;
                let request = s
                    .get("api/v2/vehicles", ctx)
                    .query("vrm", &vrm)
                    .query("limit", &limit.to_string())
                    .query("offset", &offset.to_string());
                let page: Page<VehicleOfInterest> = send(request)?.json()?;
                Ok(page_result(
                    page,
                    limit as usize,
                    |v| mapping::vehicle_record(v, &s.force),
                    |v| &v.vehicle_id,
                ))
            }
            kind => Err(ConnectorError::InvalidInput(format!(
                "Kestrel RMS searches people, events and vehicles, not {}s",
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
            (EntityKind::Object, None) => Some(mapping::vehicle_record(
                &vehicle(&s, ctx, local_id)?,
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
        match &item.entity {
            Entity::Event(_) => submit_incident(ctx, &item),
            Entity::Object(PoleObject::Vehicle(_)) => submit_vehicle(ctx, &item),
            other => Err(mapping::unsupported(other)),
        }
    }
}
