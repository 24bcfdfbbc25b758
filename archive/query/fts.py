"""The search query language, parsed once and translated into a safe FTS5 or tsquery expression.

The language is the one people type into web search boxes:

    word                 articles containing the word (stemmed: "signing" finds "signed")
    "exact phrase"       the words next to each other, in order
    a OR b               either (OR in capitals; binds tighter than the implicit AND)
    -word, NOT word      articles without it (also -"a phrase")

Everything else is text: FTS operators (NEAR, AND, ^, *, column:), brackets and
SQL-looking input are searched for as words, never interpreted. An unbalanced
double quote is an error (`QuerySyntaxError`) rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from archive.errors import ArchiveError

#: The text-search configuration that the PostgreSQL search_vector column uses.
PG_TS_CONFIG = "english"


def pg_ts_config() -> sa.ColumnElement[Any]:
    """PG_TS_CONFIG as an SQL literal, for the text-search functions' first argument."""
    return sa.literal_column(f"'{PG_TS_CONFIG}'")


def _term_tsquery(term: Term) -> sa.ColumnElement[Any]:
    """One word (plainto_tsquery) or phrase (phraseto_tsquery), its text a bound parameter."""
    function = sa.func.phraseto_tsquery if term.phrase else sa.func.plainto_tsquery
    return function(pg_ts_config(), sa.bindparam(None, term.text, type_=sa.Text))

_TOKEN = re.compile(r'\s*(-?)(?:"([^"]*)"|(\S+))')


class QuerySyntaxError(ArchiveError):
    """The search query cannot be understood (unbalanced quotes, nothing to search for)."""


@dataclass(frozen=True)
class Term:
    """One word or phrase as the user wrote it (the engines tokenise and stem it)."""

    text: str
    phrase: bool = False

    def fts5(self) -> str:
        """FTS5 string literal: every FTS operator character inside it is plain text."""
        return '"' + self.text.replace('"', '""') + '"'


@dataclass(frozen=True)
class ParsedQuery:
    """``clauses`` are ANDed; each clause is an OR of terms. ``excluded`` are NOTed."""

    clauses: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = field(default=())

    @property
    def terms(self) -> list[Term]:
        return [term for clause in self.clauses for term in clause]

    def fts5(self) -> str:
        """The FTS5 MATCH expression (pass it as a bound parameter)."""
        parts = []
        for clause in self.clauses:
            if len(clause) == 1:
                parts.append(clause[0].fts5())
            else:
                parts.append("(" + " OR ".join(term.fts5() for term in clause) + ")")
        expression = " AND ".join(parts)
        if self.excluded:
            expression = "(" + expression + ")"
            for term in self.excluded:
                expression += " NOT " + term.fts5()
        return expression

    def title_fts5(self) -> str:
        """FTS5: the title holds one of the query's words or phrases (``{title} : (...)``)."""
        return "{title} : (" + " OR ".join(term.fts5() for term in self.terms) + ")"

    @property
    def implied_by_any_term(self) -> bool:
        """Whether any one term present is enough to match (one OR-clause, nothing excluded)."""
        return len(self.clauses) == 1 and not self.excluded

    def tsquery(self) -> sa.ColumnElement[Any]:
        """The PostgreSQL tsquery expression, every term a bound parameter."""
        one = _term_tsquery
        expression: sa.ColumnElement[Any] | None = None
        for clause in self.clauses:
            ored = one(clause[0])
            for term in clause[1:]:
                ored = ored.op("||")(one(term))
            ored = sa.Grouping(ored)
            expression = ored if expression is None else expression.op("&&")(ored)
        if expression is None:  # parse_query never makes one; a hand-made ParsedQuery might
            raise QuerySyntaxError("the search query has nothing to look for")
        for term in self.excluded:
            expression = expression.op("&&")(_Negated(one(term)))
        return sa.Grouping(expression)

    def any_term_tsquery(self) -> sa.ColumnElement[Any]:
        """A tsquery matching any of the query's words or phrases (not the excluded ones)."""
        expression: sa.ColumnElement[Any] | None = None
        for term in self.terms:
            one = _term_tsquery(term)
            expression = one if expression is None else expression.op("||")(one)
        if expression is None:
            raise QuerySyntaxError("the search query has nothing to look for")
        return sa.Grouping(expression)

    def __str__(self) -> str:
        def show(term: Term) -> str:
            return f'"{term.text}"' if term.phrase else term.text

        text = " ".join(" OR ".join(show(t) for t in clause) for clause in self.clauses)
        return text + "".join(f" -{show(t)}" for t in self.excluded)


class _Negated(sa.sql.expression.ColumnElement[Any]):
    """``!!(tsquery)``: SQLAlchemy has no prefix operator for it."""

    inherit_cache = True

    def __init__(self, inner: sa.ColumnElement[Any]) -> None:
        self.inner = inner
        self.type = sa.types.NullType()


@compiles(_Negated)
def _compile_negated(element: _Negated, compiler: SQLCompiler, **kw: Any) -> str:
    return "!!(" + compiler.process(element.inner, **kw) + ")"


def _searchable(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def parse_query(query: str) -> ParsedQuery:
    """Parse a search box query; raises QuerySyntaxError with a message meant for people."""
    if query is None or not query.strip():
        raise QuerySyntaxError("the search query is empty")
    if query.count('"') % 2:
        raise QuerySyntaxError(
            'unbalanced double quote in the search query: close the "phrase" or remove the quote'
        )
    clauses: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = False
    negate_next = False
    for match in _TOKEN.finditer(query):
        minus, phrase, word = match.groups()
        if phrase is None and not minus:
            if word == "OR":
                pending_or = bool(clauses)
                continue
            if word == "AND":
                continue
            if word == "NOT":
                negate_next = True
                continue
        if phrase is not None:
            term = Term(" ".join(phrase.split()), phrase=True)
        else:
            term = Term(word)
        if not _searchable(term.text):
            pending_or = negate_next = False
            continue
        if minus or negate_next:
            excluded.append(term)
        elif pending_or:
            clauses[-1].append(term)
        else:
            clauses.append([term])
        pending_or = negate_next = False
    if not clauses:
        if excluded:
            raise QuerySyntaxError(
                "the search query only excludes words: add at least one word to look for"
            )
        raise QuerySyntaxError(f"nothing to search for in {query!r}: use letters or digits")
    return ParsedQuery(tuple(tuple(c) for c in clauses), tuple(excluded))
