"""Boilerplate learned per site: lines that recur across many of a site's pages are furniture."""

from __future__ import annotations

import hashlib
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from archive.extract.furniture import normalise_segment

if TYPE_CHECKING:
    from sqlalchemy import Engine

# a line ending (before trailing white space) like a sentence, or holding a quotation
# mark; str methods, not regular expressions: the crawl's thread tests every new line
PROSE_ENDINGS = frozenset(".!?…\"”’»)")
QUOTE_MARKS = tuple("\"“”«»„")
MAX_SEGMENT_CHARS = 1000
"""Longer lines are body text, never furniture: they are neither counted nor stored."""
MAX_REGIONS_PER_SITE = 1000
TEMPLATE_AGREEMENT = 0.9
"""A check page agrees with the site's layout when the region's clean text and the general
extractor's body share this much (``ExtractResult.layout_agreement``)."""
TEMPLATE_CHECKS = 3
"""The last this many check pages must all agree before the layout is used as a template."""
TEMPLATE_CHECK_EVERY = 8
"""One page in this many of a site with a template still runs the general path, as a check."""
SINGLETON_RUN_PAGES = 20
"""A line seen on just one of at least this many new pages of a site is not saved (it
is almost always body text; one missing count cannot move a share that must reach 50%),
so the table does not become a second copy of every article and saving stays fast."""


def segment_hash(normalised: str) -> str:
    """Hex SHA-256 of a normalised segment (the key of site_segments)."""
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def segment_forms(segments: Iterable[str]) -> list[str]:
    """The normalised form of each segment ("" for one too long to learn)."""
    return ["" if not line or len(line) > MAX_SEGMENT_CHARS else normalise_segment(line)
            for line in segments]


def looks_like_prose(line: str, form: str | None = None) -> bool:
    """A sentence or a quotation (what an outlet may legitimately repeat across follow-ups).

    ``form``: the line's normalised form when the caller already has it.
    """
    words = (normalise_segment(line) if form is None else form).count(" ") + 1
    return words >= 8 and (line.rstrip()[-1:] in PROSE_ENDINGS or any(mark in line for mark in QUOTE_MARKS))


@dataclass(slots=True)  # no __dict__ each: a site can have 200,000 (9% less memory for them)
class _Segment:
    text: str  # the line as first seen (not normalised), for humans and the prose test
    count: int  # distinct pages of the site it was seen on
    prose: bool
    first_seen: datetime | None = None
    last_seen: datetime | None = None


@dataclass
class _Site:
    pages: int = 0
    segments: dict[str, _Segment] = field(default_factory=dict)  # normalised -> counts
    new_pages: int = 0
    pending: dict[str, tuple[str, int, datetime]] = field(default_factory=dict)  # form -> update
    # forms seen on at least min_count pages: the only ones that can be furniture, so
    # judging (every 10% of growth) need not walk every line the site ever printed
    candidates: set[str] = field(default_factory=set)
    furniture: frozenset[str] | None = None
    furniture_pages: int = 0
    regions: Counter[str] = field(default_factory=Counter)  # body-region signature -> pages
    region_pages: int = 0
    # did the layout region agree with the general extractor, on the latest check pages
    checks: deque[bool] = field(default_factory=lambda: deque(maxlen=TEMPLATE_CHECKS))
    checked_layout: str | None = None  # the layout those checks were about
    since_check: int = 0  # pages sent through the template since the last check page


class SiteBoilerplate:
    """Which lines of a site are page furniture, learned from the pages a crawl has seen.

    A segment (one paragraph-level line, compared in normalised form) is furniture when
    the site has at least ``min_pages`` pages observed and the segment was seen on at
    least ``min_count`` distinct pages making up at least ``min_share`` of them. Prose
    (a sentence of 8+ words, or anything in quotation marks) must clear the stricter
    ``prose_min_count`` / ``prose_share``: an outlet reusing a quote across a handful
    of follow-up stories keeps it, a disclaimer printed under every story loses it.

    Typical use around a crawl::

        learner = SiteBoilerplate()
        learner.load(engine, [site])                      # what earlier runs learned
        result = extract(html, url, boilerplate=learner.furniture(site))
        learner.observe(site, result.segments)
        learner.save(engine)                              # add this run's counts

    The same learner counts where each page's body sat (``observe_layout`` with
    ``ExtractResult.body_region``); ``layout(site)`` is then the site's template region,
    a body candidate for ``extract(layout=...)``. Layout counts live in memory only.

    Pure Python and picklable; ``load``/``save`` use archive.db.segments.
    """

    def __init__(
        self,
        *,
        min_pages: int = 5,
        min_count: int = 3,
        min_share: float = 0.5,
        prose_min_count: int = 10,
        prose_share: float = 0.8,
        max_segments_per_site: int = 200_000,
        layout_share: float = 0.6,
    ) -> None:
        self.layout_share = layout_share
        self.min_pages = min_pages
        self.min_count = min_count
        self.min_share = min_share
        self.prose_min_count = prose_min_count
        self.prose_share = prose_share
        self.max_segments_per_site = max_segments_per_site
        self._sites: dict[str, _Site] = {}

    # --- learning -----------------------------------------------------------------

    def observe(self, site: str, segments: Iterable[str], *, seen_at: datetime | None = None,
                forms: Iterable[str] | None = None) -> None:
        """Count one page of ``site``: each distinct segment once.

        ``forms`` (optional) are the segments' normalised forms, in the same
        order, as ``segment_forms`` gives them: a crawl computes them in its
        extraction workers so that this bookkeeping stays cheap on the crawl's thread.
        """
        seen_at = seen_at or datetime.now(timezone.utc)
        state = self._sites.setdefault(site, _Site())
        state.pages += 1
        state.new_pages += 1
        segments = list(segments)
        forms = list(forms) if forms is not None else segment_forms(segments)
        distinct: dict[str, str] = {}
        for line, form in zip(segments, forms):
            if form and form not in distinct:
                distinct[form] = line
        check = state.furniture is not None and state.pages >= self.min_pages
        for form, line in distinct.items():
            seg = state.segments.get(form)
            if seg is None:
                seg = state.segments[form] = _Segment(line, 0, looks_like_prose(line, form), seen_at, seen_at)
            seg.count += 1
            if seg.count >= self.min_count:
                state.candidates.add(form)
            seg.last_seen = seen_at
            _, increment, _ = state.pending.get(form, (line, 0, seen_at))
            state.pending[form] = (seg.text, increment + 1, seen_at)
            if check and state.furniture is not None and seg.count >= self.min_count \
                    and form not in state.furniture \
                    and self._is_furniture(state, seg):
                state.furniture = state.furniture | {form}
        if len(state.segments) > self.max_segments_per_site:
            self._prune(state)

    def _prune(self, state: _Site) -> None:
        """Forget one-off segments (still in the database if saved) to bound memory."""
        state.segments = {form: seg for form, seg in state.segments.items() if seg.count > 1}
        state.candidates &= state.segments.keys()
        state.furniture = None

    def _is_furniture(self, state: _Site, seg: _Segment) -> bool:
        if state.pages < self.min_pages:
            return False
        share = seg.count / state.pages
        if seg.prose:
            return seg.count >= max(self.min_count, self.prose_min_count) and share >= self.prose_share
        return seg.count >= self.min_count and share >= self.min_share

    def observe_layout(self, site: str, region: str | None, *, layout: str | None = None,
                       agreement: float | None = None) -> None:
        """Count the body region (``ExtractResult.body_region``) of one page of ``site``
        that the general path extracted; with the ``layout`` it was given and the result's
        ``layout_agreement``, also record whether that layout read the same body.

        Pages whose body came from the template itself are not observed: they would only
        confirm it."""
        state = self._sites.setdefault(site, _Site())
        state.region_pages += 1
        if region:
            state.regions[region] += 1
            if len(state.regions) > MAX_REGIONS_PER_SITE:
                state.regions = Counter(dict(state.regions.most_common(MAX_REGIONS_PER_SITE // 2)))
        if layout is not None and agreement is not None:
            if layout != state.checked_layout:
                state.checks.clear()
                state.checked_layout = layout
            state.checks.append(agreement >= TEMPLATE_AGREEMENT)

    def plan(self, site: str) -> tuple[str | None, bool]:
        """How to extract the next page of ``site``: ``(layout, template)`` for
        ``extract(layout=..., template=...)``.

        ``template`` is True once the learned layout agreed with the general extractor on the
        last TEMPLATE_CHECKS pages that compared them; then the general path is skipped,
        except on one page in TEMPLATE_CHECK_EVERY, which checks the template again (a site
        that changes its template falls back to the general path at its next check)."""
        layout = self.layout(site)
        if layout is None:
            return None, False
        state = self._sites[site]
        trusted = (state.checked_layout == layout and len(state.checks) == TEMPLATE_CHECKS
                   and all(state.checks))
        if not trusted:
            return layout, False
        state.since_check += 1
        if state.since_check >= TEMPLATE_CHECK_EVERY:
            state.since_check = 0
            return layout, False
        return layout, True

    def layout(self, site: str) -> str | None:
        """The site's body region once ``min_pages`` pages were seen and one region holds the
        body on at least ``layout_share`` of them (pass to extract(layout=...))."""
        state = self._sites.get(site)
        if state is None or state.region_pages < self.min_pages or not state.regions:
            return None
        region, count = state.regions.most_common(1)[0]
        return region if count >= self.layout_share * state.region_pages else None

    # --- judging ------------------------------------------------------------------

    def pages(self, site: str) -> int:
        state = self._sites.get(site)
        return state.pages if state else 0

    def furniture(self, site: str) -> frozenset[str]:
        """Normalised segments of ``site`` judged furniture now (pass to extract(boilerplate=...))."""
        state = self._sites.get(site)
        if state is None:
            return frozenset()
        # shares fall as pages grow: recompute every 10% (at least 5 pages) of growth
        if state.furniture is None or state.pages >= max(state.furniture_pages * 1.1, state.furniture_pages + 5):
            segments = state.segments
            state.furniture = frozenset(
                form for form in state.candidates if self._is_furniture(state, segments[form])
            )
            state.furniture_pages = state.pages
        return state.furniture

    def is_furniture(self, site: str, segment: str) -> bool:
        return normalise_segment(segment) in self.furniture(site)

    def filter(self, site: str, text: str | None) -> str | None:
        """``text`` without its lines that are furniture of ``site``."""
        if not text:
            return text
        furniture = self.furniture(site)
        if not furniture:
            return text
        kept = [line for line in text.split("\n") if normalise_segment(line) not in furniture]
        return "\n".join(kept).strip()

    # --- persistence ----------------------------------------------------------------

    def load(self, engine: Engine, sites: Iterable[str]) -> None:
        """Add what the database knows about ``sites`` (tables site_segments, site_pages)."""
        from archive.db.segments import load_site_segments

        for site in sites:
            pages, rows = load_site_segments(engine, site)
            state = self._sites.setdefault(site, _Site())
            state.pages += pages
            for _digest, (text, count) in rows.items():
                form = normalise_segment(text)
                if not form:
                    continue
                seg = state.segments.get(form)
                if seg is None:
                    seg = state.segments[form] = _Segment(text, count, looks_like_prose(text, form))
                else:
                    seg.count += count
                if seg.count >= self.min_count:
                    state.candidates.add(form)
            state.furniture = None

    def save(self, engine: Engine) -> None:
        """Write the pages and segment counts observed since the last save (counts add up)."""
        from archive.db.segments import save_site_segments

        for site, state in self._sites.items():
            if not state.new_pages and not state.pending:
                continue
            pending = state.pending
            if state.new_pages >= SINGLETON_RUN_PAGES:
                segments = state.segments
                pending = {form: update for form, update in pending.items()
                           if update[1] > 1 or (form in segments and segments[form].count > 1)}
            updates = {segment_hash(form): update for form, update in pending.items()}
            save_site_segments(engine, site, state.new_pages, updates)
            state.new_pages = 0
            state.pending = {}
