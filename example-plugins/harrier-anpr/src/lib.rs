//! Example connector for the fictional Harrier ANPR service (vehicles, registered keepers and
//! camera reads), an XML API described in `docs/VENDOR-STANDINS.md`.
//!
//! | operation | Harrier call |
//! |---|---|
//! | `check` | `GET /harrier/ping` |
//! | `search` object / person, organisation / event | `GET /harrier/vehicles` (and each vehicle's keeper, carried with it) / `keepers` / `reads` |
//! | `fetch` object / person, organisation / event | `GET /harrier/vehicles/{id}` / `keepers/{id}` / `reads/{id}` |
//! | `fetch` object `HOT-…` (a submit's receipt) | `GET /harrier/hotlist/{id}`, as the vehicle hotlisted |
//! | `fetch` location | a keeper's address or a read's camera location, inside its parent |
//! | `submit` object (vehicle) | `POST /harrier/hotlist` |

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod mapping;

use interop_sdk::http::{self, Request, Response};
use interop_sdk::prelude::*;

use mapping::{Collection, SUB_ID_SEPARATOR};

/// The force named in records when the `force` key is not set.
const DEFAULT_FORCE: &str = "Exampleshire Constabulary";

/// The Harrier ANPR connector.
pub struct HarrierAnpr;

interop_sdk::export_connector!(HarrierAnpr);

struct Settings {
    base_url: String,
    token: String,
    force: String,
}

impl Settings {
    fn load() -> Result<Settings, ConnectorError> {
        Ok(Settings {
            base_url: config::require("base_url")?,
            token: config::require("token")?,
            force: config::get_or("force", DEFAULT_FORCE),
        })
    }

    fn request(&self, request: Request, ctx: &RequestContext) -> Request {
        request
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Accept", "application/xml")
            .header("X-Correlation-Id", ctx.correlation_id.as_str())
    }

    fn get(&self, path: &str, ctx: &RequestContext) -> Request {
        self.request(Request::get(http::join(&self.base_url, path)), ctx)
    }

    /// `GET /harrier/{collection}/{id}` as text.
    fn get_one(
        &self,
        ctx: &RequestContext,
        collection: &str,
        id: &str,
    ) -> Result<String, ConnectorError> {
        // An empty or dot-only id names no record: sent, it would address the collection or
        // its parent instead (`vehicles/`, `vehicles/..`), so it is not found without asking.
        if id.is_empty() || id.bytes().all(|b| b == b'.') {
            return Err(ConnectorError::NotFound(format!(
                "no Harrier ANPR record has the id `{id}`"
            )));
        }
        let path = format!("harrier/{collection}/{}", http::percent_encode(id));
        Ok(send(self.get(&path, ctx))?.text())
    }
}

/// Sends a request and maps a Harrier error status to the contract's error.
fn send(request: Request) -> Result<Response, ConnectorError> {
    request
        .send()?
        .error_for_status_with(|r| mapping::error_detail(&r.text()))
}

/// Maps a page of items, skipping (and logging) any Harrier marks in a way it does not
/// document, and works out the next cursor. The total is Harrier's when every item it counts
/// is one the search asked for (`filtered` false), and unknown otherwise.
///
/// # Errors
///
/// The first error of `map` that is not about the item itself (Harrier unreachable, say).
fn page_result<T>(
    page: Collection<T>,
    offset: u64,
    limit: usize,
    filtered: bool,
    keep: impl Fn(&T) -> bool,
    map: impl Fn(&T) -> Result<PoleRecord, ConnectorError>,
) -> Result<SearchResult, ConnectorError> {
    let items: Vec<T> = page.items.into_iter().take(limit).collect();
    let next = mapping::next_cursor(offset, items.len(), page.total);
    let mut records = Vec::new();
    for item in items.iter().filter(|item| keep(item)) {
        match map(item) {
            Ok(record) => records.push(record),
            Err(ConnectorError::Internal(e)) => log::warn(format!("skipped a Harrier record: {e}")),
            Err(e) => return Err(e),
        }
    }
    let result = SearchResult::page(records, next);
    Ok(match u32::try_from(page.total) {
        Ok(total) if !filtered => result.of_total(total),
        _ => result,
    })
}

/// The keeper a vehicle names, as Harrier holds them, if it names one Harrier still has.
///
/// # Errors
///
/// Whatever Harrier answers other than not-found.
fn keeper_of(
    s: &Settings,
    ctx: &RequestContext,
    vehicle: &mapping::HVehicle,
) -> Result<Option<mapping::HKeeper>, ConnectorError> {
    let Some(id) = &vehicle.keeper_ref else {
        return Ok(None);
    };
    match s.get_one(ctx, "keepers", id) {
        Ok(xml) => Ok(Some(mapping::parse_keeper(&xml)?)),
        Err(ConnectorError::NotFound(_)) => {
            log::warn(format!(
                "vehicle {} names keeper {id}, whom Harrier does not hold",
                vehicle.id
            ));
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// A vehicle as a record, carrying its keeper.
fn vehicle_with_keeper(
    s: &Settings,
    ctx: &RequestContext,
    vehicle: &mapping::HVehicle,
) -> Result<PoleRecord, ConnectorError> {
    let keeper = keeper_of(s, ctx, vehicle)?;
    mapping::vehicle_record(vehicle, keeper.as_ref(), &s.force)
}

impl Connector for HarrierAnpr {
    fn describe() -> ConnectorInfo {
        ConnectorInfo::new(
            "harrier-anpr",
            "Harrier ANPR",
            "Harrier Vision (fictional)",
            env!("CARGO_PKG_VERSION"),
        )
        .description(
            "Vehicles, registered keepers and ANPR camera reads from Harrier ANPR; \
                 puts vehicles on the Harrier hotlist.",
        )
        .entity_kinds([
            EntityKind::Object,
            EntityKind::Person,
            EntityKind::Organisation,
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
            ConfigKey::endpoint("base_url", "Root URL of the Harrier API (without /harrier)")
                .example("https://harrier.example.invalid"),
        )
        .config(ConfigKey::secret("token", "Harrier bearer token"))
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
        let pong = mapping::parse_pong(&send(s.get("harrier/ping", ctx))?.text())?;
        let system = pong.system.unwrap_or_else(|| mapping::SYSTEM.to_string());
        let mut message = match &pong.version {
            Some(version) => format!("{system} {version} reachable"),
            None => format!("{system} reachable"),
        };
        if let Some(n) = pong.vehicles {
            message.push_str(&format!(", {n} vehicles"));
        }
        let mut report = CheckReport::new(message);
        if let Some(version) = pong.version {
            report = report.system_version(version);
        }
        Ok(report)
    }

    fn search(ctx: &RequestContext, query: SearchQuery) -> Result<SearchResult, ConnectorError> {
        let plan = mapping::search(&query)?;
        let offset = mapping::offset(query.cursor.as_deref())?;
        let limit = query.limit.min(mapping::MAX_PAGE);
        if limit == 0 {
            return Ok(SearchResult::complete(Vec::new()));
        }
        let s = Settings::load()?;
        let mut request = s.get(&format!("harrier/{}", plan.collection), ctx);
        for (name, value) in &plan.params {
            request = request.query(name, value);
        }
        let request = request
            .query("limit", &limit.to_string())
            .query("offset", &offset.to_string());
        let body = send(request)?.text();
        let exact = plan.exact_vrm.as_deref();
        let vrm_matches = |vrm: &Option<String>| exact.is_none_or(|e| vrm.as_deref() == Some(e));
        let limit = limit as usize;
        let force = s.force.as_str();
        let by_vrm = exact.is_some();
        match plan.collection {
            "vehicles" => page_result(
                mapping::parse_vehicles(&body)?,
                offset,
                limit,
                by_vrm,
                |v| vrm_matches(&v.vrm),
                |v| vehicle_with_keeper(&s, ctx, v),
            ),
            "keepers" => {
                // Harrier lists people and companies together: each search keeps its own.
                let organisations = query.kind == EntityKind::Organisation;
                page_result(
                    mapping::parse_keepers(&body)?,
                    offset,
                    limit,
                    true,
                    |k| mapping::is_company(k) == organisations,
                    |k| mapping::keeper_record(k, force),
                )
            }
            _ => page_result(
                mapping::parse_reads(&body)?,
                offset,
                limit,
                by_vrm,
                |r| vrm_matches(&r.vrm),
                |r| mapping::read_record(r, force),
            ),
        }
    }

    fn fetch(
        ctx: &RequestContext,
        kind: EntityKind,
        local_id: &str,
    ) -> Result<PoleRecord, ConnectorError> {
        let s = Settings::load()?;
        let force = s.force.as_str();
        let split = local_id.split_once(SUB_ID_SEPARATOR);
        let found = match (kind, split) {
            // A submit's receipt names the hotlist entry: fetching it gives the vehicle.
            (EntityKind::Object, None) if local_id.starts_with(mapping::HOTLIST_ID_PREFIX) => {
                Some(mapping::vehicle_record(
                    &mapping::parse_hotlist_entry(&s.get_one(ctx, "hotlist", local_id)?)?,
                    None,
                    force,
                )?)
            }
            (EntityKind::Object, None) => Some(vehicle_with_keeper(
                &s,
                ctx,
                &mapping::parse_vehicle(&s.get_one(ctx, "vehicles", local_id)?)?,
            )?),
            // A keeper is a person or, for a company, an organisation: fetched as what it is.
            (EntityKind::Person | EntityKind::Organisation, None) => {
                let keeper = mapping::parse_keeper(&s.get_one(ctx, "keepers", local_id)?)?;
                let organisation = kind == EntityKind::Organisation;
                (mapping::is_company(&keeper) == organisation)
                    .then(|| mapping::keeper_record(&keeper, force))
                    .transpose()?
            }
            (EntityKind::Event, None) => Some(mapping::read_record(
                &mapping::parse_read(&s.get_one(ctx, "reads", local_id)?)?,
                force,
            )?),
            (EntityKind::Location, Some((keeper, mapping::ADDRESS_SUB_ID))) => {
                let keeper = mapping::parse_keeper(&s.get_one(ctx, "keepers", keeper)?)?;
                mapping::keeper_address_record(&keeper, force)?
            }
            (EntityKind::Location, Some((read, mapping::READ_LOCATION_SUB_ID))) => {
                let read = mapping::parse_read(&s.get_one(ctx, "reads", read)?)?;
                Some(mapping::read_location_record(&read, force)?)
            }
            _ => None,
        };
        found.ok_or_else(|| {
            ConnectorError::NotFound(format!("no Harrier ANPR {} `{local_id}`", kind.as_str()))
        })
    }

    fn submit(ctx: &RequestContext, item: Submission) -> Result<Receipt, ConnectorError> {
        let xml = mapping::hotlist_xml(ctx, &item)?;
        let s = Settings::load()?;
        let mut request = s
            .request(
                Request::post(http::join(&s.base_url, "harrier/hotlist"), xml),
                ctx,
            )
            .header("Content-Type", "application/xml");
        if let Some(key) = &ctx.idempotency_key {
            request = request.header("Idempotency-Key", key.as_str());
        }
        let response = send(request)?;
        let id = mapping::parse_created(&response.text())?;
        log::info(format!(
            "hotlist entry {id} submitted (HTTP {})",
            response.status
        ));
        Ok(if response.status == 201 {
            Receipt::created(id)
        } else {
            Receipt::existing(id)
        })
    }
}
