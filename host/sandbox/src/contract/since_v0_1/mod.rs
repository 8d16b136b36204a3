//! The host's binding to `interop:connector@0.1.x`: finding and calling a 0.1 connector's
//! exports, and converting between the 0.1 types and the host's own ([`interop_model`]).
//!
//! The rest of the host never sees a 0.1 type. The capabilities serve the 0.1 `log` and
//! `config` imports from the same code as every other version's (see
//! `capabilities::{log, config}`).

pub(crate) mod bindings;

use interop_model as m;
use wasmtime::component::{Component, ComponentExportIndex, Instance, TypedFunc};
use wasmtime::{AsContextMut, Store};

use bindings::types as v;

use super::call::{Answer, Request};
use super::convert::{Conv, choices, records};

/// The version these bindings were generated from; a component exporting a later 0.1 release
/// is bound by them too.
pub(crate) const VERSION: &str = "0.1.0";

records!(v <=> m:
    Grading { source, intelligence, handling }
    Handling { classification, sensitive, caveats, grading, review_date }
    Source { force, system, local_id, extracted_at }
    Person {
        given_names, middle_names, surname, aliases, date_of_birth, date_of_birth_known,
        place_of_birth, gender, ethnicity_self_defined, ethnicity_observed, pnc_id, cro_number,
        description, warning_markers,
    }
    Vehicle { vrm, vin, make, model, body_shape, colours, registration_country }
    PropertyItem { category, description, id_type, id_number }
    Weapon { weapon_type, details, calibre, imitation }
    Drug { drug_type, description, quantity }
    Document { document_type, number, country, expires }
    Telephone { telephone_type, number, extension }
    Email { address }
    Location {
        site, premises, street, town, county, postcode, country, uprn, latitude, longitude,
        area,
    }
    Event {
        kind, references, ho_classification, offence_code, starts_at, ends_at,
        exact_time_known, description, status,
    }
    EntityRef { kind, local_id }
    Link { from, to, role }
    PoleRecord { source, handling, entity, links }
    RequestContext {
        user_id, role, clearance, justification, case_reference, correlation_id,
        idempotency_key,
    }
    NameAndBirth { surname, given_name, date_of_birth }
    SearchQuery { kind, text, keys, limit, cursor }
    SearchResult { records, next_cursor }
    Submission { local_id, handling, entity, links }
    Receipt { local_id, created, reference }
    ConfigKey { name, description, kind, required, example }
    ConnectorInfo {
        id, name, vendor, version, contract_version, description, entity_kinds, operations,
        config, max_classification,
    }
    CheckReport { message, system_version }
);

choices!(v <=> m:
    Classification unit { Official, Secret, TopSecret }
    SourceEvaluation unit { Reliable, Untested, NotReliable }
    IntelligenceAssessment unit { A, B, C, D, E }
    Gender unit {
        Male, Female, TransMale, TransFemale, NonBinary, Intersex, NotSpecified, NotKnown,
    }
    ObservedEthnicity unit {
        NotKnown, WhiteNorthEuropean, WhiteSouthEuropean, Black, Asian, EastAsian, Arabic, Mixed,
    }
    DocumentType unit { Passport, DrivingLicence, IdentityCard, Other }
    TelephoneType unit {
        LandlineHome, LandlineWork, MobileHome, MobileWork, FaxHome, FaxWork, PagerHome,
        PagerWork,
    }
    EventKind unit { Incident, Crime, IntelligenceReport, Custody, StopSearch, Other }
    EntityKind unit { Person, Object, Location, Event }
    Operation unit { Check, Search, Fetch, Submit }
    ConfigKind unit { Text, Secret, Endpoint }
);

choices!(v <=> m:
    PoleObject payload { Vehicle, Property, Weapon, Drug, Document, Telephone, Email }
    Entity payload { Person, Object, Location, Event }
    SearchKey payload { Name, Vrm, Vin, Reference, Postcode, Telephone, Email }
    ConnectorError payload { InvalidInput, NotFound, Unauthorized, Unavailable, Internal }
);

impl Conv<m::HandlingCode> for v::HandlingCode {
    fn conv(self) -> m::HandlingCode {
        match self {
            v::HandlingCode::Permitted => m::HandlingCode::Permitted,
            v::HandlingCode::Conditions(c) => m::HandlingCode::Conditions(c),
        }
    }
}

impl Conv<v::HandlingCode> for m::HandlingCode {
    fn conv(self) -> v::HandlingCode {
        match self {
            m::HandlingCode::Permitted => v::HandlingCode::Permitted,
            m::HandlingCode::Conditions(c) => v::HandlingCode::Conditions(c),
        }
    }
}

/// Where a 0.1 connector's five functions are, found once when it is loaded.
///
/// Looking a function up in an instance type-checks it: `describe`, which loading a connector
/// runs, checks all five (so a mistyped export is refused at load), any other call only the
/// one it makes.
pub(crate) struct Exports {
    describe: ComponentExportIndex,
    check: ComponentExportIndex,
    search: ComponentExportIndex,
    fetch: ComponentExportIndex,
    submit: ComponentExportIndex,
}

type Typed<P, R> = wasmtime::Result<TypedFunc<P, (R,)>>;

impl Exports {
    /// The functions of the `interop:connector/connector@0.1.0` export, if it has them all.
    pub(crate) fn of(component: &Component) -> Option<Exports> {
        let name = format!("{}@{VERSION}", super::CONNECTOR_EXPORT);
        let interface = component.get_export_index(None, &name)?;
        let func = |name: &str| component.get_export_index(Some(&interface), name);
        Some(Exports {
            describe: func("describe")?,
            check: func("check")?,
            search: func("search")?,
            fetch: func("fetch")?,
            submit: func("submit")?,
        })
    }

    /// Type-check every function but `describe`, which [`Exports::call`] checks itself.
    pub(crate) fn check_all<T: Send>(
        &self,
        instance: &Instance,
        store: &mut Store<T>,
    ) -> wasmtime::Result<()> {
        self.check(instance, &mut *store)?;
        self.search(instance, &mut *store)?;
        self.fetch(instance, &mut *store)?;
        self.submit(instance, &mut *store)?;
        Ok(())
    }

    /// Call the export `request` names, converting its arguments to 0.1 and the answer back.
    pub(crate) async fn call<T: Send>(
        &self,
        request: Request<'_>,
        instance: &Instance,
        store: &mut Store<T>,
    ) -> wasmtime::Result<Answer> {
        Ok(match request {
            Request::Describe => {
                let f = self.describe(instance, &mut *store)?;
                Answer::Describe(f.call_async(&mut *store, ()).await?.0.conv())
            }
            Request::Check(ctx) => {
                let f = self.check(instance, &mut *store)?;
                let answer = f.call_async(&mut *store, (ctx.clone().conv(),)).await?.0;
                Answer::Check(answer.conv())
            }
            Request::Search(ctx, query) => {
                let f = self.search(instance, &mut *store)?;
                let args = (ctx.clone().conv(), query.clone().conv());
                Answer::Search(f.call_async(&mut *store, args).await?.0.conv())
            }
            Request::Fetch(ctx, kind, id) => {
                let f = self.fetch(instance, &mut *store)?;
                let args = (ctx.clone().conv(), kind.conv(), id.to_string());
                Answer::Fetch(Box::new(f.call_async(&mut *store, args).await?.0.conv()))
            }
            Request::Submit(ctx, item) => {
                let f = self.submit(instance, &mut *store)?;
                let args = (ctx.clone().conv(), item.clone().conv());
                Answer::Submit(f.call_async(&mut *store, args).await?.0.conv())
            }
        })
    }

    fn describe(&self, i: &Instance, s: impl AsContextMut) -> Typed<(), v::ConnectorInfo> {
        i.get_typed_func(s, self.describe)
    }

    fn check(
        &self,
        i: &Instance,
        s: impl AsContextMut,
    ) -> Typed<(v::RequestContext,), Result<v::CheckReport, v::ConnectorError>> {
        i.get_typed_func(s, self.check)
    }

    fn search(
        &self,
        i: &Instance,
        s: impl AsContextMut,
    ) -> Typed<(v::RequestContext, v::SearchQuery), Result<v::SearchResult, v::ConnectorError>>
    {
        i.get_typed_func(s, self.search)
    }

    fn fetch(
        &self,
        i: &Instance,
        s: impl AsContextMut,
    ) -> Typed<(v::RequestContext, v::EntityKind, String), Result<v::PoleRecord, v::ConnectorError>>
    {
        i.get_typed_func(s, self.fetch)
    }

    fn submit(
        &self,
        i: &Instance,
        s: impl AsContextMut,
    ) -> Typed<(v::RequestContext, v::Submission), Result<v::Receipt, v::ConnectorError>> {
        i.get_typed_func(s, self.submit)
    }
}
