#!/usr/bin/env python3
"""Generate a deterministic corpus of realistic English wire articles for the detection benchmark.

    python3 bench/make_corpus.py [--n 10000] [--seed 7] [--out bench/out/corpus.jsonl]

Each line is one article in the Article JSON form (id, title, body, published_at, source, url,
language), about 3 KB of wire prose: background sentences (economy, domestic politics, quotes,
context) mixed with escalation sentences of every PLOVER type in every modality (asserted,
scheduled with all the date forms, speculative, denied, historical) and with non-event
look-alikes ("deployed the software", "the board will meet on Thursday"). About 60% of articles
carry at least one escalation sentence. Actors and places come from the project's gazetteer, and
every sentence is assembled from slots (actors, places, numbers, dates, word choices), so the text
does not repeat and a detector cannot win by caching.

Stdlib only and seeded: the same --n and --seed always give the same file. Not a test fixture and
not labelled: it measures speed, not quality.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GAZETTEER = ROOT / "service" / "detection" / "data" / "gazetteer.tsv"

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip
MONTH_ABBR = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.",
              "Nov.", "Dec."]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SOURCES = ["Reuters", "Associated Press", "AFP", "Bloomberg", "Al Jazeera", "BBC News",
           "The Guardian", "Deutsche Welle", "Kyodo", "Anadolu", "Nikkei Asia", "Euronews"]  # fmt: skip

# Pairs that dominate real escalation news, so the corpus has the density of hot spots.
HOT_PAIRS = [("RUS", "UKR"), ("ISR", "PSE"), ("ISR", "HAMAS"), ("ISR", "HEZBOLLAH"),
             ("ISR", "IRN"), ("USA", "IRN"), ("CHN", "TWN"), ("USA", "CHN"), ("IND", "PAK"),
             ("PRK", "KOR"), ("RUS", "NATO"), ("HOUTHIS", "USA"), ("RSF", "SDN"), ("M23", "COD"),
             ("AZE", "ARM"), ("SRB", "XKX"), ("TUR", "PKK"), ("USA", "VEN"), ("CHN", "PHL"),
             ("RUS", "EST"), ("RUS", "POL"), ("ETH", "ERI"), ("EU", "RUS"), ("USA", "RUS")]  # fmt: skip


# Demonyms that are nouns for a person, not adjectives ("a Swede", but "Swedish troops").
_NOUN_DEMONYMS = frozenset({
    "Swede", "Briton", "Turk", "Serb", "Croat", "Frenchman", "Frenchmen", "Frenchwoman",
    "Dutchman", "Dutchmen", "Icelander", "Liechtensteiner", "Luxembourger", "New Zealander",
    "Solomon Islander", "Greek Cypriot", "Turkish Cypriot", "Kittitian", "Emaswati", "Mosotho",
    "Basotho", "I-Kiribati", "Ni-Vanuatu", "Motswana",
})  # fmt: skip


# ----------------------------------------------------------------------------- the gazetteer
class World:
    """Actors and places drawn from gazetteer.tsv, grouped by code for sentence slots."""

    def __init__(self, path: Path) -> None:
        self.names: dict[str, str] = {}  # code -> canonical display name
        self.state_surfaces: dict[str, list[str]] = defaultdict(list)
        self.demonyms: dict[str, list[str]] = defaultdict(list)  # singular adjectives
        self.capitals: dict[str, list[str]] = defaultdict(list)
        self.metonyms: dict[str, list[str]] = defaultdict(list)
        self.leaders: dict[str, list[str]] = defaultdict(list)
        self.cities: dict[str, list[str]] = defaultdict(list)
        self.regions: dict[str, list[str]] = defaultdict(list)
        self.seas: list[str] = []
        self.igos: dict[str, str] = {}
        self.groups: dict[str, str] = {}
        self.group_country: dict[str, str] = {}
        with path.open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh, delimiter="\t"):
                s, code, kind, name = r["surface"], r["code"], r["kind"], r["name"]
                if kind == "state":
                    self.state_surfaces[code].append(s)
                    if s == name:
                        self.names[code] = name
                elif kind == "demonym" and not s.endswith("s") and s not in _NOUN_DEMONYMS:
                    self.demonyms[code].append(s)
                elif kind == "capital" and s == name:
                    self.capitals[code].append(s)
                elif kind == "metonym" and s == name and len(s) > 4:
                    self.metonyms[code].append(s)
                elif kind == "leader" and " " in s:
                    self.leaders[code].append(s)
                elif kind == "city" and s == name:
                    self.cities[r["country"]].append(s)
                elif kind == "region" and s == name:
                    if r["country"]:
                        self.regions[r["country"]].append(s)
                    elif any(w in s for w in ("Sea", "Strait", "Gulf", "Ocean", "Canal")):
                        self.seas.append(s)
                elif kind == "igo" and s == name:
                    self.igos[code] = s
                elif kind == "group" and s == name:
                    self.groups[code] = s
                    self.group_country[code] = r["country"]
        for d in (self.leaders,):
            for code in d:
                d[code] = sorted(set(d[code]))
        self.states = sorted(c for c in self.names if self.capitals.get(c))
        self.big = [c for c in self.states if self.cities.get(c)]

    def display(self, code: str) -> str:
        return self.names.get(code) or self.igos.get(code) or self.groups.get(code) or code


# ----------------------------------------------------------------------------- slot fillers
_FORMAL = ("Republic", "Kingdom", "Federation", "State", "Confederation", "Commonwealth",
           "Principality", "Sultanate", "Emirate", "Duchy", "Federated", "Socialist")  # fmt: skip
_ARTICLE_PREFIXES = ("United ", "Republic ", "Democratic ", "Central African", "Czech ",
                     "Dominican ", "Holy ", "Netherlands", "Philippines", "Bahamas", "Gambia",
                     "Maldives", "Comoros", "Seychelles", "Marshall ", "Solomon ")  # fmt: skip


def _takes_article(name: str) -> bool:
    return name.startswith(_ARTICLE_PREFIXES)


def _plain(surface: str, display: str) -> bool:
    """Surfaces a wire story would use as a subject: not the formal long names."""
    if surface == display.removeprefix("the "):
        return not _takes_article(surface)
    return (surface.isupper() or "." in surface or len(surface.split()) <= 2) and not any(
        w in surface for w in _FORMAL
    )


def _poss(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _cap(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


QUOTE_A = ["doing everything we can", "working around the clock", "determined", "ready",
           "taking every measure", "committed"]  # fmt: skip
QUOTE_B = ["protect the people of", "keep order in", "restore power in", "rebuild", "support families in",
           "defend"]  # fmt: skip
RATINGS = ["AAA", "AA+", "AA", "A+", "A", "A-", "BBB+", "BBB", "BBB-", "BB+", "BB", "B", "CCC"]
COMPANIES = ["Acme Holdings", "Nordwind Energy", "Pacific Rail", "Orion Foods", "Meridian Bank",
             "Atlas Steel", "Helios Motors", "Blue Harbour Shipping", "Sirius Telecom", "Granite Mining",
             "Lotus Pharma", "Vega Airlines", "Crescent Retail", "Summit Software"]  # fmt: skip
AGENCIES = ["Moody's", "Fitch", "S&P Global"]
REPORTERS = ["Anna Petrova", "Tom Balmforth", "Mark Hale", "Lena Ortiz", "Samir Haddad",
             "Yuki Tanaka", "Grace Mensah", "Pavel Novak", "Priya Raman", "Jon Eriksen",
             "Maria Costa", "Ahmed Farouk", "Chen Wei", "Olga Kuzmina", "David Brunnstrom"]  # fmt: skip


class Writer:
    """Builds sentences for one article; holds the random source and the article's date."""

    def __init__(self, rng: random.Random, world: World, published: date) -> None:
        self.r = rng
        self.w = world
        self.pub = published
        self.focus: tuple[str, str] | None = None  # the article's main pair of actors
        self.used: dict[str, set[int]] = defaultdict(set)  # template indices already used
        self.allowed: dict[str, list[int]] = {}  # the article's share of each bank

    def pick(self, bank: str, templates: list) -> str:
        """Render one template of a bank, avoiding repeats within the article while any is left.

        Each article draws from its own random 60% of the bank, so no template shows up in
        every article (real wire stories do not all mention trade talks and bond yields).
        """
        if bank not in self.allowed:
            k = max(6, int(len(templates) * 0.6))
            self.allowed[bank] = self.r.sample(range(len(templates)), k)
        allowed, used = self.allowed[bank], self.used[bank]
        if len(used) >= len(allowed):
            used.clear()
        idx = self.r.choice([i for i in allowed if i not in used])
        used.add(idx)
        return templates[idx]()

    # -- actors
    def np(self, code: str) -> str:
        """A noun phrase naming the actor: state name, capital, metonym, leader or officials."""
        w, r = self.w, self.r
        if code in w.igos:
            return r.choice([w.igos[code], f"{w.igos[code]} officials", f"the {w.igos[code]}"])
        if code in w.groups:
            return r.choice(
                [self.state(code), f"{self.adj(code)} fighters", f"{self.adj(code)} leaders"]
            )
        options = [x for x in w.state_surfaces.get(code, [code]) if _plain(x, self.state(code))]
        options += w.capitals.get(code, [])
        options += [f"the {m}" for m in w.metonyms.get(code, [])[:2]]
        options += w.leaders.get(code, [])[:4]
        if w.demonyms.get(code):
            options.append(f"{r.choice(w.demonyms[code])} officials")
        return r.choice(options)

    def adj(self, code: str) -> str:
        w = self.w
        if code in w.groups:
            g = w.groups[code]
            return g[:-1] if g.endswith("is") else g  # "Houthi fighters", "Taliban fighters"
        if code in w.igos:
            return w.igos[code]
        dem = w.demonyms.get(code)
        return self.r.choice(dem) if dem else _poss(self.state(code))

    def state(self, code: str) -> str:
        """The display name as running text writes it ("the United States", "Russia")."""
        name = self.w.display(code)
        if code in self.w.igos:
            return name if name.replace("+", "").isalnum() and name.isupper() else f"the {name}"
        if code in self.w.groups:
            return f"the {name}" if name.endswith("s") else name
        return f"the {name}" if _takes_article(name) else name

    def leader(self, code: str) -> str:
        ls = self.w.leaders.get(code)
        return self.r.choice(ls) if ls else f"the {self.adj(code)} foreign minister"

    def pair(self) -> tuple[str, str]:
        """The article's main pair most of the time (news stays on one story), else another."""
        r = self.r
        if self.focus and r.random() < 0.7:
            a, b = self.focus
            return (b, a) if r.random() < 0.2 else (a, b)
        a, b = self._new_pair()
        self.focus = self.focus or (a, b)
        return a, b

    def _new_pair(self) -> tuple[str, str]:
        r = self.r
        if r.random() < 0.55:
            a, b = r.choice(HOT_PAIRS)
            return (b, a) if r.random() < 0.25 else (a, b)
        a, b = r.sample(self.w.states, 2)
        return a, b

    # -- places
    def city(self, code: str | None = None) -> str:
        """A city or capital of the country (a random country when it has no city listed)."""
        w, r = self.w, self.r
        code = w.group_country.get(code, code) if code else code
        home = code if code and w.cities.get(code) else r.choice(w.big)
        return r.choice(w.cities[home] + w.capitals.get(home, []))

    def place(self, code: str | None = None) -> str:
        """Like city(), but regions of the country too ("Crimea", "Donbas")."""
        w, r = self.w, self.r
        code = w.group_country.get(code, code) if code else code
        home = code if code and w.cities.get(code) else r.choice(w.big)
        return r.choice(w.cities[home] + w.regions.get(home, []) + w.capitals.get(home, []))

    def home(self) -> str:
        """A state for background sentences: usually one of the article's own actors."""
        if self.focus and self.r.random() < 0.6:
            for code in self.r.sample(self.focus, 2):
                if code in self.w.names and self.w.capitals.get(code):
                    return code
        return self.r.choice(self.w.states)

    def venue(self) -> str:
        return self.r.choice(["Geneva", "Vienna", "Brussels", "Istanbul", "Doha", "Riyadh", "Jeddah",
                              "Oslo", "Helsinki", "Munich", "Davos", "The Hague", "New York",
                              "Cairo", "Abu Dhabi", "Muscat", "Singapore", "Beijing", "Minsk",
                              "Ankara", "Baku", "Astana", "Nairobi", "Addis Ababa", "Luanda",
                              "Bali", "Tokyo", "Paris", "London", "Rome", "Budapest", "Warsaw"])  # fmt: skip

    def sea(self) -> str:
        return self.r.choice(self.w.seas)

    # -- numbers and dates
    def n(self, lo: int, hi: int) -> str:
        v = self.r.randint(lo, hi)
        return f"{v:,}"

    def future_date(self) -> str:
        r, pub = self.r, self.pub
        d = pub + timedelta(days=r.randint(2, 120))
        m = d.month - 1
        forms = [
            f"on {MONTH_ABBR[m]} {d.day}",
            f"on {MONTHS[m]} {d.day}",
            f"on {d.day} {MONTHS[m]}",
            f"next {WEEKDAYS[r.randrange(7)]}",
            f"on {WEEKDAYS[r.randrange(7)]}",
            f"{MONTHS[m]} {d.day}-{min(d.day + r.randint(1, 3), 28)}",
            f"from {MONTHS[m]} {d.day} to {min(d.day + r.randint(1, 4), 28)}",
            f"on {MONTH_ABBR[m]} {d.day}, {d.year}",
            "later this month" if d.month == pub.month else f"in {MONTHS[m]}",
            f"on {WEEKDAYS[d.weekday()]}, {MONTHS[m]} {d.day}",
            "in two weeks",
            "early next month",
        ]
        return r.choice(forms)

    def future_np(self) -> str:
        """A future date as a noun phrase, for "scheduled for ...": "Jan. 10", "next Tuesday"."""
        while True:
            d = self.future_date()
            if not d.startswith(("from ", "in two")):
                return d.removeprefix("on ").removeprefix("in ")

    def past_date(self) -> str:
        r, pub = self.r, self.pub
        d = pub - timedelta(days=r.randint(1, 20))
        m = d.month - 1
        return r.choice([
            f"on {WEEKDAYS[d.weekday()]}", "late on Monday", "late Tuesday", "earlier this week",
            f"on {MONTH_ABBR[m]} {d.day}", "overnight", "on Sunday", "last week", "yesterday",
            f"on {d.day} {MONTHS[m]}", "over the weekend", "early on Friday",
        ])  # fmt: skip

    def year(self) -> int:
        return self.r.randint(1991, self.pub.year - 2)


# ----------------------------------------------------------------------------- sentence banks
def escalation(wr: Writer) -> tuple[str, str]:
    """One escalation sentence of a random PLOVER type and modality, and a headline for it."""
    r = wr.r
    a, b = wr.pair()
    A, B = wr.np(a), wr.np(b)
    SA, SB = wr.state(a), wr.state(b)
    kind = r.choice([
        "mobilize", "mobilize", "consult", "consult", "consult", "threaten", "sanction", "assault",
        "assault", "agree", "aid", "coerce", "retreat", "protest", "accuse", "reject", "request",
        "support", "concede", "cooperate", "denied", "speculative", "historical",
    ])  # fmt: skip
    if kind == "mobilize":
        s = r.choice([
            lambda: f"{A} has massed some {wr.n(20, 150)},000 troops near the border with {SB}, according to satellite images reviewed by {r.choice(['analysts', 'officials', 'a private intelligence firm'])}.",
            lambda: f"{A} deployed {wr.n(2, 14)} additional warships to the {wr.sea().removeprefix('the ')}, {r.choice(['the defence ministry said', 'officials said', 'according to a navy spokesperson'])}.",
            lambda: f"The {wr.adj(a)} military raised the combat readiness of its forces in {wr.place(a)} {wr.past_date()}.",
            lambda: f"{A} called up {wr.n(5, 300)},000 reservists {wr.past_date()} and moved armoured units toward {wr.place(b)}.",
            lambda: f"{wr.adj(a)} forces moved {r.choice(['air defence systems', 'long-range missiles', 'tank columns', 'artillery batteries', 'fighter jets'])} to {wr.city(a)}, {r.choice(['within striking distance of', 'close to', 'near'])} {SB}.",
        ])()  # fmt: skip
        head = f"{SA} builds up forces near {SB}"
    elif kind == "consult":
        v = wr.venue()
        s = r.choice([
            lambda: f"{A} and {B} will hold talks in {v} {wr.future_date()}, {r.choice(['diplomats said', 'the foreign ministry said', 'officials confirmed'])}.",
            lambda: f"{wr.leader(a)} is set to meet {wr.leader(b)} in {v} {wr.future_date()} to discuss {r.choice(['the crisis', 'security guarantees', 'a prisoner exchange', 'the ceasefire', 'arms control'])}.",
            lambda: f"Foreign ministers of the {wr.w.igos.get(r.choice(['NATO', 'EU', 'OSCE', 'ASEAN', 'G7']), 'OSCE')} will convene in {v} {wr.future_date()}.",
            lambda: f"{wr.leader(a)} spoke by phone with {wr.leader(b)} {wr.past_date()}, the two sides said in statements.",
            lambda: f"A summit between {SA} and {SB} has been scheduled for {wr.future_np()} in {v}.",
            lambda: f"{wr.leader(a)} will travel to {wr.city(b)} {wr.future_date()} for a {r.choice(['two-day', 'three-day', 'brief', 'state'])} visit.",
        ])()  # fmt: skip
        head = f"{SA} and {SB} to hold talks in {v}"
    elif kind == "threaten":
        s = r.choice([
            lambda: f"{A} threatened to {r.choice(['cut gas supplies to', 'impose tariffs on', 'take military action against', 'expel diplomats from', 'sever ties with'])} {SB} if its demands were not met.",
            lambda: f"{wr.leader(a)} warned that {SA} would respond with {r.choice(['force', 'unspecified military-technical measures', 'crushing retaliation', 'economic sanctions'])} if {B} {r.choice(['crossed the line', 'attacked', 'deployed missiles nearby', 'went ahead with the plan'])}.",
            lambda: f"{A} said it was prepared to use {r.choice(['all means', 'nuclear weapons', 'its navy', 'force'])} to defend {wr.place(a)}, in a warning directed at {SB}.",
        ])()  # fmt: skip
        head = f"{SA} warns {SB}"
    elif kind == "sanction":
        s = r.choice([
            lambda: f"{A} imposed sanctions on {wr.n(3, 180)} {wr.adj(b)} {r.choice(['entities', 'individuals', 'banks', 'oil tankers', 'officials'])} {wr.past_date()}.",
            lambda: f"The {wr.w.igos.get('EU', 'EU')} adopted its {r.choice(['12th', '14th', '16th', '17th', 'latest'])} package of sanctions against {SB}, targeting {r.choice(['energy exports', 'the shadow fleet', 'defence firms', 'banks'])}.",
            lambda: f"{A} expelled {wr.n(2, 40)} {wr.adj(b)} diplomats and recalled its ambassador from {SB}.",
            lambda: f"{A} announced an embargo on {r.choice(['arms sales', 'oil imports', 'chip exports', 'grain shipments'])} to {SB}.",
        ])()  # fmt: skip
        head = f"{SA} sanctions {SB}"
    elif kind == "assault":
        c = wr.city(b)
        s = r.choice([
            lambda: f"{wr.adj(a)} forces launched a missile strike on {c} {wr.past_date()}, killing {wr.n(2, 60)} people and wounding dozens, local officials said.",
            lambda: f"Drones struck {r.choice(['an oil depot', 'a power plant', 'an air base', 'a railway hub', 'a port'])} in {c} {wr.past_date()}, {r.choice(['officials', 'the regional governor', 'witnesses'])} said.",
            lambda: f"{A} shelled positions near {c} throughout the night, {r.choice(['the army said', 'residents said', 'a monitoring group said'])}.",
            lambda: f"An air strike on {c} killed at least {wr.n(3, 90)} people, {r.choice(['medics', 'health officials', 'rescue workers'])} said, blaming {B}.",
        ])()  # fmt: skip
        head = f"Strike on {c} kills dozens"
    elif kind == "agree":
        s = r.choice([
            lambda: f"{A} and {B} agreed to a {r.choice(['ceasefire', 'truce', '30-day pause in fighting', 'humanitarian pause'])} that took effect {wr.past_date()}.",
            lambda: f"{A} and {B} signed an agreement on {r.choice(['grain exports', 'border demarcation', 'prisoner swaps', 'energy cooperation', 'maritime security'])} in {wr.venue()}.",
        ])()  # fmt: skip
        head = f"{SA}, {SB} agree truce"
    elif kind == "aid":
        s = r.choice([
            lambda: f"{A} pledged ${wr.n(50, 900)} million in military aid to {SB}, including {r.choice(['air defence systems', 'artillery shells', 'armoured vehicles', 'drones'])}.",
            lambda: f"{A} sent {wr.n(10, 400)} tonnes of humanitarian aid to {wr.city(b)}, {r.choice(['officials said', 'the aid agency said'])}.",
            lambda: f"{A} announced a ${wr.n(1, 9)} billion aid package for {SB} {wr.past_date()}.",
        ])()  # fmt: skip
        head = f"{SA} announces aid for {SB}"
    elif kind == "coerce":
        s = r.choice([
            lambda: f"{A} seized a {wr.adj(b)}-flagged tanker in the {wr.sea().removeprefix('the ')} {wr.past_date()}.",
            lambda: f"{A} detained {wr.n(2, 30)} {wr.adj(b)} nationals on espionage charges.",
            lambda: f"{A} imposed a naval blockade on {wr.city(b)}, halting shipping.",
            lambda: f"{A} declared the annexation of {wr.place(b)} after a vote that {SB} called illegal.",
        ])()  # fmt: skip
        head = f"{SA} seizes, detains in row with {SB}"
    elif kind == "retreat":
        s = f"{A} withdrew {r.choice(['troops', 'its forces', 'several battalions', 'its warships'])} from {wr.place(b)} {wr.past_date()}, {r.choice(['ending a weeks-long standoff', 'officials said', 'according to satellite images'])}."
        head = f"{SA} pulls back from {SB}"
    elif kind == "protest":
        c = wr.city(a)
        s = r.choice([
            lambda: f"Thousands of people protested in {c} {wr.past_date()} against {r.choice(['the government', 'the war', 'rising prices', 'the new law'])}.",
            lambda: f"Demonstrators rallied outside the {wr.adj(b)} embassy in {wr.w.capitals.get(a, [c])[0]}, burning flags.",
        ])()  # fmt: skip
        head = f"Thousands protest in {c}"
    elif kind == "accuse":
        s = f"{A} accused {B} of {r.choice(['violating the ceasefire', 'shelling civilians', 'meddling in its elections', 'espionage', 'war crimes', 'jamming GPS signals'])}."
        head = f"{SA} accuses {SB}"
    elif kind == "reject":
        s = f"{A} rejected {r.choice(['a proposal', 'demands', 'an offer', 'a peace plan'])} from {B}, calling it {r.choice(['unacceptable', 'a non-starter', 'absurd'])}."
        head = f"{SA} rejects {SB} plan"
    elif kind == "request":
        s = f"{A} called on {B} to {r.choice(['release detained journalists', 'withdraw its troops', 'return to talks', 'open humanitarian corridors', 'hand over suspects'])}."
        head = f"{SA} urges {SB} to act"
    elif kind == "support":
        s = f"{A} voiced support for {_poss(SB)} {r.choice(['sovereignty', 'territorial integrity', 'bid to join the alliance', 'peace initiative'])}."
        head = f"{SA} backs {SB}"
    elif kind == "concede":
        s = f"{A} agreed to {r.choice(['release', 'free', 'hand over'])} {wr.n(5, 300)} {wr.adj(b)} prisoners and to ease restrictions on {r.choice(['trade', 'travel', 'aid deliveries'])}."
        head = f"{SA} makes concessions"
    elif kind == "cooperate":
        s = f"{A} and {B} agreed to {r.choice(['share intelligence', 'restore diplomatic relations', 'resume direct flights', 'set up a military hotline'])}, {r.choice(['officials said', 'a joint statement said'])}."
        head = f"{SA} and {SB} restore ties"
    elif kind == "denied":
        s = r.choice([
            lambda: f"{A} has denied plans for an assault on {SB}, calling the reports {r.choice(['hysteria', 'fake news', 'provocation'])}.",
            lambda: f"{wr.leader(a)} ruled out sending troops to {SB}.",
            lambda: f"{A} said it had no plans to {r.choice(['invade', 'attack', 'blockade', 'annex'])} {SB}.",
        ])()  # fmt: skip
        head = f"{SA} denies plans against {SB}"
    elif kind == "speculative":
        s = f"{r.choice(['Analysts say', 'Western officials fear', 'Some diplomats believe', 'Experts warn'])} {SA} could {r.choice(['launch an offensive', 'attack', 'impose a blockade on', 'strike'])} {SB} {r.choice(['within weeks', 'as early as next month', 'before winter', 'this year'])}."
        head = f"Fears grow over {SA} plans"
    else:  # historical
        s = r.choice([
            lambda: f"{SA} annexed {wr.place(b)} in {wr.year()}, a move most of the world has not recognised.",
            lambda: f"The {wr.year()} ceasefire between {SA} and {SB} collapsed within months.",
            lambda: f"{SA} and {SB} last fought a war in {wr.year()}.",
        ])()  # fmt: skip
        head = f"{SA} and {SB}: a long history"
    return s, head


def background(wr: Writer) -> str:
    r = wr.r
    c = wr.home()
    S, city = wr.state(c), wr.city(c)
    pct = f"{r.uniform(0.1, 9.9):.1f}%"
    return wr.pick("background", [
        lambda: f"{_poss(S)} economy grew {pct} last year, slower than the government had forecast.",
        lambda: f"The {wr.adj(c)} central bank held its key interest rate at {pct} {wr.past_date()}, citing {r.choice(['stubborn inflation', 'a weak currency', 'slowing growth', 'wage pressures'])}.",
        lambda: f"Inflation in {S} eased to {pct} in {MONTHS[(wr.pub.month - 2) % 12]}, official data showed.",
        lambda: f"Shares in {wr.city()} closed {r.choice(['higher', 'lower', 'flat'])} as investors weighed the outlook for {r.choice(['oil', 'interest rates', 'exports', 'the currency'])}.",
        lambda: f"Parliament in {city} is due to vote on the {r.choice(['budget', 'pension reform', 'electoral law', 'tax bill'])} {wr.future_date()}.",
        lambda: f"\"We are {r.choice(QUOTE_A)} to {r.choice(QUOTE_B)} {city},\" {wr.leader(c)} told reporters {r.choice(['in', 'on a visit to', 'after a meeting in'])} {wr.city(c)}.",
        lambda: f"Opposition parties in {city} have accused the {r.choice(['government', 'mayor', 'ruling party'])} of mismanaging the {r.choice(['economy', 'health service', 'energy crisis', 'housing market'])}.",
        lambda: f"Unemployment stood at {pct}, while the currency has lost about a {r.choice(['tenth', 'fifth', 'third'])} of its value this year.",
        lambda: f"The {r.choice(['ruling coalition', 'government', 'cabinet'])} in {wr.w.capitals.get(c, [city])[0]} has struggled to pass its reforms since the {wr.year()} election, {wr.n(2, 60)} seats short of a majority.",
        lambda: f"{S} is one of the world's largest exporters of {r.choice(['wheat', 'natural gas', 'copper', 'crude oil', 'fertiliser', 'semiconductors'])}.",
        lambda: f"About {wr.n(1, 40)} million people live in the region, many of them dependent on {r.choice(['farming', 'remittances', 'tourism', 'mining'])}.",
        lambda: f"Officials in {wr.w.capitals.get(c, [city])[0]} did not respond to requests for comment {wr.past_date()}.",
        lambda: f"The {r.choice(['foreign ministry', 'defence ministry', 'presidential office'])} in {wr.w.capitals.get(c, [city])[0]} declined to comment on the {r.choice(['report', 'allegations', 'figures', 'incident', 'talks'])} {wr.past_date()}.",
        lambda: f"{r.choice(SOURCES)} could not independently verify the {r.choice(['figures', 'casualty figures', 'claims', 'reports'])} from {city}.",
        lambda: f"Talks on a new trade agreement between {wr.state(c)} and {wr.state(r.choice(wr.w.states))} have stalled over {r.choice(['agricultural tariffs', 'fishing rights', 'data rules', 'steel quotas'])}.",
        lambda: f"Tourism revenue in {wr.city()} rose {pct} in the {r.choice(['first', 'second', 'third'])} quarter, helped by a weaker currency.",
        lambda: f"Energy prices in {wr.city()} have risen {pct} since {MONTHS[r.randrange(12)]}.",
        lambda: f"The {wr.adj(c)} government says it has lifted {wr.n(2, 90)} million people out of poverty since {wr.year()}.",
        lambda: f"Remittances account for about {pct} of {_poss(wr.state(c))} gross domestic product.",
        lambda: f"The port of {wr.city()} handles about {wr.n(3, 400)} million tonnes of cargo a year.",
        lambda: f"Fuel shortages have led to long queues at petrol stations in {wr.city(c)} since {MONTHS[r.randrange(12)]}.",
        lambda: f"Drought has cut the {r.choice(['wheat', 'maize', 'rice', 'coffee', 'cotton'])} harvest in {wr.place(c)} by {pct} this year, the agriculture ministry said.",
        lambda: f"Foreign direct investment into {wr.state(c)} fell {pct} last year to ${wr.n(1, 90)} billion.",
        lambda: f"The railway line linking {wr.city(c)} and {wr.city(c)} reopened after {wr.n(2, 30)} months of repairs.",
        lambda: f"Power cuts lasting up to {r.randint(2, 16)} hours a day have hit {wr.city(c)} this winter.",
        lambda: f"The {wr.adj(c)} national football team qualified for the World Cup for the first time since {wr.year()}.",
        lambda: f"The IMF expects {_poss(wr.state(c))} economy to grow {pct} next year, down from {r.uniform(0.5, 9.5):.1f}% this year.",
        lambda: f"Yields on {wr.adj(c)} 10-year bonds rose to {pct}, the highest since {wr.year()}.",
        lambda: f"{wr.w.capitals.get(c, [city])[0]} has a population of about {r.uniform(0.3, 20):.1f} million.",
        lambda: f"Oil prices rose {pct} to ${wr.n(55, 120)} a barrel as traders weighed supply risks.",
        lambda: f"The {wr.adj(c)} currency weakened {pct} against the dollar over the week.",
        lambda: f"{city} is home to about {wr.n(1, 900)},000 people and is a major {r.choice(['port', 'rail hub', 'industrial centre', 'university town'])}.",
        lambda: f"{_poss(wr.state(c))} defence budget rose {pct} this year to a record high.",
        lambda: f"The {wr.adj(c)} {r.choice(['finance', 'interior', 'economy', 'energy'])} ministry said it would publish further details {wr.future_date()}.",
        lambda: f"Local elections in {wr.city()} are scheduled for {wr.future_np()}, and the {r.choice(['ruling party', 'opposition', 'governing coalition'])} is trailing in polls.",
        lambda: f"Approval ratings for {wr.leader(c)} have fallen {wr.n(2, 15)} points since {MONTHS[r.randrange(12)]}, according to a recent survey.",
        lambda: f"Wheat futures in Chicago climbed {pct} to ${r.uniform(4, 10):.2f} a bushel on concerns about shipments from {wr.place(c)}.",
        lambda: f"A spokesperson for {wr.state(r.choice(sorted(wr.w.igos)))} said in {wr.city()} that the organisation was following the situation in {wr.place(c)} closely.",
        lambda: f"Relations between {wr.state(c)} and its neighbours have been strained since {wr.year()}.",
        lambda: f"Diplomats in {wr.w.capitals.get(c, [city])[0]} described the mood as {r.choice(['tense but calm', 'gloomy', 'cautiously hopeful', 'strained', 'upbeat'])} {wr.past_date()}.",
        lambda: f"Satellite images published by {r.choice(['Maxar', 'Planet Labs', 'a commercial provider', 'Airbus'])} {wr.past_date()} showed {r.choice(['new construction', 'fresh earthworks', 'damaged hangars', 'a cleared airstrip'])} near {wr.place(c)}.",
        lambda: f"The {wr.adj(c)} {r.choice(['president', 'prime minister', 'leader'])} is due to address the nation on television {wr.future_date()}.",
        lambda: f"The {wr.adj(c)} statistics office revised its growth estimate for the second quarter to {pct}.",
        lambda: f"Ratings agency {r.choice(AGENCIES)} kept its outlook for {wr.state(c)} at {r.choice(['stable', 'negative', 'positive'])} and its rating at {r.choice(RATINGS)}.",
        lambda: f"The {r.choice(['minister', 'spokesperson', 'official'])} spoke on condition of anonymity because they were not authorised to brief the media on {r.choice(['the talks', 'the budget', 'the investigation', 'security matters'])} in {city}.",
    ])  # fmt: skip


def lookalike(wr: Writer) -> str:
    r = wr.r
    city = wr.city(wr.home()) if r.random() < 0.5 else wr.city()
    return wr.pick("lookalike", [
        lambda: f"The {wr.city()}-based company deployed the software across its {wr.n(2, 90)} offices {wr.past_date()}.",
        lambda: f"The board of {r.choice(COMPANIES)} will meet {wr.future_date()} to discuss the dividend.",
        lambda: f"{r.choice(['A team of', 'Two', 'Three', 'Several'])} climbers from {wr.city()} reached the summit of {r.choice(['K2', 'Everest', 'Annapurna', 'Mont Blanc', 'Denali', 'Aconcagua'])} {wr.past_date()}.",
        lambda: f"The {r.choice(['actor', 'former coach', 'senator', 'singer'])} suffered a heart attack at his home in {wr.city()} at the age of {wr.n(45, 90)}.",
        lambda: f"A troop of {wr.n(8, 40)} scouts from {wr.city()} helped clear the park.",
        lambda: f"{r.choice(['Hundreds of', 'Dozens of', 'About 300', 'More than 50'])} volunteers mobilized to clean up {r.choice(['the beach', 'the riverbank', 'flooded streets'])} near {wr.city()} after the storm.",
        lambda: f"FIFA banned the {city} club from signing players for {r.choice(['two', 'three', 'four'])} transfer windows.",
        lambda: f"The striker fired a shot past the goalkeeper in the {wr.n(2, 89)}th minute to give {wr.city()} the lead.",
        lambda: f"Supermarkets in {wr.city()} are locked in a price war over {r.choice(['milk', 'bread', 'fuel'])}.",
        lambda: f"The startup launched a new {r.choice(['app', 'smartphone', 'chip', 'service'])} in {wr.city()} {wr.past_date()}.",
        lambda: f"The {r.choice(['thriller', 'comedy', 'film', 'musical', 'sequel'])} shot in {city} bombed at the box office despite strong reviews.",
        lambda: f"Unions at {r.choice(COMPANIES)} will hold talks with management {wr.future_date()} over a {wr.n(2, 12)}% pay claim.",
        lambda: f"Police arrested a {wr.n(18, 70)}-year-old man suspected of attacking a shop owner in {wr.city()}.",
        lambda: f"The team's defence collapsed in the second half as {wr.city()} stormed to a {r.randint(2, 6)}-{r.randint(0, 1)} victory.",
        lambda: f"The museum in {wr.city()} will host a summit of chefs {wr.future_date()}.",
        lambda: f"Investors are bracing for a sanctions-style crackdown on {r.choice(['short sellers', 'crypto exchanges', 'tax havens'])}, a regulator in {city} said, without giving details.",
    ])  # fmt: skip


# ----------------------------------------------------------------------------- articles
def article(i: int, rng: random.Random, world: World, seed: int) -> dict[str, object]:
    start = date(2018, 1, 1)
    published = start + timedelta(days=rng.randint(0, 3100))
    wr = Writer(rng, world, published)
    target = rng.randint(2700, 3300)
    events = rng.randint(1, 4) if rng.random() < 0.6 else 0
    sentences: list[str] = []
    head = ""
    for _ in range(events):
        s, h = escalation(wr)
        sentences.append(s)
        head = head or h
    while sum(len(s) + 1 for s in sentences) < target:
        sentences.append(lookalike(wr) if rng.random() < 0.15 else background(wr))
    # Lead with the first event when there is one (as wires do), shuffle the rest.
    sentences = [_cap(x) for x in sentences]
    rest = sentences[1:] if events else sentences
    rng.shuffle(rest)
    ordered = (sentences[:1] if events else []) + rest
    paragraphs, k = [], 0
    while k < len(ordered):
        step = rng.randint(2, 4)
        paragraphs.append(" ".join(ordered[k : k + step]))
        k += step
    if rng.random() < 0.5:
        paragraphs.append(
            f"(Reporting by {rng.choice(REPORTERS)}; Editing by {rng.choice(REPORTERS)})"
        )
    head = _cap(head)
    if not head:
        c = rng.choice(world.states)
        head = rng.choice([
            f"{world.display(c)} economy slows as inflation bites",
            f"{world.display(c)} parliament debates budget",
            f"Markets in {wr.city(c)} steady ahead of rate decision",
            f"{world.display(c)} unveils energy plan",
        ])  # fmt: skip
    stamp = datetime(published.year, published.month, published.day, rng.randint(0, 23),
                     rng.randint(0, 59), tzinfo=UTC)  # fmt: skip
    slug = "-".join(head.lower().replace(",", "").replace("'", "").split()[:6])
    return {
        "id": f"bench-{seed}-{i:06d}",
        "title": head,
        "body": "\n\n".join(paragraphs),
        "published_at": stamp.isoformat().replace("+00:00", "Z"),
        "source": rng.choice(SOURCES),
        "url": f"https://news.example.com/{published:%Y/%m/%d}/{slug}-{i}",
        "language": "en",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="number of articles (default 10000)")
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "corpus.jsonl")
    ap.add_argument("--gazetteer", type=Path, default=GAZETTEER)
    args = ap.parse_args(argv)
    if args.n < 1:
        print("make_corpus: --n must be at least 1", file=sys.stderr)
        return 2
    if not args.gazetteer.exists():
        print(f"make_corpus: gazetteer not found: {args.gazetteer}", file=sys.stderr)
        return 2
    t = time.perf_counter()
    world = World(args.gazetteer)
    rng = random.Random(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with args.out.open("w", encoding="utf-8") as fh:
        for i in range(args.n):
            line = json.dumps(article(i, rng, world, args.seed), ensure_ascii=False)
            fh.write(line + "\n")
            size += len(line.encode()) + 1
    elapsed = time.perf_counter() - t
    print(
        f"wrote {args.n} articles, {size / 1e6:.1f} MB ({size / args.n / 1000:.2f} KB/article) "
        f"to {args.out} in {elapsed:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
