"""cdxj-indexer indexes our files: one entry per capture, at the offsets we return."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import timedelta

from cdxj_indexer.main import write_cdx_index
from test_warc_support import FETCHED_AT, make_exchange

from archive.warc import WarcWriter


def test_cdxj_entries_match_our_locations(tmp_path):
    with WarcWriter(tmp_path / "w") as w:
        first = w.write_exchange(make_exchange(url="https://news.example/a"))
        second = w.write_exchange(make_exchange(
            url="https://news.example/b", status=404, reason="Not Found", body=b"gone",
            response_headers=[(b"Content-Type", b"text/plain")]))
        revisit = w.write_revisit(
            make_exchange(url="https://news.example/a", fetched_at=FETCHED_AT + timedelta(hours=1)),
            "identical-payload-digest", first.response.record_id, "https://news.example/a",
            FETCHED_AT, first.payload_digest)
        meta = w.write_metadata("https://news.example/a", first.response.record_id,
                                {"kind": "article"}, FETCHED_AT)
        name = w.current_filename
    path = tmp_path / "w" / name

    out = io.StringIO()
    # Name the record types: importing py-wacz (as the wacz command does) appends
    # "warcinfo" to cdxj-indexer's class-level default list for the whole process.
    write_cdx_index(out, [str(path)], {"post_append": True, "sort": True,
                                       "records": "response,revisit,resource,metadata"})
    entries = {}
    for line in out.getvalue().splitlines():
        urlkey, timestamp, blob = line.split(" ", 2)
        entry = json.loads(blob)
        entries[(entry["url"], timestamp, entry.get("mime"))] = (urlkey, entry)

    urlkey, a = entries[("https://news.example/a", "20240506070809", "text/html")]
    assert urlkey == "example,news)/a"
    assert a["status"] == "200" and a["filename"] == name
    assert (int(a["offset"]), int(a["length"])) == (first.response.offset, first.response.length)
    assert a["digest"] == first.payload_digest

    _, b = entries[("https://news.example/b", "20240506070809", "text/plain")]
    assert b["status"] == "404"
    assert (int(b["offset"]), int(b["length"])) == (second.response.offset, second.response.length)

    _, r = entries[("https://news.example/a", "20240506080809", "warc/revisit")]
    assert (int(r["offset"]), int(r["length"])) == (
        revisit.response.offset, revisit.response.length)
    assert r["digest"] == a["digest"]

    _, m = entries[("https://news.example/a", "20240506070809", "application/json")]
    assert (int(m["offset"]), int(m["length"])) == (meta.offset, meta.length)


def test_cdxj_indexer_cli_reads_our_files(tmp_path):
    with WarcWriter(tmp_path) as w:
        for i in range(5):
            w.write_exchange(make_exchange(url=f"https://news.example/{i}"))
    files = sorted(str(p) for p in tmp_path.glob("*.warc.gz"))
    result = subprocess.run(
        [sys.executable, "-c", "from cdxj_indexer.main import main; main()", *files],
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert len(result.stdout.splitlines()) == 5
    assert result.stderr == ""  # no warnings such as "Record not followed by newline"
