"""Drop page furniture from extracted lines: single-line forms plus a few sequence rules."""

from __future__ import annotations

from collections.abc import Sequence

from archive.extract.furniture import (
    Line,
    furniture_reason,
    is_related_marker,
    looks_like_headline,
    normalise_segment,
    words,
)

LEAD_WINDOW = 4
"""How many lines at the top may be a repeated headline/standfirst."""


def clean_lines(
    lines: list[Line], *, titles: Sequence[str] = (), description: str | None = None
) -> tuple[list[Line], list[tuple[Line, str]]]:
    """Return (kept lines, [(dropped line, reason)])."""
    reasons: list[str | None] = [furniture_reason(line) for line in lines]
    _mark_repeated_headline(lines, reasons, titles, description)
    _mark_related_lists(lines, reasons)
    _mark_place_datelines(lines, reasons)
    _mark_heading_runs(lines, reasons)
    _mark_trailing_headings(lines, reasons)
    kept = [line for line, why in zip(lines, reasons) if why is None]
    dropped = [(line, why) for line, why in zip(lines, reasons) if why is not None]
    return kept, dropped


def _mark_repeated_headline(
    lines: list[Line], reasons: list[str | None], titles: Sequence[str], description: str | None
) -> None:
    """A headline (or a standfirst set as a heading) repeated at the top of the body."""
    title_forms = {normalise_segment(t) for t in titles if t}
    title_forms.discard("")
    desc_form = normalise_segment(description or "")
    seen = 0
    headline_at = None
    for i, line in enumerate(lines):
        if seen >= LEAD_WINDOW:
            break
        if reasons[i] is not None:
            continue
        seen += 1
        form = normalise_segment(line.text)
        if not form:
            continue
        if _matches_title(form, title_forms):
            reasons[i] = "headline"
            headline_at = i
            # a section label (kicker) printed above the headline
            for k in range(i):
                if reasons[k] is None and len(words(lines[k].text)) <= 3:
                    reasons[k] = "kicker"
        elif line.kind == "head" and desc_form and (form == desc_form or (len(form) > 40 and desc_form.startswith(form))):
            reasons[i] = "standfirst"
        elif (
            line.kind == "head"
            and headline_at is not None
            and all(reasons[k] is not None for k in range(headline_at, i))
            and len(words(line.text)) <= 30
        ):
            reasons[i] = "standfirst"  # a dek set as a heading right under the headline
        elif line.kind != "head" and len(words(line.text)) > 25:
            break  # the body has started


def _matches_title(form: str, title_forms: set[str]) -> bool:
    for title in title_forms:
        if form == title:
            return True
        # "<headline> | Site name" titles, or a line that is the title plus a short tag
        if len(form) >= 20 and (title.startswith(form) or title.endswith(form)) and len(form) >= 0.6 * len(title):
            return True
        if len(title) >= 20 and form.startswith(title) and len(title) >= 0.8 * len(form):
            return True
    return False


def _mark_related_lists(lines: list[Line], reasons: list[str | None]) -> None:
    """After a "related stories" marker, the headline-like lines that follow are links, not body."""
    i = 0
    n = len(lines)
    while i < n:
        if reasons[i] is not None and is_related_marker(lines[i].text):
            j = i + 1
            while j < n and lines[j].kind != "head" and looks_like_headline(lines[j].text):
                if reasons[j] is None:
                    reasons[j] = "related list"
                j += 1
            i = j
        else:
            i += 1


def _mark_place_datelines(lines: list[Line], reasons: list[str | None]) -> None:
    """A lone place name next to a dropped dateline ("Kathmandu" / "Friday, October 31, 2025")."""
    for i, line in enumerate(lines):
        if reasons[i] is not None or line.kind == "head":
            continue
        neighbours = [reasons[k] for k in (i - 1, i + 1) if 0 <= k < len(lines)]
        if "dateline" in neighbours and len(words(line.text)) <= 2:  # words last: the costly test
            reasons[i] = "dateline"


def _mark_trailing_headings(lines: list[Line], reasons: list[str | None]) -> None:
    """Headings with no text under them at the end of the body (related-story titles, empty sections)."""
    for i in range(len(lines) - 1, -1, -1):
        if reasons[i] is not None:
            continue
        if lines[i].kind != "head":
            break
        reasons[i] = "trailing heading"


HEADING_RUN = 3
"""This many headings in a row with no text between them are a list of links, not subheads."""


def _mark_heading_runs(lines: list[Line], reasons: list[str | None]) -> None:
    run: list[int] = []
    for i in [k for k in range(len(lines)) if reasons[k] is None] + [None]:
        if i is not None and lines[i].kind == "head":
            run.append(i)
            continue
        if len(run) >= HEADING_RUN:
            for k in run:
                reasons[k] = "heading list"
        run = []
