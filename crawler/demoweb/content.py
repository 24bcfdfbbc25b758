"""Article content for the demo web: the five seed stories and deterministic filler."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TypedDict

SEED_DIR = Path(__file__).parent / "seeds"

# Words that must never appear in filler text (they would make filler on-topic).
ON_TOPIC_WORDS = ("defence", "defense", "framework", "hegseth", "military", "pentagon", "rajnath")


@dataclass(eq=False)
class Article:
    """One article page: what it says and where its furniture goes."""

    kind: str  # "seed" | "syndicated" | "filler" | "other" | "bad"
    outlet: int
    ident: int
    slug: str
    section: str
    title: str
    description: str
    published: datetime
    authors: list[str]
    body: list[tuple[str, str]]  # ("p" | "h2" | "blockquote", text)
    modified: datetime | None = None
    inline: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)  # after body[i]: (label, title, href)
    furniture: dict = field(default_factory=dict)
    image_caption: str = ""
    seed: str | None = None
    path: str = ""
    url: str = ""
    extra_html: str = ""  # appended after the rendered body (padding, syndication note, ...)
    # a seed's "Read More" lines (after body[i]: text), made links in `inline` once paths exist
    inline_lines: list[tuple[int, str]] = field(default_factory=list, repr=False)

    @property
    def text_lines(self) -> list[str]:
        return [text for _kind, text in self.body]


# --------------------------------------------------------------------------- seeds

_KATHMANDU = timezone(timedelta(hours=5, minutes=45))
_IST = timezone(timedelta(hours=5, minutes=30))
_EDT = timezone(timedelta(hours=-4))
_PKT = timezone(timedelta(hours=5))


class SeedSpec(TypedDict):
    """Per seed: headline, authors, publication time, section, slug, and where each
    boilerplate line listed in seeds/README.md goes on the page."""

    title: str
    authors: list[str]
    published: datetime
    section: str
    slug: str
    boilerplate: dict[str, str]

SEED_SPECS: dict[str, SeedSpec] = {
    "000_5357bc61c93f5885": {
        "title": "India, US Sign 10-Year Defense Framework As Hegseth Says Ties 'Have Never Been Stronger'",
        "authors": ["Priya Raman"],
        "published": datetime(2025, 10, 31, 9, 42, tzinfo=_EDT),
        "section": "world",
        "slug": "india-us-sign-10-year-defense-framework-hegseth",
        "boilerplate": {
            "READ NEXT:": "read_next",
            "Image via Shutterstock": "figcaption",
            "Disclaimer: This content was partially produced with the help of AI tools and was "
            "reviewed and published by Benzinga editors.": "article_footer",
            "© 2025 Benzinga.com. Benzinga does not provide investment advice. All rights reserved.": "article_footer",
        },
    },
    "001_4d898108dbfcd6f6": {
        "title": "India and US sign 10-year defence framework as Hegseth and Rajnath Singh meet in Kuala Lumpur",
        "authors": ["Tom Whitfield", "Anjali Mehra"],
        "published": datetime(2025, 10, 31, 11, 5, tzinfo=timezone.utc),
        "section": "world",
        "slug": "india-us-10-year-defence-framework-kuala-lumpur",
        "boilerplate": {},
    },
    "002_09fa48de5d08860c": {
        # The seed carries its own headline (a boilerplate line: it is the <h1>).
        "title": "India and US agree to expand defense cooperation",
        "authors": ["Republica Desk"],
        "published": datetime(2025, 10, 31, 15, 20, tzinfo=_KATHMANDU),
        "section": "world",
        "slug": "india-and-us-agree-to-expand-defense-cooperation",
        "boilerplate": {
            "Kathmandu": "topbar",
            "Friday, October 31, 2025": "topbar",
            "India and US agree to expand defense cooperation": "headline",
            "October 31, 2025": "meta",
            "2 MIN READ": "meta",
            "Photo: Pete Hegseth/X": "figcaption",
            "A": "font",
            "A+": "font",
            "A-": "font",
        },
    },
    "003_7820780226b292ca": {
        "title": "US, India Sign 10-Year Defense Framework as Hegseth Hails 'Unprecedented' Partnership",
        "authors": ["Web Desk"],
        "published": datetime(2025, 10, 31, 18, 10, tzinfo=_PKT),
        "section": "international",
        "slug": "us-india-sign-10-year-defense-framework-hegseth",
        "boilerplate": {
            "Read More: Trump Says Seven ‘Beautiful Planes’ Shot Down in Pak-India Clash": "inline",
            "Read More: Trump Warns India of Massive Tariffs Over Russian Oil Purchases": "inline",
        },
    },
    "004_7505220e69bc56c7": {
        "title": "India, US ink 10-year defence framework; Hegseth calls it a cornerstone for regional stability",
        "authors": ["Special Correspondent"],
        "published": datetime(2025, 10, 31, 21, 12, tzinfo=_IST),
        "section": "national",
        "slug": "india-us-ink-10-year-defence-framework-hegseth",
        "boilerplate": {"Social Footer": "footer_heading"},
    },
}

UPDATED_SEED = "004_7505220e69bc56c7"
UPDATE_PARAGRAPH = (
    "Update (November 2, 2025): Officials in New Delhi said the text of the framework will be placed "
    "before the parliamentary standing committee on defence during the winter session, and that the "
    "first joint working group under the agreement is expected to meet in Washington in January."
)
UPDATED_MODIFIED = datetime(2025, 11, 2, 10, 30, tzinfo=_IST)

_SUBHEAD_END = tuple(".!?:;,”\"’)")


@dataclass
class Seed:
    name: str
    raw_lines: list[str]
    body: list[tuple[str, str]]
    boilerplate: list[str]
    furniture: dict[str, list[str]]
    inline_after: list[tuple[int, str]]  # (index of body element it follows, line)


def load_seed(name: str) -> Seed:
    spec = SEED_SPECS[name]
    raw = (SEED_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    bp_map = spec["boilerplate"]
    body: list[tuple[str, str]] = []
    boilerplate: list[str] = []
    furniture: dict[str, list[str]] = {}
    inline_after: list[tuple[int, str]] = []
    for line in raw:
        line = line.strip()
        if not line:
            continue
        slot = bp_map.get(line)
        if slot is not None:
            boilerplate.append(line)
            if slot == "inline":
                inline_after.append((len(body) - 1, line))
            else:
                furniture.setdefault(slot, []).append(line)
            continue
        if line.startswith("> "):
            body.append(("blockquote", line[2:].strip()))
        elif len(line) < 70 and not line.endswith(_SUBHEAD_END):
            body.append(("h2", line))
        else:
            body.append(("p", line))
    missing = set(bp_map) - set(boilerplate)
    if missing:
        raise ValueError(f"seed {name}: boilerplate lines not found: {sorted(missing)}")
    return Seed(name, raw, body, boilerplate, furniture, inline_after)


def load_seeds() -> list[Seed]:
    return [load_seed(name) for name in sorted(SEED_SPECS)]


# --------------------------------------------------------------------------- "Read More" targets

class OtherStory(TypedDict):
    title: str
    slug: str
    published: datetime
    body: list[str]


OTHER_STORIES: list[OtherStory] = [
    {
        "title": "Trump Says Seven ‘Beautiful Planes’ Shot Down in Pak-India Clash",
        "slug": "trump-says-seven-beautiful-planes-shot-down-pak-india-clash",
        "published": datetime(2025, 10, 29, 13, 0, tzinfo=_PKT),
        "body": [
            "US President Donald Trump on Wednesday repeated his claim that seven “beautiful planes” were "
            "shot down during the brief clash between Pakistan and India in May, speaking at a dinner with "
            "business leaders in Tokyo.",
            "Trump told the gathering that he had used trade talks to persuade both sides to stop, a version "
            "of events that New Delhi has rejected on several occasions.",
            "Pakistan’s Foreign Office welcomed the remarks, while Indian officials declined to comment on "
            "the record, saying the ceasefire had been agreed directly between the two countries.",
            "The president did not say which side lost the aircraft. He has given different figures for the "
            "number of planes in previous speeches since the summer.",
        ],
    },
    {
        "title": "Trump Warns India of Massive Tariffs Over Russian Oil Purchases",
        "slug": "trump-warns-india-massive-tariffs-russian-oil",
        "published": datetime(2025, 10, 22, 9, 30, tzinfo=_PKT),
        "body": [
            "President Donald Trump said on Tuesday that India would keep paying “massive tariffs” unless it "
            "stopped buying Russian crude, adding pressure on New Delhi days before a new round of trade talks.",
            "Speaking to reporters at the White House, Trump said Prime Minister Narendra Modi had told him "
            "India would wind down the purchases, a claim Indian officials did not confirm.",
            "Indian refiners bought about a third of the country’s crude imports from Russia last year, "
            "attracted by discounts that have narrowed in recent months.",
            "Economists in Mumbai said the current 50 percent duty on many Indian exports was already "
            "weighing on textile, jewellery and shrimp producers.",
        ],
    },
]


# --------------------------------------------------------------------------- filler text

FIRST = ("James Olivia Rahul Sofia Arjun Emma Liam Ananya Noah Meera Lucas Chloe Vikram Grace Ethan Kavya "
         "Daniel Isla Rohan Zara Samuel Leah Aditya Nora Henry Ruby Ishaan Maya Oscar Tara").split()
LAST = ("Patel Smith Sharma Jones Gurung Brown Thapa Wilson Khan Taylor Iyer Evans Shrestha Clarke Nair "
        "Hughes Rai Walker Menon Wright Bhatt Hall Joshi Green Kapoor Baker Adhikari Lewis Das Morgan").split()
CITIES = ("Leeds Manchester Bristol Glasgow Cardiff Denver Portland Austin Toronto Melbourne Auckland Dublin "
          "Lisbon Hamburg Rotterdam Oslo Pokhara Lalitpur").split()
INDIAN_CITIES = "Mumbai Chennai Kolkata Bengaluru Hyderabad Pune Ahmedabad Jaipur Kochi Lucknow".split()
TEAMS = ["Riverside United", "Harbour City", "Northgate Rovers", "Eastfield Athletic", "Kingsport FC",
         "Valley Wanderers", "Westbrook Town", "Lakeside Rangers", "Summit Albion", "Ironbridge County"]
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
COMPANIES = ["Halden Foods", "Northwind Logistics", "Corvel Pharma", "Brightline Energy", "Marlow Retail",
             "Quanta Chips", "Aster Telecom", "Solace Insurance", "Pinecrest Homes", "Vantage Motors"]
INDEXES = ["FTSE 100", "S&P 500", "Nasdaq Composite", "DAX", "Nikkei 225", "Hang Seng"]
PRODUCTS = ["folding phone", "smartwatch", "budget laptop", "electric scooter", "home battery",
            "noise-cancelling headphones", "e-reader", "mesh router"]
APPS = ["a ride-hailing app", "a grocery delivery service", "a budgeting app", "a language-learning app",
        "a photo-sharing platform", "a payments start-up"]
FESTIVALS = ["the autumn film festival", "the city literature festival", "the winter jazz series",
             "the open-air theatre season", "the contemporary art fair", "the folk music weekend"]

S = {
    "sport": {
        "titles": [
            "{team1} edge {team2} in {city} thriller",
            "{player} double lifts {team1} past {team2}",
            "{team2} slump continues after {s1}-{s2} loss to {team1}",
            "{coach} backs squad despite late collapse against {team1}",
            "India clinch series against {country} as {player} stars in {icity}",
            "Ten-man {team1} hold on for draw at {team2}",
        ],
        "sentences": [
            "{team1} beat {team2} {s1}-{s2} on {weekday}, extending their unbeaten run to {n} matches.",
            "{player} scored twice in the second half as the hosts came from behind in front of a crowd of {crowd}.",
            "Coach {coach} said afterwards that the squad had worked hard all week on set pieces and deserved the result.",
            "The visitors had the better of the opening half hour but could not turn possession into clear chances.",
            "A late penalty, awarded after a lengthy video review, proved decisive in a tense finish.",
            "The result leaves {team2} {n2} points adrift of the top four with {n} games remaining.",
            "Supporters gave the players a standing ovation at full time despite the wet conditions in {city}.",
            "{player}, signed from a second-tier club in the summer, has now scored {n} goals in all competitions.",
            "India’s spinners took {n} wickets between them on a dry pitch in {icity}, where the ball turned sharply from the first morning.",
            "The captain praised the younger players, saying the dressing room was calm even when the run rate climbed.",
            "Ticket sales for the next home fixture have already passed {crowd}, the club said on {weekday}.",
            "Injuries to two first-choice midfielders forced a reshuffle that left the side short of ideas.",
            "The league confirmed that the fixture against {team2} would be moved to {weekday} evening for television.",
        ],
    },
    "weather": {
        "titles": [
            "Heavy rain warning issued for {city} as storm approaches",
            "Cold snap to bring first frost of the season to {city}",
            "Forecasters predict mild, dry weekend across the region",
            "IMD issues orange alert for {icity} as showers intensify",
            "Flooded roads disrupt morning commute in {city}",
            "Record warm November day recorded in {city}",
        ],
        "sentences": [
            "Forecasters expect up to {mm} millimetres of rain in {city} over the next {n} hours.",
            "Temperatures are likely to fall to {t} degrees overnight, with patches of fog in low-lying areas.",
            "The India Meteorological Department said a low-pressure area over the Bay of Bengal would bring showers to {icity} until {weekday}.",
            "Drivers were urged to allow extra time for journeys and to avoid flooded underpasses.",
            "Gusts of up to {wind} km/h were recorded on exposed coasts early on {weekday} morning.",
            "Council crews cleared fallen branches from several streets and reopened the ring road by midday.",
            "The warning covers the whole of {city} and surrounding districts until {weekday} evening.",
            "Farmers said the rain would help winter crops after a dry October, although harvesting has been delayed.",
            "A brighter spell is expected later in the week, with highs of around {t2} degrees.",
            "Residents in {icity} reported waterlogging in several neighbourhoods after {mm} millimetres fell in a single afternoon.",
            "Schools in the area will open as normal, the education office said in a statement.",
            "Air quality improved noticeably after the showers, according to readings published by the city.",
        ],
    },
    "markets": {
        "titles": [
            "{index} closes {dir} as investors weigh rate outlook",
            "{company} shares jump after profit beats forecasts",
            "Sensex gains {pct}% as IT stocks rally; rupee steady",
            "Oil prices slip on signs of weaker demand",
            "{company} cuts full-year guidance, shares tumble",
            "Bond yields ease ahead of central bank decision",
        ],
        "sentences": [
            "The {index} closed {dir} {pct}% at {level}, with trading volumes below the monthly average.",
            "Shares in {company} rose {pct2}% after the group reported quarterly revenue of {money} million, ahead of analyst estimates.",
            "The BSE Sensex ended {pct}% higher in Mumbai as information technology and banking stocks led gains, while the rupee held near its record low against the dollar.",
            "Brent crude fell {pct2}% to {oil} dollars a barrel as traders weighed rising inventories.",
            "Analysts said investors were reluctant to take big positions before next week’s inflation figures.",
            "The chief executive of {company} told investors that costs had peaked and margins would recover next year.",
            "Government bond yields eased for a third session, with the ten-year note trading at {yield_}%.",
            "Retail stocks were among the weakest performers after a survey showed shoppers cutting back on non-essential spending.",
            "Gold was little changed at {gold} dollars an ounce, near the top of its recent range.",
            "Foreign institutional investors were net buyers of Indian equities for a {nth} consecutive session, exchange data showed.",
            "Smaller companies lagged the broader market, with the mid-cap index slipping {pct}%.",
            "{company} said it would buy back up to {money} million of its own shares over the coming year.",
        ],
    },
    "politics": {
        "titles": [
            "{city} council approves new budget after late-night vote",
            "Mayor {person} unveils plan to cut bus fares",
            "Residents oppose housing plan on former factory site",
            "Local election turnout rises in {city} wards",
            "Council to review parking charges after complaints",
            "Opposition walks out of {icity} civic body meeting over water tariffs",
        ],
        "sentences": [
            "Councillors in {city} voted {n}-{n2} to approve the budget after a debate that ran past midnight.",
            "Mayor {person} said the plan would save commuters about {money} a year and be paid for by a new levy on office car parks.",
            "Residents packed the town hall on {weekday} to object to plans for {n3} flats on the former factory site.",
            "The opposition group said the proposals had been rushed through without proper consultation.",
            "Officials said turnout in the by-elections reached {pct3}%, the highest for a decade.",
            "Members of the {icity} municipal corporation walked out after the ruling party refused to debate the proposed water tariff increase.",
            "A final decision on the scheme is expected at the planning committee next month.",
            "The council’s finance chief warned that reserves would run low unless savings were found.",
            "Campaigners handed in a petition with {crowd} signatures calling for the library to stay open.",
            "The transport committee will publish a full consultation on the fare changes in the new year.",
            "{person}, who chairs the housing committee, said the city needed homes that young families could afford.",
            "Several ward members said they had received hundreds of emails about the parking charges.",
        ],
    },
    "culture": {
        "titles": [
            "{festival_t} opens with record ticket sales",
            "Review: a bold new staging of a classic in {city}",
            "Bollywood star {person} to headline {city} charity gala",
            "Local author {person} shortlisted for national prize",
            "Museum in {city} reopens after two-year renovation",
            "Indie band {band} announces homecoming tour",
        ],
        "sentences": [
            "Organisers of {festival} said more than {crowd} tickets had been sold in the first week.",
            "The production, directed by {person}, moves the action to a seaside town in the 1970s.",
            "Critics praised the lead performance but found the second act uneven.",
            "The museum’s new galleries include a hall of textiles from western India and a gallery of modern prints.",
            "{person}’s debut novel follows three generations of a family running a bakery in {city}.",
            "The band will play {n} dates, finishing with two nights at the old corn exchange in {city}.",
            "Entry to the permanent collection remains free, although special exhibitions are ticketed.",
            "Fans queued from early morning in {icity} for the premiere of the new Hindi film.",
            "The prize, worth {money}, will be awarded at a ceremony in {city} next month.",
            "Volunteers have restored the original tiled floor and painted ceiling of the entrance hall.",
            "A spokesperson said the programme had been designed to attract families and first-time visitors.",
            "The exhibition runs until the end of February and then travels to {city2}.",
        ],
    },
    "technology": {
        "titles": [
            "{company} launches {product} with week-long battery",
            "Start-up behind {app} raises {money} million",
            "India’s UPI payments hit new monthly record",
            "Hands-on: the new {product} is lighter and cheaper",
            "Outage hits {app} for several hours",
            "Regulator opens consultation on online safety rules",
        ],
        "sentences": [
            "{company} unveiled a {product} on {weekday}, promising up to a week of battery life.",
            "The start-up behind {app} said it had raised {money} million from investors led by a {city} fund.",
            "Payments on India’s Unified Payments Interface passed {n3} million transactions a day in October, according to the national payments body.",
            "Early reviewers said the device was noticeably lighter than its predecessor, though the camera was unchanged.",
            "Users reported being unable to log in for about {n} hours before service was restored.",
            "The company said the outage was caused by a faulty configuration change and apologised to customers.",
            "Prices start at {money} and the device goes on sale in {city} next month.",
            "Engineers in Bengaluru and {city} worked on the software, which the company says uses less memory.",
            "The regulator wants platforms to publish clearer reports on how they handle complaints.",
            "Analysts expect sales of the {product} to be strongest in the run-up to the holiday season.",
            "The firm now employs {n3} people and plans to open an office in {icity} next year.",
            "Privacy campaigners said they would study the proposals closely before responding.",
        ],
    },
}
SECTIONS = list(S)
COUNTRIES = ["Australia", "England", "New Zealand", "South Africa", "Sri Lanka", "West Indies"]
BANDS = ["The Paper Lanterns", "Velvet Harbour", "North Pier", "Moth & Lamp", "Glass Orchard"]


_SLOT_MAKERS = {
    "team1": lambda r: r.choice(TEAMS), "team2": lambda r: r.choice(TEAMS),
    "city": lambda r: r.choice(CITIES), "city2": lambda r: r.choice(CITIES),
    "icity": lambda r: r.choice(INDIAN_CITIES),
    "s1": lambda r: r.randint(2, 4), "s2": lambda r: r.randint(0, 1), "n": lambda r: r.randint(3, 14),
    "n2": lambda r: r.randint(2, 9), "n3": lambda r: r.randint(120, 900),
    "crowd": lambda r: f"{r.randint(8, 60) * 1000:,}", "weekday": lambda r: r.choice(WEEKDAYS),
    "player": lambda r: person(r), "coach": lambda r: person(r), "person": lambda r: person(r),
    "country": lambda r: r.choice(COUNTRIES), "mm": lambda r: r.randint(20, 140), "t": lambda r: r.randint(-3, 12),
    "t2": lambda r: r.randint(13, 24), "wind": lambda r: r.randint(50, 110), "index": lambda r: r.choice(INDEXES),
    "dir": lambda r: r.choice(["higher", "lower"]), "pct": lambda r: f"{r.uniform(0.1, 1.9):.1f}",
    "pct2": lambda r: f"{r.uniform(2, 14):.1f}", "pct3": lambda r: r.randint(28, 61),
    "level": lambda r: f"{r.uniform(3000, 40000):,.2f}", "company": lambda r: r.choice(COMPANIES),
    "money": lambda r: f"{r.randint(12, 950)}", "oil": lambda r: f"{r.uniform(58, 84):.2f}",
    "yield_": lambda r: f"{r.uniform(3.1, 4.9):.2f}", "gold": lambda r: f"{r.randint(3900, 4200):,}",
    "nth": lambda r: r.choice(["second", "third", "fourth", "fifth"]), "festival": lambda r: r.choice(FESTIVALS),
    "festival_t": lambda r: r.choice(FESTIVALS).capitalize(), "band": lambda r: r.choice(BANDS),
    "product": lambda r: r.choice(PRODUCTS), "app": lambda r: r.choice(APPS),
}


class _Slots(dict):
    """Slot values drawn on first use, so a sentence only pays for the slots it names."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def __missing__(self, key: str):
        value = _SLOT_MAKERS[key](self.rng)
        if key == "team2" and value == self.get("team1"):
            value = TEAMS[(TEAMS.index(value) + 1) % len(TEAMS)]
        self[key] = value
        return value


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def filler_date(rng: random.Random) -> datetime:
    """Mostly late October / November 2025; about one in seven from 2024."""
    if rng.random() < 0.14:
        start, span = datetime(2024, 1, 5, tzinfo=timezone.utc), 350
    else:
        start, span = datetime(2025, 10, 18, tzinfo=timezone.utc), 33
    return start + timedelta(days=rng.randrange(span), minutes=rng.randrange(5, 1435))


def filler_text(rng: random.Random, section: str, paragraphs: int) -> tuple[str, list[str]]:
    """A title and `paragraphs` paragraphs of plausible off-topic news copy."""
    spec = S[section]
    slots = _Slots(rng)
    title = rng.choice(spec["titles"]).format_map(slots)
    sentences = spec["sentences"]
    out = []
    for _ in range(paragraphs):
        if rng.random() < 0.3:
            slots = _Slots(rng)
        k = 2 + int(rng.random() * 3)
        out.append(" ".join(s.format_map(slots) for s in rng.sample(sentences, k)))
    return title, out


def slugify(text: str, limit: int = 70) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-")
