//! Builders for the contract's POLE types, so a connector's mapping code reads like the mapping
//! it is. Every builder method takes `self` and returns it, and every text argument takes
//! anything that converts into a `String`.

use crate::types::*;

// ------------------------------------------------------------------------------ handling

impl Handling {
    fn with_classification(classification: Classification) -> Self {
        Handling {
            classification,
            sensitive: false,
            caveats: Vec::new(),
            grading: None,
            review_date: None,
        }
    }

    /// OFFICIAL, the tier most policing data carries.
    pub fn official() -> Self {
        Self::with_classification(Classification::Official)
    }

    /// OFFICIAL-SENSITIVE: OFFICIAL with the `sensitive` flag.
    pub fn official_sensitive() -> Self {
        Self::official().sensitive()
    }

    /// SECRET.
    pub fn secret() -> Self {
        Self::with_classification(Classification::Secret)
    }

    /// TOP SECRET.
    pub fn top_secret() -> Self {
        Self::with_classification(Classification::TopSecret)
    }

    /// Parses a Government Security Classifications marking as vendor systems print it:
    /// `OFFICIAL`, `OFFICIAL-SENSITIVE`, `SECRET`, `TOP SECRET` (also `TOP-SECRET`), case and
    /// surrounding space ignored; `OFFICIAL SENSITIVE` with a space is accepted too. Anything
    /// after ` - ` or `: ` is taken as comma-separated caveats, e.g.
    /// `OFFICIAL-SENSITIVE - PERSONAL, UK EYES ONLY`.
    ///
    /// Returns `None` for anything else (including the retired GPMS markings such as
    /// `RESTRICTED`): a connector must not guess a classification.
    ///
    /// ```
    /// use interop_sdk::{Classification, Handling};
    /// let h = Handling::from_marking("OFFICIAL-SENSITIVE").unwrap();
    /// assert_eq!(h.classification, Classification::Official);
    /// assert!(h.sensitive);
    /// ```
    pub fn from_marking(marking: &str) -> Option<Self> {
        let marking = marking.trim();
        let (tier, caveats) = match marking
            .split_once(" - ")
            .or_else(|| marking.split_once(": "))
        {
            Some((tier, caveats)) => (tier.trim(), Some(caveats)),
            None => (marking, None),
        };
        let tier = tier.to_ascii_uppercase().replace(['-', '_'], " ");
        let mut handling = match tier.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["OFFICIAL"] => Self::official(),
            ["OFFICIAL", "SENSITIVE"] => Self::official_sensitive(),
            ["SECRET"] => Self::secret(),
            ["TOP", "SECRET"] => Self::top_secret(),
            _ => return None,
        };
        if let Some(caveats) = caveats {
            handling.caveats = caveats
                .split(',')
                .map(|c| c.trim().to_ascii_uppercase())
                .filter(|c| !c.is_empty())
                .collect();
        }
        Some(handling)
    }

    /// Sets the OFFICIAL-SENSITIVE flag.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Adds a handling caveat such as `PERSONAL` or `UK EYES ONLY`.
    pub fn caveat(mut self, caveat: impl Into<String>) -> Self {
        self.caveats.push(caveat.into());
        self
    }

    /// Attaches a 3x5x2 intelligence grading.
    pub fn with_grading(mut self, grading: Grading) -> Self {
        self.grading = Some(grading);
        self
    }

    /// Sets the MoPI next review date, `YYYY-MM-DD`.
    pub fn review_on(mut self, date: impl Into<String>) -> Self {
        self.review_date = Some(date.into());
        self
    }

    /// Sets the classification tier (the `sensitive` flag is left as it is).
    pub fn classified(mut self, classification: Classification) -> Self {
        self.classification = classification;
        self
    }
}

impl Grading {
    /// A 3x5x2 grading from its three parts.
    pub fn new(
        source: SourceEvaluation,
        intelligence: IntelligenceAssessment,
        handling: HandlingCode,
    ) -> Self {
        Grading {
            source,
            intelligence,
            handling,
        }
    }

    /// A 3x5x2 grading from its printed codes: source `1`–`3`, intelligence `A`–`E`, handling
    /// `P` or `C` (case ignored). `C` needs the conditions, which travel with the record: with
    /// `conditions` absent or blank it returns `None`, as it does for any unknown code.
    ///
    /// ```
    /// use interop_sdk::{Grading, HandlingCode, IntelligenceAssessment, SourceEvaluation};
    /// let g = Grading::from_codes("2", "B", "P", None).unwrap();
    /// assert_eq!(g.source, SourceEvaluation::Untested);
    /// assert_eq!(g.intelligence, IntelligenceAssessment::B);
    /// assert!(matches!(g.handling, HandlingCode::Permitted));
    /// ```
    pub fn from_codes(
        source: &str,
        intelligence: &str,
        handling: &str,
        conditions: Option<&str>,
    ) -> Option<Self> {
        let source = match source.trim() {
            "1" => SourceEvaluation::Reliable,
            "2" => SourceEvaluation::Untested,
            "3" => SourceEvaluation::NotReliable,
            _ => return None,
        };
        let intelligence = match intelligence.trim().to_ascii_uppercase().as_str() {
            "A" => IntelligenceAssessment::A,
            "B" => IntelligenceAssessment::B,
            "C" => IntelligenceAssessment::C,
            "D" => IntelligenceAssessment::D,
            "E" => IntelligenceAssessment::E,
            _ => return None,
        };
        let handling = match handling.trim().to_ascii_uppercase().as_str() {
            "P" => HandlingCode::Permitted,
            "C" => match conditions.map(str::trim) {
                Some(c) if !c.is_empty() => HandlingCode::Conditions(c.to_string()),
                _ => return None,
            },
            _ => return None,
        };
        Some(Self::new(source, intelligence, handling))
    }
}

impl Source {
    /// Provenance for a record read now: `extracted-at` is the current time.
    pub fn new(
        force: impl Into<String>,
        system: impl Into<String>,
        local_id: impl Into<String>,
    ) -> Self {
        Self::extracted_at(force, system, local_id, crate::time::now_rfc3339())
    }

    /// Provenance with an explicit extraction time (RFC 3339), for tests and replays.
    pub fn extracted_at(
        force: impl Into<String>,
        system: impl Into<String>,
        local_id: impl Into<String>,
        extracted_at: impl Into<String>,
    ) -> Self {
        Source {
            force: force.into(),
            system: system.into(),
            local_id: local_id.into(),
            extracted_at: extracted_at.into(),
        }
    }
}

// ------------------------------------------------------------------------------ person

impl Person {
    /// A person known by surname only; add the rest with the other methods.
    pub fn new(surname: impl Into<String>) -> Self {
        Person {
            surname: Some(surname.into()),
            ..Self::unnamed()
        }
    }

    /// A person with no name yet (e.g. an unknown suspect described by appearance).
    pub fn unnamed() -> Self {
        Person {
            given_names: Vec::new(),
            middle_names: Vec::new(),
            surname: None,
            aliases: Vec::new(),
            date_of_birth: None,
            date_of_birth_known: false,
            place_of_birth: None,
            gender: None,
            ethnicity_self_defined: None,
            ethnicity_observed: None,
            pnc_id: None,
            cro_number: None,
            description: None,
            warning_markers: Vec::new(),
        }
    }

    /// Adds an officer-safety warning marker held by the vendor (e.g. `VIOLENT`).
    pub fn warning_marker(mut self, marker: impl Into<String>) -> Self {
        self.warning_markers.push(marker.into());
        self
    }

    /// Adds a given name (DS_031), one name per call.
    pub fn given_name(mut self, name: impl Into<String>) -> Self {
        self.given_names.push(name.into());
        self
    }

    /// Adds each whitespace-separated word of `names` as a given name, e.g. `ALEX JORDAN`.
    pub fn given_names_from(mut self, names: &str) -> Self {
        self.given_names
            .extend(names.split_whitespace().map(str::to_string));
        self
    }

    /// Adds a middle name.
    pub fn middle_name(mut self, name: impl Into<String>) -> Self {
        self.middle_names.push(name.into());
        self
    }

    /// Adds an alias or nickname (DS_033).
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.aliases.push(alias.into());
        self
    }

    /// Sets a known date of birth, `YYYY-MM-DD`.
    pub fn born(mut self, date: impl Into<String>) -> Self {
        self.date_of_birth = Some(date.into());
        self.date_of_birth_known = true;
        self
    }

    /// Sets an estimated date of birth, `YYYY-MM-DD` (`date-of-birth-known` stays false).
    pub fn born_about(mut self, date: impl Into<String>) -> Self {
        self.date_of_birth = Some(date.into());
        self.date_of_birth_known = false;
        self
    }

    /// Sets the place of birth (DS_035), a town.
    pub fn place_of_birth(mut self, town: impl Into<String>) -> Self {
        self.place_of_birth = Some(town.into());
        self
    }

    /// Sets the gender (DS_037).
    pub fn gender(mut self, gender: Gender) -> Self {
        self.gender = Some(gender);
        self
    }

    /// Sets the self-defined ethnicity, an ONS 18+1 code such as `W1`.
    pub fn ethnicity_self_defined(mut self, code: impl Into<String>) -> Self {
        self.ethnicity_self_defined = Some(code.into());
        self
    }

    /// Sets the officer-observed ethnicity (DS_112).
    pub fn ethnicity_observed(mut self, ethnicity: ObservedEthnicity) -> Self {
        self.ethnicity_observed = Some(ethnicity);
        self
    }

    /// Sets the PNC ID (DS_072), `YYYY/NNNNNNND`.
    pub fn pnc_id(mut self, id: impl Into<String>) -> Self {
        self.pnc_id = Some(id.into());
        self
    }

    /// Sets the CRO number (DS_071).
    pub fn cro_number(mut self, cro: impl Into<String>) -> Self {
        self.cro_number = Some(cro.into());
        self
    }

    /// Sets the free-text physical description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }
}

// ------------------------------------------------------------------------------ objects

impl Vehicle {
    /// A vehicle known by its registration mark. The mark is normalised with
    /// [`crate::validate::normalise_vrm`]; one that cannot be is kept as given, trimmed, so
    /// a foreign or partial mark is not lost.
    pub fn with_vrm(vrm: &str) -> Self {
        let vrm = crate::validate::normalise_vrm(vrm).unwrap_or_else(|| vrm.trim().to_string());
        Vehicle {
            vrm: (!vrm.is_empty()).then_some(vrm),
            ..Self::unregistered()
        }
    }

    /// A vehicle with no registration mark known (yet).
    pub fn unregistered() -> Self {
        Vehicle {
            vrm: None,
            vin: None,
            make: None,
            model: None,
            body_shape: None,
            colours: Vec::new(),
            registration_country: None,
        }
    }

    /// Sets the VIN.
    pub fn vin(mut self, vin: impl Into<String>) -> Self {
        self.vin = Some(vin.into());
        self
    }

    /// Sets the make (DS_066).
    pub fn make(mut self, make: impl Into<String>) -> Self {
        self.make = Some(make.into());
        self
    }

    /// Sets the model (DS_067).
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Sets the body shape (DS_068).
    pub fn body_shape(mut self, shape: impl Into<String>) -> Self {
        self.body_shape = Some(shape.into());
        self
    }

    /// Adds a colour (DS_069).
    pub fn colour(mut self, colour: impl Into<String>) -> Self {
        self.colours.push(colour.into());
        self
    }

    /// Sets the registration country, ISO 3166-1 alpha-3.
    pub fn registered_in(mut self, country: impl Into<String>) -> Self {
        self.registration_country = Some(country.into());
        self
    }
}

impl From<Vehicle> for PoleObject {
    fn from(v: Vehicle) -> Self {
        PoleObject::Vehicle(v)
    }
}

impl From<PropertyItem> for PoleObject {
    fn from(p: PropertyItem) -> Self {
        PoleObject::Property(p)
    }
}

impl From<Telephone> for PoleObject {
    fn from(t: Telephone) -> Self {
        PoleObject::Telephone(t)
    }
}

impl From<Email> for PoleObject {
    fn from(e: Email) -> Self {
        PoleObject::Email(e)
    }
}

impl From<Weapon> for PoleObject {
    fn from(w: Weapon) -> Self {
        PoleObject::Weapon(w)
    }
}

impl From<Drug> for PoleObject {
    fn from(d: Drug) -> Self {
        PoleObject::Drug(d)
    }
}

impl From<Document> for PoleObject {
    fn from(d: Document) -> Self {
        PoleObject::Document(d)
    }
}

impl Telephone {
    /// A telephone number in full international form (DS_053), e.g. `+447700900123`.
    pub fn new(number: impl Into<String>) -> Self {
        Telephone {
            telephone_type: None,
            number: number.into(),
            extension: None,
        }
    }

    /// Sets the telephone type (DS_051).
    pub fn of_type(mut self, kind: TelephoneType) -> Self {
        self.telephone_type = Some(kind);
        self
    }
}

impl Email {
    /// An email address (DS_054).
    pub fn new(address: impl Into<String>) -> Self {
        Email {
            address: address.into(),
        }
    }
}

// ------------------------------------------------------------------------------ location

impl Location {
    /// An empty location; fill it with the address or coordinate methods.
    pub fn new() -> Self {
        Location {
            site: None,
            premises: None,
            street: None,
            town: None,
            county: None,
            postcode: None,
            country: None,
            uprn: None,
            latitude: None,
            longitude: None,
            area: None,
        }
    }

    /// A point, WGS84 decimal degrees.
    pub fn point(latitude: f64, longitude: f64) -> Self {
        Location {
            latitude: Some(latitude),
            longitude: Some(longitude),
            ..Self::new()
        }
    }

    /// A place without an address, described in free text (DS_016).
    pub fn area(text: impl Into<String>) -> Self {
        Location {
            area: Some(text.into()),
            ..Self::new()
        }
    }

    /// Sets the flat or floor (DS_005).
    pub fn site(mut self, site: impl Into<String>) -> Self {
        self.site = Some(site.into());
        self
    }

    /// Sets the premises name or number (DS_006).
    pub fn premises(mut self, premises: impl Into<String>) -> Self {
        self.premises = Some(premises.into());
        self
    }

    /// Sets the street (DS_007).
    pub fn street(mut self, street: impl Into<String>) -> Self {
        self.street = Some(street.into());
        self
    }

    /// Sets the town (DS_008).
    pub fn town(mut self, town: impl Into<String>) -> Self {
        self.town = Some(town.into());
        self
    }

    /// Sets the county (DS_009).
    pub fn county(mut self, county: impl Into<String>) -> Self {
        self.county = Some(county.into());
        self
    }

    /// Sets the postcode the DS_010 way: a valid UK postcode is normalised into `postcode`; a
    /// foreign or invalid one goes to the county line (after any county already set, separated
    /// by `, `), as the Dictionary asks, so it is kept but never passed off as a UK postcode.
    ///
    /// ```
    /// use interop_sdk::Location;
    /// let l = Location::new().postcode("sw1a2aa");
    /// assert_eq!(l.postcode.as_deref(), Some("SW1A 2AA"));
    /// let l = Location::new().county("Exampleshire").postcode("ZZ1 1AA");
    /// assert_eq!(l.postcode, None);
    /// assert_eq!(l.county.as_deref(), Some("Exampleshire, ZZ1 1AA"));
    /// ```
    pub fn postcode(mut self, postcode: &str) -> Self {
        let postcode = postcode.trim();
        if postcode.is_empty() {
            return self;
        }
        match crate::validate::normalise_postcode(postcode) {
            Some(valid) => self.postcode = Some(valid),
            None => {
                self.county = Some(match self.county.take() {
                    Some(county) => format!("{county}, {postcode}"),
                    None => postcode.to_string(),
                })
            }
        }
        self
    }

    /// Sets the country, ISO 3166-1 alpha-3 (DS_004).
    pub fn country(mut self, country: impl Into<String>) -> Self {
        self.country = Some(country.into());
        self
    }

    /// Sets the UPRN (DS_011).
    pub fn uprn(mut self, uprn: impl Into<String>) -> Self {
        self.uprn = Some(uprn.into());
        self
    }

    /// Sets the coordinates, WGS84 decimal degrees.
    pub fn at(mut self, latitude: f64, longitude: f64) -> Self {
        self.latitude = Some(latitude);
        self.longitude = Some(longitude);
        self
    }

    /// Sets the free-text area (DS_016).
    pub fn described_as(mut self, text: impl Into<String>) -> Self {
        self.area = Some(text.into());
        self
    }
}

impl Default for Location {
    fn default() -> Self {
        Self::new()
    }
}

// ------------------------------------------------------------------------------ event

impl Event {
    /// An event of the given kind with nothing else known yet.
    pub fn new(kind: EventKind) -> Self {
        Event {
            kind,
            category: None,
            references: Vec::new(),
            ho_classification: None,
            offence_code: None,
            starts_at: None,
            ends_at: None,
            exact_time_known: false,
            description: None,
            status: None,
        }
    }

    /// Sets the vendor's category within the kind, as its code (e.g. `BURGLARY`, `ANPR`).
    pub fn category(mut self, category: impl Into<String>) -> Self {
        self.category = Some(category.into());
        self
    }

    /// Adds a vendor reference (crime number, incident log number, URN).
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.references.push(reference.into());
        self
    }

    /// Sets the Home Office classification (DS_074), `NNN/NN`.
    pub fn ho_classification(mut self, class: impl Into<String>) -> Self {
        self.ho_classification = Some(class.into());
        self
    }

    /// Sets the PNLD offence code (DS_080).
    pub fn offence_code(mut self, code: impl Into<String>) -> Self {
        self.offence_code = Some(code.into());
        self
    }

    /// Sets an exact time (RFC 3339): `starts-at`, with `exact-time-known`.
    pub fn at(mut self, time: impl Into<String>) -> Self {
        self.starts_at = Some(time.into());
        self.ends_at = None;
        self.exact_time_known = true;
        self
    }

    /// Sets a time range (RFC 3339) for an event whose exact time is not known.
    pub fn between(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.starts_at = Some(from.into());
        self.ends_at = Some(to.into());
        self.exact_time_known = false;
        self
    }

    /// Sets the free-text description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Sets the vendor status.
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }
}

// ------------------------------------------------------------------------------ organisation

impl Organisation {
    /// An organisation known by its name.
    pub fn new(name: impl Into<String>) -> Self {
        Organisation {
            name: name.into(),
            registered_number: None,
            organisation_type: None,
            description: None,
        }
    }

    /// Sets its Companies House number (or another registry's id).
    pub fn registered_number(mut self, number: impl Into<String>) -> Self {
        self.registered_number = Some(number.into());
        self
    }

    /// Sets what kind of organisation it is, as the vendor's code (e.g. `COMPANY`).
    pub fn of_type(mut self, kind: impl Into<String>) -> Self {
        self.organisation_type = Some(kind.into());
        self
    }

    /// Sets a free-text description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }
}

// ------------------------------------------------------------------------------ records

impl From<Person> for Entity {
    fn from(p: Person) -> Self {
        Entity::Person(p)
    }
}

impl From<PoleObject> for Entity {
    fn from(o: PoleObject) -> Self {
        Entity::Object(o)
    }
}

impl From<Vehicle> for Entity {
    fn from(v: Vehicle) -> Self {
        Entity::Object(PoleObject::Vehicle(v))
    }
}

impl From<Location> for Entity {
    fn from(l: Location) -> Self {
        Entity::Location(l)
    }
}

impl From<Event> for Entity {
    fn from(e: Event) -> Self {
        Entity::Event(e)
    }
}

impl From<Organisation> for Entity {
    fn from(o: Organisation) -> Self {
        Entity::Organisation(o)
    }
}

impl From<Telephone> for Entity {
    fn from(t: Telephone) -> Self {
        Entity::Object(PoleObject::Telephone(t))
    }
}

impl From<Email> for Entity {
    fn from(e: Email) -> Self {
        Entity::Object(PoleObject::Email(e))
    }
}

impl Entity {
    /// Which of the kinds this entity is.
    pub fn kind(&self) -> EntityKind {
        match self {
            Entity::Person(_) => EntityKind::Person,
            Entity::Object(_) => EntityKind::Object,
            Entity::Location(_) => EntityKind::Location,
            Entity::Event(_) => EntityKind::Event,
            Entity::Organisation(_) => EntityKind::Organisation,
        }
    }
}

impl EntityKind {
    /// The kind's WIT name: `person`, `object`, `location`, `event` or `organisation`.
    pub fn as_str(&self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Object => "object",
            EntityKind::Location => "location",
            EntityKind::Event => "event",
            EntityKind::Organisation => "organisation",
        }
    }
}

impl EntityRef {
    /// A reference to an entity of `kind` with the vendor id `local_id`.
    pub fn new(kind: EntityKind, local_id: impl Into<String>) -> Self {
        EntityRef {
            kind,
            local_id: local_id.into(),
        }
    }

    /// A reference to a person.
    pub fn person(local_id: impl Into<String>) -> Self {
        Self::new(EntityKind::Person, local_id)
    }

    /// A reference to an object.
    pub fn object(local_id: impl Into<String>) -> Self {
        Self::new(EntityKind::Object, local_id)
    }

    /// A reference to a location.
    pub fn location(local_id: impl Into<String>) -> Self {
        Self::new(EntityKind::Location, local_id)
    }

    /// A reference to an event.
    pub fn event(local_id: impl Into<String>) -> Self {
        Self::new(EntityKind::Event, local_id)
    }

    /// A reference to an organisation.
    pub fn organisation(local_id: impl Into<String>) -> Self {
        Self::new(EntityKind::Organisation, local_id)
    }
}

impl Link {
    /// A link with an SDM `linkReason` role; see [`crate::roles`].
    pub fn new(from: EntityRef, to: EntityRef, role: impl Into<String>) -> Self {
        Link {
            from,
            to,
            role: role.into(),
        }
    }
}

impl PoleRecord {
    /// A record of `entity` with its provenance and handling, and no links yet.
    pub fn new(source: Source, handling: Handling, entity: impl Into<Entity>) -> Self {
        PoleRecord {
            source,
            handling,
            entity: entity.into(),
            links: Vec::new(),
            linked: Vec::new(),
        }
    }

    /// A reference to this record's own entity (its kind and `source.local-id`).
    pub fn entity_ref(&self) -> EntityRef {
        EntityRef::new(self.entity.kind(), self.source.local_id.clone())
    }

    /// Adds a link from this record's entity to `to`, with an SDM role such as
    /// [`crate::roles::HOME_ADDRESS`].
    pub fn link_to(mut self, to: EntityRef, role: impl Into<String>) -> Self {
        let from = self.entity_ref();
        self.links.push(Link::new(from, to, role));
        self
    }

    /// Adds a link from `from` to this record's entity.
    pub fn link_from(mut self, from: EntityRef, role: impl Into<String>) -> Self {
        let to = self.entity_ref();
        self.links.push(Link::new(from, to, role));
        self
    }

    /// Adds any link.
    pub fn link(mut self, link: Link) -> Self {
        self.links.push(link);
        self
    }

    /// Links this record's entity to another entity of the same system and carries that
    /// entity with the record, so a reader sees it without fetching it: a person's home
    /// address, their telephone, a vehicle's keeper. `local_id` is the vendor's id for it (what
    /// `fetch` takes back); `role` an SDM link reason such as [`crate::roles::HOME_ADDRESS`].
    ///
    /// ```
    /// use interop_sdk::prelude::*;
    /// let home = Location::new().premises("12").street("Fictional Road").postcode("ZZ1 1AA");
    /// let record = PoleRecord::new(Source::new("F", "Acme RMS", "NOM-1"), Handling::official(), Person::new("Examplewood"))
    ///     .with_linked("NOM-1/ADR-1", roles::HOME_ADDRESS, home);
    /// assert_eq!(record.links[0].to.kind, EntityKind::Location);
    /// assert_eq!(record.linked[0].local_id, "NOM-1/ADR-1");
    /// ```
    pub fn with_linked(
        mut self,
        local_id: impl Into<String>,
        role: impl Into<String>,
        entity: impl Into<Entity>,
    ) -> Self {
        let entity = entity.into();
        let local_id = local_id.into();
        let to = EntityRef::new(entity.kind(), local_id.clone());
        self = self.link_to(to, role);
        self.linked.push(LinkedEntity { local_id, entity });
        self
    }

    /// Like [`PoleRecord::with_linked`], with the link pointing from the carried entity to this
    /// record's (a keeper's `ownershipOf` a vehicle, say).
    pub fn with_linked_from(
        mut self,
        local_id: impl Into<String>,
        role: impl Into<String>,
        entity: impl Into<Entity>,
    ) -> Self {
        let entity = entity.into();
        let local_id = local_id.into();
        let from = EntityRef::new(entity.kind(), local_id.clone());
        self = self.link_from(from, role);
        self.linked.push(LinkedEntity { local_id, entity });
        self
    }
}

impl SearchResult {
    /// A page of records with no more to come.
    pub fn complete(records: Vec<PoleRecord>) -> Self {
        SearchResult {
            records,
            next_cursor: None,
            total: None,
        }
    }

    /// A page of records; `next_cursor` is present when more match.
    pub fn page(records: Vec<PoleRecord>, next_cursor: Option<String>) -> Self {
        SearchResult {
            records,
            next_cursor,
            total: None,
        }
    }

    /// Says how many records match in all (this page and the rest), when the vendor tells.
    pub fn of_total(mut self, total: u32) -> Self {
        self.total = Some(total);
        self
    }
}

impl Receipt {
    /// A receipt for a newly created entity.
    pub fn created(local_id: impl Into<String>) -> Self {
        Receipt {
            local_id: local_id.into(),
            created: true,
            reference: None,
        }
    }

    /// A receipt for an update or an idempotent replay (`created` false).
    pub fn existing(local_id: impl Into<String>) -> Self {
        Receipt {
            created: false,
            ..Self::created(local_id)
        }
    }

    /// Adds the vendor's own reference to quote, e.g. an incident number.
    pub fn reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }
}

impl CheckReport {
    /// A report with a human-readable summary.
    pub fn new(message: impl Into<String>) -> Self {
        CheckReport {
            message: message.into(),
            system_version: None,
        }
    }

    /// Adds the vendor system's version.
    pub fn system_version(mut self, version: impl Into<String>) -> Self {
        self.system_version = Some(version.into());
        self
    }
}

// ------------------------------------------------------------------------------ describe

impl ConnectorInfo {
    /// Facts about a connector: its stable id (lowercase letters, digits and `-`), display
    /// name, vendor and own version. `contract-version` is filled in with
    /// [`crate::CONTRACT_VERSION`]; the maximum classification starts at OFFICIAL and the lists
    /// start empty.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        vendor: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        ConnectorInfo {
            id: id.into(),
            name: name.into(),
            vendor: vendor.into(),
            version: version.into(),
            contract_version: crate::CONTRACT_VERSION.to_string(),
            description: String::new(),
            entity_kinds: Vec::new(),
            operations: Vec::new(),
            config: Vec::new(),
            max_classification: Classification::Official,
        }
    }

    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = text.into();
        self
    }

    /// Sets the entity kinds the connector handles.
    pub fn entity_kinds(mut self, kinds: impl IntoIterator<Item = EntityKind>) -> Self {
        self.entity_kinds = kinds.into_iter().collect();
        self
    }

    /// Sets the operations the connector implements.
    pub fn operations(mut self, operations: impl IntoIterator<Item = Operation>) -> Self {
        self.operations = operations.into_iter().collect();
        self
    }

    /// Adds a configuration key.
    pub fn config(mut self, key: ConfigKey) -> Self {
        self.config.push(key);
        self
    }

    /// Sets the highest classification of data the connector may return.
    pub fn max_classification(mut self, classification: Classification) -> Self {
        self.max_classification = classification;
        self
    }
}

impl ConfigKey {
    fn new(name: &str, description: &str, kind: ConfigKind) -> Self {
        ConfigKey {
            name: name.to_string(),
            description: description.to_string(),
            kind,
            required: true,
            example: None,
        }
    }

    /// A required URL the connector calls. The force grants outbound access by its value.
    pub fn endpoint(name: &str, description: &str) -> Self {
        Self::new(name, description, ConfigKind::Endpoint)
    }

    /// A required credential: the host hands it over but never logs it.
    pub fn secret(name: &str, description: &str) -> Self {
        Self::new(name, description, ConfigKind::Secret)
    }

    /// A required plain setting.
    pub fn text(name: &str, description: &str) -> Self {
        Self::new(name, description, ConfigKind::Text)
    }

    /// Makes the key optional.
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    /// Sets an example value for documentation and `policy init`.
    pub fn example(mut self, example: impl Into<String>) -> Self {
        self.example = Some(example.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markings() {
        let h = Handling::from_marking(" official ").unwrap();
        assert_eq!(h.classification, Classification::Official);
        assert!(!h.sensitive);
        let h = Handling::from_marking("OFFICIAL SENSITIVE - personal, uk eyes only").unwrap();
        assert!(h.sensitive);
        assert_eq!(h.caveats, vec!["PERSONAL", "UK EYES ONLY"]);
        let h = Handling::from_marking("SECRET").unwrap();
        assert_eq!(h.classification, Classification::Secret);
        assert!(!h.sensitive);
        let h = Handling::from_marking("Top-Secret").unwrap();
        assert_eq!(h.classification, Classification::TopSecret);
        for bad in [
            "",
            "RESTRICTED",
            "OFFICIAL-SECRET",
            "SECRET SENSITIVE",
            "UNCLASSIFIED",
        ] {
            assert!(Handling::from_marking(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn handling_builder() {
        let g = Grading::from_codes("1", "a", "c", Some(" no onward sharing ")).unwrap();
        let h = Handling::official()
            .sensitive()
            .caveat("PERSONAL")
            .with_grading(g)
            .review_on("2027-01-01");
        assert!(h.sensitive);
        assert_eq!(h.caveats, vec!["PERSONAL"]);
        let g = h.grading.unwrap();
        assert_eq!(g.source, SourceEvaluation::Reliable);
        assert_eq!(g.intelligence, IntelligenceAssessment::A);
        assert!(matches!(g.handling, HandlingCode::Conditions(ref c) if c == "no onward sharing"));
        assert!(Grading::from_codes("2", "B", "C", None).is_none());
        assert!(Grading::from_codes("2", "B", "C", Some(" ")).is_none());
        assert!(Grading::from_codes("4", "B", "P", None).is_none());
        assert!(Grading::from_codes("2", "F", "P", None).is_none());
        assert!(Grading::from_codes("2", "B", "X", None).is_none());
    }

    #[test]
    fn person_and_vehicle() {
        let p = Person::new("Examplewood")
            .given_names_from(" Alex  Jordan ")
            .alias("AJ")
            .born("1988-03-14")
            .gender(Gender::Male);
        assert_eq!(p.given_names, vec!["Alex", "Jordan"]);
        assert_eq!(p.surname.as_deref(), Some("Examplewood"));
        assert!(p.date_of_birth_known);
        let p = Person::unnamed().born_about("1990-01-01");
        assert!(!p.date_of_birth_known);
        assert!(p.surname.is_none());

        let v = Vehicle::with_vrm("zx51 abc")
            .make("FORD")
            .colour("BLUE")
            .colour("WHITE");
        assert_eq!(v.vrm.as_deref(), Some("ZX51ABC"));
        assert_eq!(v.colours.len(), 2);
        assert_eq!(Vehicle::with_vrm("  ").vrm, None);
        assert_eq!(Vehicle::with_vrm("ZX-51").vrm.as_deref(), Some("ZX-51"));
    }

    #[test]
    fn records_and_links() {
        let source = Source::extracted_at("F", "S", "NOM-1", "2026-01-01T00:00:00Z");
        let r = PoleRecord::new(source, Handling::official(), Person::new("X"))
            .link_to(EntityRef::location("ADR-1"), crate::roles::HOME_ADDRESS)
            .link_from(EntityRef::event("INC-1"), crate::roles::KNOWN_SUSPECT);
        assert_eq!(r.links.len(), 2);
        assert_eq!(r.links[0].from.kind, EntityKind::Person);
        assert_eq!(r.links[0].from.local_id, "NOM-1");
        assert_eq!(r.links[0].to.local_id, "ADR-1");
        assert_eq!(r.links[0].role, "homeAddress");
        assert_eq!(r.links[1].to.local_id, "NOM-1");
        assert_eq!(r.links[1].from.kind, EntityKind::Event);
        assert_eq!(r.entity.kind(), EntityKind::Person);
        let e: Entity = Vehicle::with_vrm("A1").into();
        assert_eq!(e.kind(), EntityKind::Object);
        assert_eq!(EntityKind::Location.as_str(), "location");
        let keeper = Organisation::new("Example Hire Ltd").registered_number("00000001");
        let r = PoleRecord::new(
            Source::extracted_at("F", "S", "VEH-1", "2026-01-01T00:00:00Z"),
            Handling::official(),
            Vehicle::with_vrm("ZX51ABC"),
        )
        .with_linked_from("KPR-9", crate::roles::OWNERSHIP_OF, keeper)
        .with_linked(
            "VEH-1/TEL",
            "contactTelephone",
            Telephone::new("+447700900001"),
        );
        assert_eq!(r.links[0].from.kind, EntityKind::Organisation);
        assert_eq!(r.links[0].to.local_id, "VEH-1");
        assert_eq!(r.linked.len(), 2);
        assert_eq!(r.linked[0].entity.kind(), EntityKind::Organisation);
        assert_eq!(r.links[1].to.kind, EntityKind::Object);
        let page = SearchResult::complete(vec![r]).of_total(7);
        assert_eq!(page.total, Some(7));
    }

    #[test]
    fn event_times() {
        let e = Event::new(EventKind::Incident).at("2026-01-01T00:00:00Z");
        assert!(e.exact_time_known);
        let e = e.between("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z");
        assert!(!e.exact_time_known);
        assert!(e.ends_at.is_some());
    }

    #[test]
    fn describe_builders() {
        let info = ConnectorInfo::new("x-rms", "X", "V", "1.0.0")
            .entity_kinds([EntityKind::Person])
            .operations([Operation::Search])
            .config(ConfigKey::endpoint("base_url", "Base URL").example("https://x.invalid"))
            .config(ConfigKey::text("force", "Force").optional());
        assert_eq!(info.contract_version, crate::CONTRACT_VERSION);
        assert_eq!(info.config.len(), 2);
        assert!(info.config[0].required);
        assert_eq!(info.config[0].kind, ConfigKind::Endpoint);
        assert!(!info.config[1].required);
        assert_eq!(info.max_classification, Classification::Official);
    }
}
