"""Topic queries: parse, match and score articles (and link hints) against a boolean query.

Grammar (operators are upper-case; anything else is a term)::

    query   := or_expr
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary (["AND"] unary)*          adjacent terms are ANDed
    unary   := "NOT" unary | primary
    primary := TERM | "PHRASE" | "(" or_expr ")"

Precedence is NOT > AND > OR.  A term ending in ``*`` is a prefix wildcard
(``defen*`` matches "defence" and "defense"); there is no other stemming, so
``defence`` does not match "defense".  Matching is case-insensitive (Unicode
NFC + casefold) on whole tokens; a phrase matches consecutive tokens, and a
term that tokenises into several tokens (``U.S.``, ``co-operation``) is a
phrase.  Text is tokenised once per document with :func:`prepare`; the
resulting :class:`PreparedText` can be scored against any number of queries.

Relevance (:meth:`TopicQuery.score`) is 0 when the boolean query does not
match.  Otherwise, over the distinct positive atoms P (terms and phrases not
under a NOT)::

    score = (1 / |P|) * sum over a in P of
              0.5 * present(a)            a occurs in the title or the text
            + 0.3 * freq(a)               log-damped, length-normalised frequency
            + 0.2 * in_title(a)           a occurs in the title

    freq(a) = L / (L + ln 4),  L = ln(1 + d),
    d       = 1000 * count_in_text(a) / max(text_tokens, 250)   (occurrences per 1000 words)

freq rises strictly with the count and never reaches 1 (it is 0.5 at three
occurrences per thousand words), so the score lies in (0, 1) for a match,
and it grows with how many positive atoms occur, how often, and whether
they are in the title.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import unquote

from archive.errors import ArchiveError

__all__ = [
    "MAX_DEPTH",
    "And",
    "Atom",
    "Not",
    "Or",
    "PreparedText",
    "TopicQuery",
    "TopicQueryError",
    "parse_topic",
    "prepare",
    "tokenize",
]

W_PRESENT, W_FREQ, W_TITLE = 0.5, 0.3, 0.2
FREQ_HALF = 3.0  # occurrences per 1000 words at which freq() is 0.5
MIN_LENGTH = 250  # texts shorter than this count as this long (no blow-up on snippets)
_LN_HALF = math.log1p(FREQ_HALF)

OPERATORS = frozenset({"AND", "OR", "NOT"})
#: Deepest nesting of parentheses a query may have. Parsing, matching, printing and
#: hashing walk the query recursively: this keeps every walk far below Python's
#: recursion limit (a depth of ~250 raised RecursionError) while no real topic comes
#: near it. Chains of NOT do not nest (they are folded while parsing).
MAX_DEPTH = 50
QUOTES = '"\u201c\u201d'  # straight and curly double quotes


# --------------------------------------------------------------------------- tokens


@cache
def _token_pattern() -> re.Pattern[str]:
    """Runs of word characters, continued across combining marks (Indic vowel signs...) and ZWJ/ZWNJ.

    Python's ``\\w`` splits "भारत" at its vowel sign, so the marks are added
    explicitly; built on first use (~20 ms) rather than at import.
    """
    marks = [
        c
        for c in (*range(0x300, 0x20000), *range(0xE0100, 0xE01F0))
        if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")
    ]
    ranges: list[str] = []
    start = prev = marks[0]
    for c in [*marks[1:], -1]:
        if c != prev + 1:
            ranges.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
            start = c
        prev = c
    # Marks are only tried where a run of \w ends, so the big class costs little.
    return re.compile("\\w+(?:[\u200c\u200d" + "".join(ranges) + "]+\\w*)*")


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().replace("_", " ")


_WORD_RUN = re.compile(r"\w+")


def _has_joiners(text: str) -> bool:
    """Whether any combining mark or ZWJ/ZWNJ occurs (checked per distinct character)."""
    return any(
        c >= "\u0300" and (c in "\u200c\u200d" or unicodedata.category(c)[0] == "M") for c in set(text)
    )


def tokenize(text: str) -> list[str]:
    """Lower-cased (casefolded) word tokens; punctuation, ``_`` and whitespace separate."""
    text = _normalize(text)
    # Without marks or joiners the full pattern reduces to \w+, which is ~3x faster.
    return (_token_pattern() if _has_joiners(text) else _WORD_RUN).findall(text)


class _Side:
    """One tokenised field (title or text) with lazily built lookup structures."""

    __slots__ = ("tokens", "_counts", "_joined")

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text) if text else []
        self._counts: Counter[str] | None = None
        self._joined: str | None = None

    @property
    def counts(self) -> Counter[str]:
        if self._counts is None:
            self._counts = Counter(self.tokens)
        return self._counts

    @property
    def joined(self) -> str:
        """Tokens separated and surrounded by single spaces, for phrase regexes."""
        if self._joined is None:
            self._joined = " " + " ".join(self.tokens) + " "
        return self._joined

    def count(self, atom: Atom) -> int:
        if atom.simple:
            return self.counts.get(atom.tokens[0], 0)
        if not self.tokens:
            return 0
        return len(atom.regex.findall(self.joined))


class PreparedText:
    """A document tokenised once, reusable across queries (``prepare(title, text)``)."""

    __slots__ = ("title", "text", "_cache")

    def __init__(self, title: str | None, text: str | None) -> None:
        self.title = _Side(title or "")
        self.text = _Side(text or "")
        self._cache: dict[tuple[str, ...], tuple[int, int]] = {}

    @property
    def length(self) -> int:
        """Number of tokens in the text (not the title)."""
        return len(self.text.tokens)

    def counts(self, atom: Atom) -> tuple[int, int]:
        """(occurrences in the text, occurrences in the title), memoised per atom."""
        hit = self._cache.get(atom.tokens)
        if hit is None:
            hit = self._cache[atom.tokens] = (self.text.count(atom), self.title.count(atom))
        return hit

    def contains(self, atom: Atom) -> bool:
        body, title = self.counts(atom)
        return body > 0 or title > 0


def prepare(title: str | None, text: str | None) -> PreparedText:
    """Tokenise a document once so several queries can match and score it cheaply."""
    return PreparedText(title, text)


# --------------------------------------------------------------------------- AST


@dataclass(frozen=True)
class Atom:
    """A term or phrase: consecutive tokens, a token ending in ``*`` being a prefix."""

    tokens: tuple[str, ...]
    position: int = field(default=0, compare=False)

    @property
    def simple(self) -> bool:
        return len(self.tokens) == 1 and not self.tokens[0].endswith("*")

    @property
    def regex(self) -> re.Pattern[str]:
        return _atom_regex(self.tokens)

    @property
    def text(self) -> str:
        """The atom as plain words, e.g. ``defence framework`` or ``defen*``."""
        return " ".join(self.tokens)

    def token_matches(self, i: int, token: str) -> bool:
        want = self.tokens[i]
        return token.startswith(want[:-1]) if want.endswith("*") else token == want

    def __str__(self) -> str:
        return self.tokens[0] if len(self.tokens) == 1 else f'"{self.text}"'


@dataclass(frozen=True)
class Not:
    child: Node
    position: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return f"NOT {_wrap(self.child, Atom)}"


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]
    position: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return " AND ".join(_wrap(c, (Atom, Not)) for c in self.children)


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]
    position: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return " OR ".join(str(c) for c in self.children)


Node = Atom | Not | And | Or


def _wrap(node: Node, bare: type | tuple[type, ...]) -> str:
    return str(node) if isinstance(node, bare) else f"({node})"


@cache
def _atom_regex(tokens: tuple[str, ...]) -> re.Pattern[str]:
    parts = [re.escape(t[:-1]) + "[^ ]*" if t.endswith("*") else re.escape(t) for t in tokens]
    return re.compile(" " + " ".join(parts) + "(?= )")


# --------------------------------------------------------------------------- errors


class TopicQueryError(ArchiveError, ValueError):
    """A malformed topic query; ``str()`` shows the query with a caret under the problem."""

    def __init__(self, message: str, position: int, query: str = "") -> None:
        super().__init__(message, position)
        self.message = message
        self.position = position
        self.query = query

    def __str__(self) -> str:
        head = f"{self.message} (column {self.position + 1})"
        if not self.query:
            return head
        line = self.query.replace("\n", " ").replace("\t", " ")
        return f"{head}\n  {line}\n  {' ' * self.position}^"


# --------------------------------------------------------------------------- parser


@dataclass(frozen=True)
class _Tok:
    kind: str  # TERM PHRASE AND OR NOT ( ) EOF
    value: str
    position: int


def _lex(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            toks.append(_Tok(ch, ch, i))
            i += 1
        elif ch in QUOTES:
            end = next((j for j in range(i + 1, n) if query[j] in QUOTES), -1)
            if end < 0:
                raise TopicQueryError("unterminated quote", i, query)
            toks.append(_Tok("PHRASE", query[i + 1 : end], i))
            i = end + 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in "()" + QUOTES:
                j += 1
            word = query[i:j]
            toks.append(_Tok(word if word in OPERATORS else "TERM", word, i))
            i = j
    toks.append(_Tok("EOF", "", n))
    return toks


_UNARY_START = frozenset({"TERM", "PHRASE", "(", "NOT"})


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.toks = _lex(query)
        self.i = 0
        self.depth = 0  # parentheses open at the current token

    def error(self, message: str, position: int) -> TopicQueryError:
        return TopicQueryError(message, position, self.query)

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if self.peek().kind == "EOF":
            raise self.error("empty query", 0)
        node = self.or_expr()
        tok = self.peek()
        if tok.kind == ")":
            raise self.error("unmatched ')'", tok.position)
        if tok.kind != "EOF":  # pragma: no cover - every other token continues an expression
            raise self.error(f"unexpected {tok.value!r}", tok.position)
        return node

    def expect_operand(self, after: _Tok) -> None:
        tok = self.peek()
        if tok.kind not in _UNARY_START:
            what = "end of query" if tok.kind == "EOF" else repr(tok.value)
            raise self.error(f"expected a term after {after.value}, found {what}", tok.position)

    def or_expr(self) -> Node:
        start = self.peek().position
        children = [self.and_expr()]
        while self.peek().kind == "OR":
            self.expect_operand(self.take())
            children.append(self.and_expr())
        return _combine(Or, children, start)

    def and_expr(self) -> Node:
        start = self.peek().position
        children = [self.unary()]
        while True:
            kind = self.peek().kind
            if kind == "AND":
                self.expect_operand(self.take())
            elif kind not in _UNARY_START:
                break
            children.append(self.unary())
        return _combine(And, children, start)

    def unary(self) -> Node:
        # A loop, not recursion, so that a thousand NOTs in a row cost no stack.
        negations: list[_Tok] = []
        while self.peek().kind == "NOT":
            tok = self.take()
            self.expect_operand(tok)
            negations.append(tok)
        node = self.primary()
        for tok in reversed(negations):  # innermost first: NOT NOT x is x
            node = node.child if isinstance(node, Not) else Not(node, tok.position)
        return node

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "TERM":
            return self.atom(tok.value, tok.position)
        if tok.kind == "PHRASE":
            return self.atom(tok.value, tok.position + 1, phrase=True)
        if tok.kind == "(":
            if self.peek().kind == ")":
                raise self.error("empty parentheses", self.peek().position)
            if self.depth >= MAX_DEPTH:
                raise self.error(f"parentheses nested more than {MAX_DEPTH} deep", tok.position)
            self.depth += 1
            node = self.or_expr()
            self.depth -= 1
            if self.peek().kind != ")":
                raise self.error("unclosed '('", tok.position)
            self.take()
            return node
        if tok.kind in ("AND", "OR"):
            raise self.error(f"{tok.value} needs a term before it", tok.position)
        if tok.kind == ")":
            raise self.error("unmatched ')'", tok.position)
        raise self.error("expected a term, found end of query", tok.position)  # EOF

    def atom(self, raw: str, position: int, phrase: bool = False) -> Atom:
        tokens: list[str] = []
        for m in re.finditer(r"\S+", raw):
            word, offset = m.group(), position + m.start()
            wildcard = word.endswith("*")
            body = word.rstrip("*") if wildcard else word
            if "*" in body:
                raise self.error("'*' is only allowed at the end of a term", offset + body.index("*"))
            if len(word) - len(body) > 1:
                raise self.error("use a single '*' for a prefix", offset + len(body) + 1)
            words = tokenize(body)
            if not words:
                if wildcard:
                    raise self.error("'*' needs a prefix of letters or digits", offset)
                if not phrase:
                    raise self.error(f"term {word!r} has no letters or digits", offset)
                continue
            if wildcard:
                words[-1] += "*"
            tokens.extend(words)
        if not tokens:
            raise self.error("empty phrase" if phrase else "empty term", position - phrase)
        return Atom(tuple(tokens), position - phrase)


def _combine(cls: type[And] | type[Or], children: list[Node], position: int) -> Node:
    if len(children) == 1:
        return children[0]
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, cls) else (child,))
    return cls(tuple(flat), position)


# --------------------------------------------------------------------------- evaluation


def _anchored(node: Node) -> bool:
    """True when every match needs some atom that is not negated."""
    if isinstance(node, Atom):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_anchored(c) for c in node.children)
    return all(_anchored(c) for c in node.children)


def _unanchored_position(node: Node) -> int:
    if isinstance(node, Or):
        return next(_unanchored_position(c) for c in node.children if not _anchored(c))
    return node.position


def _atoms(node: Node, negated: bool = False) -> Iterator[tuple[Atom, bool]]:
    if isinstance(node, Atom):
        yield node, negated
    elif isinstance(node, Not):
        yield from _atoms(node.child, True)
    else:
        for child in node.children:
            yield from _atoms(child, negated)


def _evaluate(node: Node, doc: PreparedText) -> bool:
    if isinstance(node, Atom):
        return doc.contains(node)
    if isinstance(node, Not):
        return not _evaluate(node.child, doc)
    if isinstance(node, And):
        return all(_evaluate(c, doc) for c in node.children)
    return any(_evaluate(c, doc) for c in node.children)


def _unique(atoms: Iterable[Atom]) -> tuple[Atom, ...]:
    seen: dict[tuple[str, ...], Atom] = {}
    for atom in atoms:
        seen.setdefault(atom.tokens, atom)
    return tuple(seen.values())


def _looks_like_url(text: str) -> bool:
    return "://" in text or text.startswith("/") or "%" in text


class TopicQuery:
    """A parsed topic query.  Build with :func:`parse_topic`.

    ``matches`` and ``score`` take ``(title, text)`` strings or one
    :class:`PreparedText` (from :func:`prepare`) to reuse tokenisation.
    ``str(query)`` is the canonical form (casefolded terms, explicit
    ``AND``, minimal parentheses, query order kept); parsing it again gives
    an equal query.
    """

    __slots__ = ("source", "root", "_positive", "_negative")

    def __init__(self, root: Node, source: str = "") -> None:
        self.source = source
        self.root = root
        self._positive = _unique(a for a, neg in _atoms(root) if not neg)
        self._negative = _unique(a for a, neg in _atoms(root) if neg)

    @property
    def positive_terms(self) -> tuple[str, ...]:
        """Distinct terms and phrases outside any NOT, as plain words (``"defence pact"``, ``defen*``)."""
        return tuple(a.text for a in self._positive)

    @property
    def negative_terms(self) -> tuple[str, ...]:
        """Distinct terms and phrases under a NOT."""
        return tuple(a.text for a in self._negative)

    def __str__(self) -> str:
        return str(self.root)

    def __repr__(self) -> str:
        return f"TopicQuery({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TopicQuery) and self.root == other.root

    def __hash__(self) -> int:
        return hash(self.root)

    @staticmethod
    def _doc(title: str | PreparedText | None, text: str | None) -> PreparedText:
        return title if isinstance(title, PreparedText) else PreparedText(title, text)

    def matches(self, title: str | PreparedText | None, text: str | None = "") -> bool:
        """Whether the boolean query holds for the title and text taken together."""
        return _evaluate(self.root, self._doc(title, text))

    def score(self, title: str | PreparedText | None, text: str | None = "") -> float:
        """Relevance in [0, 1): 0 unless the query matches; formula in the module docstring."""
        doc = self._doc(title, text)
        if not self._positive or not _evaluate(self.root, doc):
            return 0.0
        density_scale = 1000.0 / max(doc.length, MIN_LENGTH)
        total = 0.0
        for atom in self._positive:
            body, in_title = doc.counts(atom)
            if body or in_title:
                log_density = math.log1p(body * density_scale)
                total += W_PRESENT + W_FREQ * log_density / (log_density + _LN_HALF)
                if in_title:
                    total += W_TITLE
        return total / len(self._positive)

    def score_hint(self, text: str | None) -> float:
        """Cheap relevance guess in [0, 1] for anchor text, a URL or a feed title.

        Partial matches count: the mean over positive atoms of 1 when the atom
        occurs, else (phrases only) half the fraction of its tokens present
        anywhere.  Halved when a negated atom occurs.  URLs are percent-decoded
        and split on any non-word character (``-_/.`` ...).
        """
        if not text or not self._positive:
            return 0.0
        if _looks_like_url(text):
            text = unquote(text)
        side = _Side(text)
        if not side.tokens:
            return 0.0
        total = 0.0
        for atom in self._positive:
            if side.count(atom):
                total += 1.0
            elif len(atom.tokens) > 1:
                found = sum(
                    any(atom.token_matches(i, t) for t in side.counts) for i in range(len(atom.tokens))
                )
                total += 0.5 * found / len(atom.tokens)
        hint = total / len(self._positive)
        if any(side.count(atom) for atom in self._negative):
            hint *= 0.5
        return hint


def parse_topic(query: str) -> TopicQuery:
    """Parse a topic query; raise :class:`TopicQueryError` (with a position) when malformed."""
    if not isinstance(query, str):
        raise TypeError(f"topic query must be a str, not {type(query).__name__}")
    root = _Parser(query).parse()
    if not _anchored(root):
        raise TopicQueryError(
            "query matches on negations alone; add a term outside NOT",
            _unanchored_position(root),
            query,
        )
    return TopicQuery(root, query)

