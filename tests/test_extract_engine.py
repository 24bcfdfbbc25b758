"""The trafilatura wrapper (archive/extract/engine.py); where the cascade asks trafilatura's full
mode instead is tested in test_extract_candidates.py."""

import pytest
import trafilatura
import trafilatura.core
from lxml import html

from archive.extract.engine import Engine

PARAGRAPHS = [
    f"Paragraph {i}: the water board said the reservoir had reached its lowest level in a decade, "
    "and asked households to cut their use by a fifth until the autumn rains arrive."
    for i in range(8)
]
# Two paragraphs of article, then thirty blocks of text in bare <div>s that trafilatura's
# main extractor leaves out: its fast text covers under a fifth of the page's text, which
# is what makes trafilatura retry in recall mode.
LITTLE_OF_THE_PAGE = (
    f"<html><body><article><h1>Water</h1><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p></article>"
    "<div class='more'>" + "".join(f"<div>{PARAGRAPHS[i % 8]}</div>" for i in range(30)) + "</div></body></html>"
)


@pytest.fixture
def recall_retries(monkeypatch):
    """The fast flag of every recall retry trafilatura makes."""
    retries: list[bool] = []
    retry = trafilatura.core._recall_retry
    monkeypatch.setattr(trafilatura.core, "_recall_retry",
                        lambda tree, options, url: retries.append(options.fast) or retry(tree, options, url))
    return retries


def test_trafilaturas_recall_retry_is_off_in_our_fast_pass_only(recall_retries):
    engine = Engine(10_000_000)
    tree = html.document_fromstring(LITTLE_OF_THE_PAGE)

    assert engine.main_text(tree, None)  # the fast pass: trafilatura's page measure is skipped
    assert recall_retries == []

    # outside our fast pass (our full cascade, trafilatura used directly) the measure is real
    assert trafilatura.core.html2txt(tree) == trafilatura.html2txt(tree) != ""
    trafilatura.extract(LITTLE_OF_THE_PAGE, fast=True)
    assert recall_retries == [True]
