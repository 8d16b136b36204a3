#!/usr/bin/env python3
"""Generate a labelled synthetic population held, noisily, by three fictional police systems.

Standard library only; the same --seed gives the same files.

    python3 scripts/linkage/generate.py --seed 1 --people 6000 --out target/linkage-bench/seed-1

writes
    records.jsonl  one person record per line, in the input shape of docs/linkage-input.schema.json
    truth.csv      system,local_id,person_id: which invented person each record is

Everything is invented:
- surnames are made-up compounds (Examplewood, Specimenford, …), given names are common first
  names with no surname or date attached to any real person;
- postcodes are in the area `YY`, which no UK postcode uses, yet they keep the DS_010 shape and
  letter rules (outward `YY` + 1–2 digits, inward digit + two letters from ABDEFGHJLNPQRSTUWXYZ);
- UPRNs are 12 digits starting 9999, far above the numbers OS AddressBase has issued;
- telephone numbers come from Ofcom's ranges reserved for drama (07700 900000–900999,
  01632 960000–960999, 020 7946 0000–0999, 0113–0191 496/498 0000–0999 ...), written in E.164
  by one system, nationally by another;
- e-mail addresses are at example.invalid; PNC ids have valid check letters but are random.

Default noise, per system copy (fixed, as the benchmark specifies): ~5% typos per field,
~10% nicknames or initials for the given name, ~3% DOB day and month transposed, ~5% DOB
missing, ~15% moved address, ~30% phone missing; hard negatives: twins, father and son with
the same name, strangers with the same name and DOB; ~2% duplicates within a system.
"""

import argparse
import csv
import json
import os
import random
import string

SYSTEMS = ["Kestrel RMS", "Osprey Custody", "Harrier ANPR"]
SYSTEM_PREFIX = {"Kestrel RMS": "NOM", "Osprey Custody": "CUS", "Harrier ANPR": "KPR"}
FORCE = "Exampleshire Constabulary"

# Share of the population each system holds.
HOLD_RATE = 0.60
# Noise rates (per system copy).
TYPO = 0.05
NICKNAME_OR_INITIAL = 0.10
DOB_TRANSPOSED = 0.03
DOB_MISSING = 0.05
MOVED = 0.15
PHONE_MISSING = 0.30
DUPLICATE_IN_SYSTEM = 0.02
GENDER_MISSING = 0.05
EMAIL_HELD = 0.60  # of people with an e-mail address, share of copies that hold it
PNC_HELD = 0.70  # of people with a PNC id, share of copies that hold it
UPRN_HELD = 0.50  # share of copies whose address carries its UPRN
ONE_PART_OF_DOUBLE_BARREL = 0.30  # copies that record only one part of a double-barrelled surname
# Hard negatives, as shares of the population.
TWINS = 0.015
FATHER_AND_SON = 0.01
SAME_NAME_SAME_DOB = 0.01
HAS_PNC = 0.45
HAS_EMAIL = 0.55
HAS_MIDDLE = 0.50
DOUBLE_BARRELLED = 0.03

SURNAME_STEMS = [
    "Example", "Sample", "Test", "Specimen", "Fiction", "Mock", "Dummy", "Proto", "Demo",
    "Trial", "Pseudo", "Synth", "Fable", "Myth", "Placeholder", "Invent", "Pretend",
    "Notion", "Figment", "Dreamy",
]
SURNAME_ENDINGS = [
    "wood", "field", "ford", "ton", "by", "ham", "well", "worth", "ley", "shaw", "brook",
    "stone", "bridge", "more", "dale", "combe", "hurst", "wick", "thorpe", "cott",
]

# Given names with their short forms (the generator's own list, written apart from the
# linker's table: most overlap, as common English short forms do, some are not in it).
MALE = {
    "Alexander": ["Alex", "Al", "Sandy"], "Andrew": ["Andy", "Drew"], "Anthony": ["Tony"],
    "Benjamin": ["Ben", "Benji"], "Charles": ["Charlie", "Chas"], "Christopher": ["Chris", "Kit"],
    "Daniel": ["Dan", "Danny"], "David": ["Dave"], "Edward": ["Ed", "Eddie", "Ted"],
    "Frederick": ["Fred", "Freddie"], "Henry": ["Harry", "Hal"], "James": ["Jim", "Jamie"],
    "John": ["Jack", "Johnny"], "Jonathan": ["Jon", "Jonny"], "Joseph": ["Joe", "Joey"],
    "Joshua": ["Josh"], "Matthew": ["Matt"], "Michael": ["Mike", "Mick"],
    "Nicholas": ["Nick", "Nicky"], "Patrick": ["Pat", "Paddy"], "Peter": ["Pete"],
    "Richard": ["Rich", "Rick", "Dick"], "Robert": ["Rob", "Bob", "Bobby"], "Samuel": ["Sam"],
    "Stephen": ["Steve"], "Thomas": ["Tom", "Tommy"], "Timothy": ["Tim"],
    "William": ["Will", "Bill", "Billy"], "Oliver": ["Ollie"], "Lawrence": ["Larry"],
    "Terence": ["Terry", "Tel"], "Gareth": ["Gaz"], "Jordan": [], "Ravi": [], "Mohammed": ["Mo"],
    "Kwame": [], "Declan": ["Dec"], "Tariq": [], "Lewis": [], "Callum": ["Cal"], "Ryan": [],
    "Connor": [], "Wei": [], "Arjun": [], "Tobias": ["Toby"], "Sebastian": ["Seb"],
}
FEMALE = {
    "Alexandra": ["Alex", "Lexi", "Sandra"], "Catherine": ["Kate", "Cathy", "Katie"],
    "Charlotte": ["Lottie"], "Christine": ["Chris", "Tina"], "Deborah": ["Debbie", "Deb"],
    "Eleanor": ["Ellie", "Nell"], "Elizabeth": ["Liz", "Beth", "Lizzie"], "Emily": ["Em"],
    "Jennifer": ["Jen", "Jenny"], "Margaret": ["Maggie", "Meg", "Peggy"],
    "Patricia": ["Pat", "Trish"], "Rebecca": ["Becky", "Becca"], "Samantha": ["Sam", "Sammy"],
    "Susan": ["Sue", "Susie"], "Victoria": ["Vicky", "Tori"], "Abigail": ["Abi", "Abby"],
    "Isabella": ["Izzy", "Bella"], "Jacqueline": ["Jackie"], "Amanda": ["Mandy"],
    "Pamela": ["Pam"], "Priya": [], "Aisha": [], "Chloe": [], "Sophie": [], "Hannah": [],
    "Grace": [], "Megan": ["Meg"], "Olivia": ["Liv"], "Zara": [], "Niamh": [], "Mei": [],
    "Funmilayo": ["Funmi"], "Siobhan": [], "Lauren": [], "Jessica": ["Jess"], "Kerry": [],
}
STREETS = ["Example Road", "Sample Street", "Fictional Road", "Specimen Gardens", "Test Lane",
           "Mockingbird Close", "Placeholder Way", "Notional Avenue", "Figment Crescent",
           "Invented Terrace", "Pretend Place", "Demo Drive"]
TOWNS = ["Exampleton", "Sampleton", "Testbury", "Mockford", "Fableham"]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
PNC_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
# Ofcom drama ranges: (E.164 prefix before the last 3 or 4 digits, digits to add).
PHONE_RANGES = [("+447700900", 3), ("+441632960", 3), ("+4420794600", 3)] + [
    (f"+44{area}4960", 3) for area in ["113", "114", "115", "116", "117", "118", "121", "131", "141", "151", "161"]
] + [("+441914980", 3)]


def pnc_id(rng, year):
    serial = rng.randrange(1, 10_000_000)
    yy = year % 100
    letter = PNC_LETTERS[(yy * 10_000_000 + serial) % 23]
    return f"{year:04d}/{serial:07d}{letter}"


class Population:
    def __init__(self, rng):
        self.rng = rng
        self.surnames = [s + e for s in SURNAME_STEMS for e in SURNAME_ENDINGS]
        rng.shuffle(self.surnames)
        # Zipf-like: a few common surnames, a long tail.
        self.surname_weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(self.surnames))]
        self.phones = [p + f"{n:0{d}d}" for p, d in PHONE_RANGES for n in range(10 ** d)]
        rng.shuffle(self.phones)
        self.next_uprn = 999_900_000_000 + rng.randrange(1_000_000)
        self.people = []

    def phone(self):
        return self.phones.pop() if self.phones else None

    def address(self):
        rng = self.rng
        district = rng.randrange(1, 60)
        pc = f"YY{district} {rng.randrange(10)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
        self.next_uprn += rng.randrange(1, 50)
        return {"premises": str(rng.randrange(1, 200)), "street": rng.choice(STREETS),
                "town": rng.choice(TOWNS), "postcode": pc, "uprn": f"{self.next_uprn:012d}"}

    def new_person(self, **fixed):
        rng = self.rng
        gender = fixed.get("gender") or rng.choice(["male", "female"])
        names = MALE if gender == "male" else FEMALE
        given = fixed.get("given") or rng.choice(list(names))
        middle = [rng.choice(list(names))] if rng.random() < HAS_MIDDLE else []
        surname = fixed.get("surname")
        if surname is None:
            surname = rng.choices(self.surnames, self.surname_weights)[0]
            if rng.random() < DOUBLE_BARRELLED:
                surname += "-" + rng.choices(self.surnames, self.surname_weights)[0]
        dob = fixed.get("dob")
        if dob is None:
            dob = (rng.randrange(1945, 2008), rng.randrange(1, 13), rng.randrange(1, 29))
        person = {
            "id": f"P{len(self.people) + 1:06d}", "gender": gender, "given": given,
            "middle": middle, "surname": surname, "dob": dob,
            "address": fixed.get("address") or self.address(),
            "moved_to": self.address(),
            "phone": self.phone(),
            "email": None,
            "pnc": pnc_id(rng, dob[0] + rng.randrange(14, 40)) if rng.random() < HAS_PNC else None,
        }
        if rng.random() < HAS_EMAIL:
            local = f"{given.lower()}.{surname.lower().replace('-', '')}{rng.randrange(100)}"
            person["email"] = f"{local}@example.invalid"
        self.people.append(person)
        return person


def typo(rng, text):
    """One keyboard slip: substitute, delete, insert or swap adjacent characters."""
    if not text:
        return text
    i = rng.randrange(len(text))
    op = rng.randrange(4)
    pool = string.digits if text[i].isdigit() else string.ascii_lowercase
    c = rng.choice(pool)
    if text[i].isupper():
        c = c.upper()
    if op == 0:
        return text[:i] + c + text[i + 1:]
    if op == 1 and len(text) > 2:
        return text[:i] + text[i + 1:]
    if op == 2:
        return text[:i] + c + text[i:]
    if i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + c


def noisy(rng, value):
    return typo(rng, value) if value and rng.random() < TYPO else value


def national(phone):
    return "0" + phone[3:] if phone.startswith("+44") else phone


def format_phone(system, phone):
    if system == "Osprey Custody":
        n = national(phone)
        return f"{n[:5]} {n[5:]}"
    if system == "Harrier ANPR":
        return f"+44 {phone[3:7]} {phone[7:]}"
    return phone


def copy_of(rng, person, system, local_id):
    names = MALE if person["gender"] == "male" else FEMALE
    given = person["given"]
    if rng.random() < NICKNAME_OR_INITIAL:
        short = names.get(given, [])
        given = rng.choice(short) if short and rng.random() < 0.7 else given[0]
    given = noisy(rng, given)
    surname = person["surname"]
    if "-" in surname and rng.random() < ONE_PART_OF_DOUBLE_BARREL:
        surname = rng.choice(surname.split("-"))
    surname = noisy(rng, surname)
    y, m, d = person["dob"]
    dob = None
    if rng.random() >= DOB_MISSING:
        if rng.random() < DOB_TRANSPOSED and d <= 12 and d != m:
            m, d = d, m
        text = f"{y:04d}-{m:02d}-{d:02d}"
        if rng.random() < TYPO:
            # A digit slip that still reads as a date.
            for _ in range(10):
                slipped = list(text)
                i = rng.choice([2, 3, 6, 9])
                slipped[i] = rng.choice(string.digits)
                cand = "".join(slipped)
                cm, cd = int(cand[5:7]), int(cand[8:])
                if 1 <= cm <= 12 and 1 <= cd <= 28 and cand != text:
                    text = cand
                    break
        dob = text
    address = dict(person["moved_to"] if rng.random() < MOVED else person["address"])
    address["postcode"] = noisy(rng, address["postcode"])
    if rng.random() >= UPRN_HELD:
        address["uprn"] = None
    phone = person["phone"] if rng.random() >= PHONE_MISSING else None
    if phone:
        phone = format_phone(system, noisy(rng, phone))
    email = person["email"] if person["email"] and rng.random() < EMAIL_HELD else None
    email = noisy(rng, email)
    pnc = person["pnc"] if person["pnc"] and rng.random() < PNC_HELD else None
    pnc = noisy(rng, pnc)
    gender = person["gender"] if rng.random() >= GENDER_MISSING else None

    linked, links = [], []
    adr_id = f"ADR-{local_id}"
    linked.append({"local_id": adr_id, "entity": {"kind": "location", **address}})
    links.append({"from": {"kind": "person", "local_id": local_id},
                  "to": {"kind": "location", "local_id": adr_id}, "role": "homeAddress"})
    if phone:
        tel_id = f"TEL-{local_id}"
        linked.append({"local_id": tel_id, "entity": {"kind": "object", "type": "telephone", "number": phone}})
        links.append({"from": {"kind": "person", "local_id": local_id},
                      "to": {"kind": "object", "local_id": tel_id}, "role": "personalTelephone"})
    if email:
        em_id = f"EM-{local_id}"
        linked.append({"local_id": em_id, "entity": {"kind": "object", "type": "email", "address": email}})
        links.append({"from": {"kind": "person", "local_id": local_id},
                      "to": {"kind": "object", "local_id": em_id}, "role": "personalEmail"})
    return {
        "source": {"force": FORCE, "system": system, "local_id": local_id,
                   "extracted_at": "2026-03-01T14:05:00Z"},
        "handling": {"classification": "official", "sensitive": False, "caveats": []},
        "entity": {"kind": "person", "given_names": [given], "middle_names": person["middle"],
                   "surname": surname, "aliases": [], "date_of_birth": dob,
                   "date_of_birth_known": dob is not None, "gender": gender,
                   "pnc_id": pnc, "cro_number": None, "warning_markers": []},
        "links": links,
        "linked": linked,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--people", type=int, default=6000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    pop = Population(rng)
    base = args.people
    while len(pop.people) < base:
        p = pop.new_person()
        r = rng.random()
        if r < TWINS:
            other = [n for n in (MALE if p["gender"] == "male" else FEMALE) if n != p["given"]]
            pop.new_person(surname=p["surname"], dob=p["dob"], address=p["address"],
                           gender=p["gender"] if rng.random() < 0.5 else None,
                           given=rng.choice(other) if rng.random() < 0.5 else None)
        elif r < TWINS + FATHER_AND_SON and p["gender"] == "male":
            y, m, d = p["dob"]
            pop.new_person(surname=p["surname"], given=p["given"], gender="male",
                           address=p["address"], dob=(y - rng.randrange(20, 36), rng.randrange(1, 13), rng.randrange(1, 29)))
        elif r < TWINS + FATHER_AND_SON + SAME_NAME_SAME_DOB:
            pop.new_person(surname=p["surname"], given=p["given"], gender=p["gender"], dob=p["dob"])
    os.makedirs(args.out, exist_ok=True)
    records, truth = [], []
    for system in SYSTEMS:
        serial = 0
        held = [p for p in pop.people if rng.random() < HOLD_RATE]
        copies = []
        for p in held:
            copies.append(p)
            if rng.random() < DUPLICATE_IN_SYSTEM:
                copies.append(p)
        rng.shuffle(copies)
        for p in copies:
            serial += 1
            local_id = f"{SYSTEM_PREFIX[system]}-{serial:06d}"
            records.append(copy_of(rng, p, system, local_id))
            truth.append((system, local_id, p["id"]))
    with open(os.path.join(args.out, "records.jsonl"), "w") as f:
        for r in records:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    with open(os.path.join(args.out, "truth.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["system", "local_id", "person_id"])
        w.writerows(truth)
    print(json.dumps({"seed": args.seed, "people": len(pop.people), "records": len(records)}))


if __name__ == "__main__":
    main()
