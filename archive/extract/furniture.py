"""Page furniture recognised by its form: share prompts, inserts, credits, datelines, legal lines.

Every rule here is about the *shape* of a line (what kind of sentence it is), never about a
particular site. Rules look at one line at a time, plus two sequence rules: a repeated
headline/standfirst at the top, and a list of headlines after a "related stories" marker.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"\w+")
_LETTERS = re.compile(r"[^\W\d_]{2,}")

# Calls to action and inserts that head a line: "Read More: ...", "READ NEXT:", "SEE ALSO".
_INSERT_PREFIX = re.compile(
    r"""^\W*(?:
        read\s+(?:more|next|also|this|the\s+full\s+story|full\s+article)
      | also\s+read | must\s+read | see\s+(?:also|more) | also\s+see | more\s+(?:news|stories|coverage|on\s+this(?:\s+story)?)
      | related(?:\s+(?:articles?|stories|story|posts?|news|content|coverage|reading|links?|topics?|video))?
      | recommended(?:\s+(?:for\s+you|stories|articles?|reading|videos?))?
      | you\s+(?:may|might)\s+(?:also\s+)?(?:like|enjoy|be\s+interested\s+in)
      | (?:we\s+)?also\s+recommend | further\s+reading | don'?t\s+miss | do\s+not\s+miss
      | (?:most\s+)?(?:popular|read|viewed|shared|trending)(?:\s+(?:on|at|in)\s+\S+(?:\s+\S+)?|\s+now|\s+stories|\s+articles)?
      | trending(?:\s+(?:now|stories|news))? | top\s+stories | latest\s+(?:news|stories|videos?)
      | watch(?:\s+(?:now|more|also|video|the\s+video))? | listen(?:\s+now)? | more\s+from\s+\S+(?:\s+\S+){0,3}
      | previous\s+(?:article|post|story) | next\s+(?:article|post|story)
      | click\s+here | tap\s+here | continue\s+reading | story\s+continues(?:\s+below)?
      | advertisement | sponsored(?:\s+content)? | ad | promoted | scroll\s+to\s+continue
      | (?:filed|posted)\s+(?:under|in) | tags? | topics? | categor(?:y|ies) | keywords?
      # de
      | (?:lesen|lest|lies)\s+(?:sie\s+)?(?:auch|mehr|weiter) | auch\s+interessant | mehr\s+(?:zum\s+thema|dazu|lesen)
      | das\s+könnte\s+sie\s+(?:auch\s+)?interessieren | weitere\s+artikel | empfohlene?\s+artikel | anzeige | werbung
      | schlagwörter | themen
      # fr
      | (?:à\s+)?lire\s+(?:aussi|également|la\s+suite) | voir\s+aussi | sur\s+le\s+même\s+sujet | publicité | lire\s+plus
      | ces\s+articles\s+peuvent\s+vous\s+intéresser | vous\s+aimerez\s+aussi | mots[\s-]clés
      # es / pt
      | lee\s+(?:también|más) | leer\s+más | lea\s+también | te\s+puede\s+interesar | le\s+puede\s+interesar | más\s+información
      | noticias\s+relacionadas | publicidad | etiquetas | temas
      | leia\s+(?:também|mais) | veja\s+(?:também|mais) | saiba\s+mais | notícias\s+relacionadas | publicidade
      # it
      | leggi\s+anche | potrebbe\s+interessarti | ti\s+potrebbe\s+interessare | articoli\s+correlati | pubblicità
      # nl
      | lees\s+(?:ook|meer|verder) | meer\s+over | gerelateerde\s+artikelen | advertentie
      # nordic
      | les\s+(?:også|mer) | læs\s+(?:også|mere) | läs\s+(?:också|mer|även) | se\s+også | lue\s+(?:myös|lisää) | annonse | annons
    )\s*(?:[:|»›>–—-]|\.\.\.|…|$)""",
    re.IGNORECASE | re.VERBOSE,
)

# Lines that are nothing but interface words (share bar, font size, print, e-mail ...).
_UI_WORDS = frozenset(
    """
    share shares shared sharing tweet tweets pin it email e-mail mail print comment comments reply
    save saved bookmark copy link url facebook twitter x linkedin whatsapp reddit telegram pinterest
    flipboard messenger sms instagram youtube tiktok threads bluesky mastodon rss feed this article
    story page post on via the a an to and or with your friends send follow us like subscribe
    newsletter share this open in new window tab close menu search home back top more less
    order reprints reprint permissions license licensing gift text size font increase decrease
    reset listen audio thank thanks you play video watch read min mins minute minutes loading advertisement ad ads
    skip toggle navigation social footer header sidebar widget login log sign up register account
    teilen drucken kommentare kommentar merken artikel teilen partager imprimer commentaires commentaire
    compartir imprimir comentarios comentario condividi stampa commenti commento compartilhar partilhar
    delen printen reacties reactie del dela jaa tulosta kommentarer kommentti kommentit skriv ut
    """.split()
)

_CREDIT = re.compile(
    r"""^\W*(?:
        (?:file\s+)?(?:photo|image|picture|pic|photograph|illustration|graphic|video|footage|map|chart|
           lead\s+image|top\s+image|header\s+image|cover\s+image|featured\s+image)s?
           (?:\s*(?:credit|courtesy|source))?\s*(?::|by\b|via\b|courtesy\b|©|\||-\s|/)
      | (?:credits?|source|sources|courtesy|via)\s*:
      | (?:photo|image)\s+(?:courtesy|via|credit)\b
      | (?:foto|fotos|bild|bilder|bildquelle|quelle|fotografía|imagen|immagine|imagem|afbeelding|beeld|kuva|kilde|källa
         |bron|fuente|fonte|crédits?|crédito|créditos|credito|photographie|illustration)\s*(?::|©|\||/|-\s)
      | (?:foto|fotos|bild|photo)\s+(?:von|di|de|af|av|van)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_CREDIT_TAIL = re.compile(
    r"(?:\(|\[|\||/|—|–|-)\s*(?:photo|image|picture|credit|file|getty(?:\s+images)?|ap(?:\s+photo)?|reuters|afp|epa|shutterstock|istock(?:photo)?|alamy|pa(?:\s+wire)?)\b[^.!?]{0,60}[)\]]?\s*$",
    re.IGNORECASE,
)
_AGENCY_ONLY = re.compile(
    r"^\W*(?:getty\s+images|shutterstock|istock(?:photo)?|reuters|afp|ap\s+photo|epa(?:-efe)?|alamy|pa\s+wire|"
    r"associated\s+press|ians|pti|ani|xinhua)\W*(?:/\s*\w+(?:\s+\w+){0,3})?\W*$",
    re.IGNORECASE,
)
_LEGAL = re.compile(
    r"""(?:^\W*(?:©|\(c\)\s*\d{4}|copyright\b|all\s+rights\s+reserved|disclaimer\s*:|terms\s+of\s+(?:use|service)|privacy\s+policy
              |cookie\s+(?:policy|settings|preferences)|this\s+(?:copy|material|content|article)\s+(?:is\s+for|may\s+not\s+be)
              |(?:this\s+)?(?:content|material|article)\s+(?:was|is)\s+(?:partially\s+)?(?:produced|generated|created|written)\s+with
              |distribution\s+and\s+use\s+of\s+this\s+material)
       | all\s+rights\s+reserved\W*$
       | \bdoes\s+not\s+(?:provide|constitute|offer)\s+(?:investment|financial|legal|medical)\s+advice
       | ^\W*(?:not\s+)?(?:investment|financial)\s+advice\W*$)""",
    re.IGNORECASE | re.VERBOSE,
)
_CTA_START = re.compile(
    r"""^\W*(?:sign\s+up|signup|subscribe|register\s+(?:now|today|for|to)|join\s+(?:now|today|us|our)\b
        |follow\s+(?:us|\S+(?:\s+\S+){0,6}\s+on\s+(?:facebook|twitter|instagram|x|linkedin|youtube|tiktok|threads|telegram))
        |get\s+(?:the\s+latest|our|the\s+best|access|unlimited|breaking|exclusive)|download\s+(?:our|the)\s+(?:free\s+)?app
        |already\s+a\s+(?:subscriber|member)|(?:log|sign)\s+in\s+to|become\s+a\s+(?:member|subscriber|supporter)
        |support\s+(?:our|independent|quality)\s+journalism|if\s+you\s+(?:enjoyed|liked|value|appreciate|found)\s+(?:this|our|reading)
        |want\s+(?:more|the\s+latest)\b|like\s+(?:this|what\s+you(?:'|’)re\s+reading)|enjoy(?:ed)?\s+this\s+(?:article|story)
        |thanks?\s+(?:you\s+)?for\s+(?:reading|signing\s+up|subscribing|your\s+interest)|by\s+(?:clicking|signing\s+up|subscribing|submitting)
        |enter\s+your\s+e-?mail|your\s+e-?mail\s+address|an\s+error\s+(?:has\s+)?occurred|this\s+article\s+has\s+been\s+sent
        |(?:read|see|find|watch|listen\s+to|visit|learn\s+more|get\s+more|follow|check\s+out|catch\s+up\s+on)\b[^.!?]{0,160}?(?:https?://|www\.)\S+\W*$
        |(?:jetzt\s+)?(?:newsletter\s+)?abonnieren|abonnieren\s+sie|melden\s+sie\s+sich|registrieren\s+sie\s+sich|jetzt\s+(?:registrieren|anmelden|lesen|testen)
        |abonnez[\s-]vous|inscrivez[\s-]vous|recevez\s+(?:notre|nos|la)\b|déjà\s+abonné
        |suscríbete|suscribirse|regístrate|recibe\s+(?:nuestra|nuestro|el|la)\b|ya\s+eres\s+suscriptor
        |iscriviti|abbonati|ricevi\s+(?:la|le|il)\b|assine|inscreva[\s-]se|receba\s+(?:a|as|o|nossa)\b|já\s+é\s+assinante
        |abonneer|schrijf\s+je\s+in|meld\s+je\s+aan|ontvang\s+(?:de|onze)\b
        |abonnér|abonner\s+på|prenumerera|tilaa|meld\s+deg\s+på|tilmeld\s+dig|registrera\s+dig)""",
    re.IGNORECASE | re.VERBOSE,
)
_CTA_ANY = re.compile(
    r"""\bwe(?:'|’)d\s+(?:like|love)\s+to\s+hear\b
       | \b(?:newsletters?|inbox)\b.{0,80}\b(?:sign\s+up|subscribe|delivered|straight\s+to|every\s+(?:morning|day|week))
       | \b(?:sign\s+up|subscribe)\b.{0,80}\b(?:newsletters?|inbox|updates|alerts)\b
       | \bfollow\s+(?:us|\S+(?:\s+\S+){0,6})\s+on\s+(?:facebook|twitter|instagram|linkedin|youtube|tiktok|threads)\b
       | \b(?:subscribe|sign\s+up)\s+(?:to|for)\s+\S+(?:\s+\S+){0,4}\s+on\s+(?:youtube|spotify|apple\s+podcasts|itunes)\b
       | \bnewsletter\b.{0,80}\b(?:abonnieren|anmelden|inscri|abonn|suscrib|iscriv|inscrev|assin|aanmelden|tilmeld|prenumer|tilaa)""",
    re.IGNORECASE | re.VERBOSE,
)
_CONSENT = re.compile(
    r"""\b(?:extern(?:er|en|e)?\s+inhalt|inhalt\s+von\s+extern|contenu\s+externe|contenido\s+externo|contenuto\s+esterno
        |conteúdo\s+externo|externe\s+inhoud|eksternt\s+innhold|eksternt\s+indhold|externt\s+innehåll|ulkoinen\s+sisältö
        |external\s+content|third[\s-]party\s+content|embedded\s+content)\b
      | \b(?:zustimmung|einwilligung|consentement|consentimiento|consenso|consentimento|toestemming|samtykke|samtycke
           |suostumus|consent)\b.{0,120}\b(?:cookies?|inhalte?|contenus?|contenidos?|contenuti|conteúdos?|inhoud|innhold
           |indhold|innehåll|sisältö|content|anzeigen|afficher|mostrar|visualizzare|exibir|tonen|vise|visa|display|show|load)
      | \b(?:cookies?|javascript)\b.{0,80}\b(?:akzeptieren|aktivieren|accepter|activer|aceptar|activar|accettare|attivare
           |aceitar|ativar|accepteren|inschakelen|godta|aktivere|acceptera|aktivera|hyväksy|accept|enable)\b
      | \b(?:akzeptieren|accepter|aceptar|accettare|aceitar|accepteren|godta|acceptere|acceptera|hyväksy|accept)\b
           .{0,40}\bcookies?\b.{0,60}$""",
    re.IGNORECASE | re.VERBOSE,
)
_CONSENT_CUES = frozenset(
    """extern externer externen externe inhalt contenu contenido contenuto conteúdo inhoud eksternt innhold indhold
    externt innehåll ulkoinen sisältö external third embedded zustimmung einwilligung consentement consentimiento
    consenso consentimento toestemming samtykke samtycke suostumus consent cookie cookies javascript""".split()
)
"""Every _CONSENT match holds one of these words: lines without any skip the costly search."""
_BYLINE = re.compile(
    r"""^\W*(?:
        (?:with\s+)?(?:\w+\s+)?wires?(?:\s+services?)?\W*$
      | (?:additional\s+)?(?:reporting|writing|editing|compiled|written|produced|edited)\s+by\s.{0,120}$
      | write\s+to\s.{0,80}\sat\s+\S+@\S+
      | (?:contact|email|e-mail)\s+(?:the\s+)?(?:author|reporter|writer)s?\b.{0,80}$
      | [\w.'’-]+(?:\s+[\w.'’-]+){0,5}\s+(?:contributed\s+(?:reporting|to\s+this\s+(?:report|story|article))|is\s+a\s+(?:staff\s+)?(?:writer|reporter|correspondent|contributor)\s+(?:for|at|with))\b.{0,120}$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_READING_TIME = re.compile(
    r"^\W*(?:(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s*[-‑]?\s*(?:min(?:ute)?s?|mins?\.?|hrs?|hours?)\.?\s*(?:read|reading|lesen|lecture|lectura|leitura|de\s+lecture|de\s+lectura)?"
    r"|(?:reading|read|estimated\s+reading|lesezeit|temps\s+de\s+lecture|tiempo\s+de\s+lectura|tempo\s+de\s+leitura)\s*(?:time)?\s*[:-]?\s*(?:\d+|one|two|three|four|five)\s*(?:min(?:ute)?s?|minutos?|minuten?)\.?)\W*$",
    re.IGNORECASE,
)
_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|"
    "september|october|november|december"
)
_DAYS = "mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_DATE_TOKEN = re.compile(
    rf"\b(?:\d{{1,4}}(?:st|nd|rd|th)?|{_MONTHS}|{_DAYS}|am|pm|a\.m|p\.m|utc|gmt|[ecmp][sd]t|bst|cet|cest|ist|jst|ago|today|yesterday|"
    r"published|updated|posted|last|modified|on|at|by|ist|hrs?|h|mins?|minutes?|hours?|days?|weeks?|months?|years?|of|the|and)\b",
    re.IGNORECASE,
)
_HAS_DATE = re.compile(
    rf"\b\d{{1,2}}:\d{{2}}\b|\b\d{{1,2}}\.\d{{2}}\s*(?:am|pm|a\.m|p\.m|h|uhr)\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}\b|\b(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\.?\s+(?:{_MONTHS})\b"
    r"|\b(?:\d+|an?)\s+(?:minutes?|hours?|days?|weeks?)\s+ago\b",
    re.IGNORECASE,
)
_COMMENTS = re.compile(
    r"^\W*(?:\d+\s+)?(?:comments?|responses?|replies|reactions?)\W*(?:\d+)?\W*$|^\W*(?:leave|add|post|view|show|read|see|join)\s+(?:a\s+|the\s+|all\s+)?(?:\d+\s+)?(?:comments?|discussion|conversation)\b.{0,40}$"
    r"|^\W*comments?\s+(?:are\s+)?closed\W*$|^\W*(?:be\s+the\s+first\s+to\s+comment)",
    re.IGNORECASE,
)
_NAME = r"(?:[A-Z][\w.'’-]*|[a-z]{1,3}|van|von|de|da|del|der|la|le|al|el|bin)"
_BY_NAMES = re.compile(
    rf"^\W*(?i:by)\s+[A-Z][\w.'’-]*(?:\s+{_NAME}){{0,4}}(?:\s*(?:,|and|&)\s*[A-Z][\w.'’-]*(?:\s+{_NAME}){{0,4}}){{0,3}}\s*[|,·•—–-]?\s*"
)
_URL_ONLY = re.compile(r"^\W*(?:https?://|www\.)\S+\W*$", re.IGNORECASE)
_EMAIL_ONLY = re.compile(r"^\W*[\w.+-]+@[\w-]+\.[\w.-]+\W*$")
_BRACKET_TAG = re.compile(r"\[(?:[A-Z][A-Z' ]{2,20})\]\s*\W*$")
_SENTENCE_END = re.compile(r"[.!?…:;\"”’»)]\s*$")


DATA_KINDS = frozenset({"code", "cell"})


@dataclass(frozen=True)
class Line:
    """One paragraph-level line of extracted text and the kind of block it came from."""

    kind: str  # "head", "p", "quote", "item", "cell", "code", ...
    text: str


def words(text: str) -> list[str]:
    return _WORD.findall(text)


@lru_cache(maxsize=8192)
def normalise_segment(text: str) -> str:
    """The comparable form of a line: NFKC, case-folded, word characters only, single-spaced.

    Cached: extraction, the site-furniture check and the learner normalise the same
    lines of a page, and a site's furniture lines recur on every page.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD.findall(text))


def furniture_reason(line: Line) -> str | None:
    """Why this single line is page furniture, or None when it may be article text."""
    if line.kind in DATA_KINDS:
        return None  # code and table cells are data: a row of dates or numbers is not furniture
    text = line.text.strip()
    toks = words(text)
    n = len(toks)
    if not _LETTERS.search(text) and not any(t.isdigit() and len(t) > 2 for t in toks):
        return "no words"  # "A+", "___", "|", "•"
    if n <= 60 and _LEGAL.search(text):
        return "legal"
    if (n <= 80 and _CTA_START.match(text)) or (n <= 40 and _CTA_ANY.search(text)):
        return "call to action"
    if n <= 40 and not _CONSENT_CUES.isdisjoint(t.casefold() for t in toks) and _CONSENT.search(text):
        return "consent placeholder"
    if n <= 30 and _INSERT_PREFIX.match(text):
        return "insert"
    if n <= 25 and _BRACKET_TAG.search(text) and not _SENTENCE_END.search(_BRACKET_TAG.sub("", text)):
        return "insert"
    if n <= 20 and (_CREDIT.match(text) or _AGENCY_ONLY.match(text)):
        return "credit"
    if n <= 14 and _CREDIT_TAIL.search(text) and not _SENTENCE_END.search(_CREDIT_TAIL.sub("", text)):
        return "credit"
    if n <= 30 and (_BYLINE.match(text) or _is_byline(text)):
        return "byline"
    if n <= 10 and _READING_TIME.match(text):
        return "reading time"
    if n <= 14 and _HAS_DATE.search(text) and _is_dateline(text):
        return "dateline"
    if n <= 8 and _COMMENTS.match(text):
        return "comments"
    if _URL_ONLY.match(text) or _EMAIL_ONLY.match(text):
        return "address"
    if n <= 8 and all(t.lower() in _UI_WORDS or t.isdigit() for t in toks):
        return "interface"
    return None


def _is_dateline(text: str) -> bool:
    """A line made of a date/time plus at most a short name ("5:45 AM PST 11/19/2019 by J. Doe")."""
    return len(words(_DATE_TOKEN.sub(" ", text))) <= 3


def _is_byline(text: str) -> bool:
    """ "By Jane Doe", "By Jane Doe and John Roe | Updated ...": "by" then capitalised names only."""
    match = _BY_NAMES.match(text)
    if not match:
        return False
    rest = text[match.end() :]
    return not words(rest) or bool(_HAS_DATE.search(rest)) or bool(re.match(r"\W*(?:updated|published|posted)\b", rest, re.I))


def is_related_marker(text: str) -> bool:
    """A line that announces a list of other stories ("You may also like", "DON'T MISS")."""
    # the anchored prefix first: it rules out almost every line before the words are counted
    return bool(_INSERT_PREFIX.match(text)) and len(words(text)) <= 8 \
        and not _SENTENCE_END.search(text.rstrip(":…. "))


def looks_like_headline(text: str) -> bool:
    """Short, no sentence punctuation at the end: a link to another story rather than prose."""
    toks = words(text)
    return 2 <= len(toks) <= 22 and not re.search(r"[.!;:]\s*$", text.strip(" \"'”’"))
