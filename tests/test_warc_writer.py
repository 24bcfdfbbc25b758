"""WarcWriter: records as warcio reads them, exact bytes, digests, naming, rotation."""

from __future__ import annotations

import gzip
import os
import re
import threading
import zlib
from datetime import datetime, timedelta, timezone

import pytest
from test_warc_support import FETCHED_AT, HTML, FixedWarcWriter, make_exchange, warcio_records
from warcio.archiveiterator import ArchiveIterator

from archive.warc import WarcWriter, iter_records, verify_digests
from archive.warc.naming import parse_warc_filename
from archive.warc.records import REVISIT_PROFILES
from archive.warc.writer import _GzipMembers

WARC_DATE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def only_file(directory):
    files = sorted(os.listdir(directory))
    assert len(files) == 1, files
    return directory / files[0]


def test_exchange_round_trip_through_warcio(tmp_path):
    exchange = make_exchange()
    with WarcWriter(tmp_path, warcinfo_fields={"isPartOf": "crawl-1", "operator": "ops@x"}) as w:
        response, request, payload_digest = w.write_exchange(exchange)

    records = warcio_records(only_file(tmp_path))
    assert [r.rec_type for r, *_ in records] == ["warcinfo", "response", "request"]
    (info, *_), (resp, resp_off, resp_len, resp_body), (req, req_off, req_len, _) = records

    info_id = info.rec_headers.get_header("WARC-Record-ID")
    for record, *_ in records[1:]:
        assert record.rec_headers.get_header("WARC-Warcinfo-ID") == info_id
        assert record.rec_headers.protocol == "WARC/1.1"

    # locations are the gzip member boundaries warcio reports
    assert (response.offset, response.length) == (resp_off, resp_len)
    assert (request.offset, request.length) == (req_off, req_len)
    assert response.filename == request.filename == only_file(tmp_path).name
    assert response.record_id == resp.rec_headers.get_header("WARC-Record-ID")
    assert request.record_id == req.rec_headers.get_header("WARC-Record-ID")

    h = resp.rec_headers
    assert h.get_header("WARC-Target-URI") == exchange.url
    assert h.get_header("WARC-Date") == "2024-05-06T07:08:09.123456Z"
    assert h.get_header("WARC-IP-Address") == "192.0.2.10"
    assert h.get_header("WARC-Payload-Digest") == payload_digest
    assert h.get_header("WARC-Block-Digest").startswith("sha1:")
    assert h.get_header("WARC-Concurrent-To") == request.record_id
    assert req.rec_headers.get_header("WARC-Concurrent-To") == response.record_id
    assert req.rec_headers.get_header("WARC-Date") == h.get_header("WARC-Date")

    assert resp.http_headers.protocol == "HTTP/1.1"
    assert resp.http_headers.statusline == "200 OK"
    assert resp.http_headers.headers == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Set-Cookie", "a=1; Path=/"),
        ("Set-Cookie", "b=2; Path=/"),
        ("ETag", '"v1"'),
    ]
    assert resp_body == HTML
    assert req.http_headers.protocol == "GET"
    assert req.http_headers.statusline == "/world/defence-framework?id=7 HTTP/1.1"
    assert req.http_headers.get_header("Host") == "news.example"
    assert req.http_headers.get_header("User-Agent") == "news-archive-test/1.0"


def test_warcinfo_fields(tmp_path):
    with WarcWriter(tmp_path, hostname="crawler-7", warcinfo_fields={
        "isPartOf": "abc123", "http-header-user-agent": "NewsBot/1.0", "robots": "obey",
        "description": "topic crawl: x",
    }) as w:
        w.write_metadata("urn:crawl:abc123", None, {"kind": "crawl-start"}, FETCHED_AT)
    path = only_file(tmp_path)
    (info, *_, body), *_ = warcio_records(path)
    assert info.rec_type == "warcinfo"
    assert info.rec_headers.get_header("WARC-Filename") == path.name
    assert info.rec_headers.get_header("Content-Type") == "application/warc-fields"
    fields = dict(line.split(": ", 1) for line in body.decode().splitlines())
    assert fields["software"].startswith("news-archive/")
    assert " warcio/1.8.1" in fields["software"]
    assert fields["format"] == "WARC File Format 1.1"
    assert fields["conformsTo"] == (
        "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/")
    assert fields["hostname"] == "crawler-7"
    assert fields["isPartOf"] == "abc123"
    assert fields["http-header-user-agent"] == "NewsBot/1.0"
    assert fields["robots"] == "obey"
    assert fields["description"] == "topic crawl: x"
    assert "operator" in fields  # present even when empty


def test_header_bytes_kept_exactly(tmp_path):
    headers = [
        (b"Content-Type", b"text/html; charset=iso-8859-1"),
        (b"X-Latin-1", "Café Zürich".encode("latin-1")),
        (b"X-Utf-8", "Ελληνικά".encode()),
        (b"X-Junk", b"\xff\xfe\x80 raw"),
        (b"Set-Cookie", b"z=1"),
        (b"Vary", b"Accept-Encoding"),
        (b"Set-Cookie", b"y=2"),
        (b"content-disposition", "inline; filename=\"résumé.html\"".encode("latin-1")),
    ]
    exchange = make_exchange(response_headers=headers, reason="Très bien",
                             body="Grüße".encode("latin-1"))
    with WarcWriter(tmp_path) as w:
        w.write_exchange(exchange)
    raw = gzip.decompress(only_file(tmp_path).read_bytes())
    expected_head = (
        b"HTTP/1.1 200 Tr\xe8s bien\r\n"
        + b"".join(name + b": " + value + b"\r\n" for name, value in headers)
        + b"\r\n"
    )
    assert expected_head + "Grüße".encode("latin-1") + b"\r\n\r\n" in raw

    # our reader gives the same bytes back, and the digests hold
    record = [r for r in iter_records(only_file(tmp_path)) if r.rec_type == "response"][0]
    assert record.http_headers == headers
    assert record.reason == "Très bien"
    assert verify_digests(record).ok and verify_digests(record).block
    # warcio reads it too (it decodes undecodable header lines as latin-1)
    resp = warcio_records(only_file(tmp_path))[1][0]
    assert resp.http_headers.get_header("X-Latin-1") == "Café Zürich"
    assert [v for k, v in resp.http_headers.headers if k == "Set-Cookie"] == ["z=1", "y=2"]


def _warcio_content(path):
    """The decoded body of the first response, as warcio's content_stream() gives it."""
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                return record.content_stream().read()


def test_compressed_body_stays_compressed(tmp_path):
    compressed = gzip.compress(HTML, mtime=0)
    exchange = make_exchange(
        response_headers=[(b"Content-Type", b"text/html"), (b"Content-Encoding", b"gzip")],
        body=compressed,
    )
    with WarcWriter(tmp_path) as w:
        w.write_exchange(exchange)
    assert _warcio_content(only_file(tmp_path)) == HTML  # warcio undoes the coding itself
    record = [r for r in iter_records(only_file(tmp_path)) if r.rec_type == "response"][0]
    assert record.raw_payload == compressed
    assert record.decoded_payload() == HTML


def test_transfer_encoding_is_renamed(tmp_path):
    exchange = make_exchange(response_headers=[
        (b"Content-Type", b"text/html"), (b"Transfer-Encoding", b"chunked"),
    ])
    with WarcWriter(tmp_path) as w:
        w.write_exchange(exchange)
    resp = warcio_records(only_file(tmp_path))[1]
    assert resp[0].http_headers.get_header("Transfer-Encoding") is None
    assert resp[0].http_headers.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    assert _warcio_content(only_file(tmp_path)) == HTML  # no attempt to de-chunk


@pytest.mark.parametrize("case", ["no-body", "huge-headers", "no-ip", "http2", "post"])
def test_edge_cases(tmp_path, case):
    changes = {
        "no-body": dict(status=204, reason="No Content", body=b"", response_headers=[]),
        "huge-headers": dict(response_headers=[(b"X-Big-%d" % i, b"v" * 1000) for i in range(300)]),
        "no-ip": dict(ip_address=None),
        "http2": dict(protocol="HTTP/2"),
        "post": dict(method="POST", request_body=b"q=defence&page=2",
                     request_headers=[(b"Content-Type", b"application/x-www-form-urlencoded")]),
    }[case]
    exchange = make_exchange(**changes)
    with WarcWriter(tmp_path) as w:
        response, request, digest = w.write_exchange(exchange)
    records = warcio_records(only_file(tmp_path))  # digests checked by warcio
    resp, req = records[1][0], records[2][0]
    ours = {r.rec_type: r for r in iter_records(only_file(tmp_path))}
    assert all(verify_digests(r).ok for r in ours.values())
    assert ours["response"].raw_payload == exchange.body
    assert ours["response"].http_headers == list(exchange.response_headers)
    if case == "no-body":
        assert digest == "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"  # sha1 of nothing
        assert records[1][3] == b""
    if case == "no-ip":
        assert resp.rec_headers.get_header("WARC-IP-Address") is None
        assert req.rec_headers.get_header("WARC-IP-Address") is None
    if case == "http2":
        # pywb/warcio only know HTTP/1.x status lines; the real protocol goes in WARC-Protocol
        assert resp.http_headers.protocol == "HTTP/1.1"
        assert resp.rec_headers.get_header("WARC-Protocol") == "h2"
        assert ours["response"].protocol == "HTTP/2"
    if case == "post":
        assert records[2][3] == b"q=defence&page=2"
        assert req.http_headers.protocol == "POST"


def test_revisits(tmp_path):
    first = make_exchange()
    later = make_exchange(fetched_at=FETCHED_AT + timedelta(days=1))
    not_modified = make_exchange(status=304, reason="Not Modified", body=b"",
                                 response_headers=[(b"ETag", b'"v1"')],
                                 fetched_at=FETCHED_AT + timedelta(days=2))
    with WarcWriter(tmp_path) as w:
        original = w.write_exchange(first)
        same = w.write_revisit(later, "identical-payload-digest", original.response.record_id,
                               first.url, first.fetched_at, original.payload_digest)
        nm = w.write_revisit(not_modified, "server-not-modified", original.response.record_id,
                             first.url, first.fetched_at, original.payload_digest)
        with pytest.raises(ValueError):
            w.write_revisit(later, "identical-payload-digest", "<urn:uuid:x>", first.url,
                            first.fetched_at, None)
        with pytest.raises(ValueError):
            w.write_revisit(later, "bogus", "<urn:uuid:x>", first.url, first.fetched_at, None)
    assert same.request is None and same.payload_digest == original.payload_digest

    records = {r.rec_headers.get_header("WARC-Record-ID"): (r, body)
               for r, _, _, body in warcio_records(only_file(tmp_path))}
    for written, profile, status in ((same, "identical-payload-digest", "200 OK"),
                                     (nm, "server-not-modified", "304 Not Modified")):
        record, body = records[written.response.record_id]
        h = record.rec_headers
        assert record.rec_type == "revisit"
        assert h.get_header("WARC-Profile") == REVISIT_PROFILES[profile]
        assert h.get_header("WARC-Refers-To") == original.response.record_id
        assert h.get_header("WARC-Refers-To-Target-URI") == first.url
        assert h.get_header("WARC-Refers-To-Date") == "2024-05-06T07:08:09.123456Z"
        assert h.get_header("WARC-Payload-Digest") == original.payload_digest
        assert record.http_headers.statusline == status
        assert body == b""  # headers only
    ours = [r for r in iter_records(only_file(tmp_path)) if r.rec_type == "revisit"]
    assert [verify_digests(r).block for r in ours] == [True, True]
    assert ours[1].status == 304 and ours[1].http_headers == [(b"ETag", b'"v1"')]


def test_conversion_and_metadata(tmp_path):
    with WarcWriter(tmp_path) as w:
        response, _, _ = w.write_exchange(make_exchange())
        conv = w.write_conversion(make_exchange().url, response.record_id, "Défense text ✓",
                                  FETCHED_AT)
        meta = w.write_metadata(make_exchange().url, response.record_id,
                                {"kind": "article", "published": FETCHED_AT, "title": "Ü"},
                                FETCHED_AT)
        crawl = w.write_metadata("urn:crawl:abc", None, {"kind": "crawl-end"}, FETCHED_AT)
    by_id = {r.record_id: r for r in iter_records(only_file(tmp_path))}
    c, m, e = by_id[conv.record_id], by_id[meta.record_id], by_id[crawl.record_id]
    assert c.rec_type == "conversion" and c.header("Content-Type") == "text/plain; charset=utf-8"
    assert c.text() == "Défense text ✓" and c.refers_to == response.record_id
    assert c.target_uri == make_exchange().url
    assert m.rec_type == "metadata" and m.header("Content-Type") == "application/json"
    assert m.text() == (
        '{"kind": "article", "published": "2024-05-06T07:08:09.123456+00:00", "title": "Ü"}')
    assert e.refers_to is None and e.target_uri == "urn:crawl:abc"
    assert all(verify_digests(r).ok for r in by_id.values())
    warcio_records(only_file(tmp_path))  # warcio checks every digest


def test_naming_open_suffix_and_rename(tmp_path):
    w = WarcWriter(tmp_path, prefix="news", hostname="host-a.example")
    assert w.current_filename is None and os.listdir(tmp_path) == []  # nothing until a write
    loc, _, _ = w.write_exchange(make_exchange())
    name = w.current_filename
    assert name == loc.filename
    assert os.listdir(tmp_path) == [name + ".open"]
    parsed = parse_warc_filename(name)
    assert parsed.prefix == "news" and parsed.serial == 0 and parsed.host == "host-a.example"
    assert parsed.pid == os.getpid() and not parsed.is_open
    stamp = datetime.strptime(parsed.timestamp[:14], "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    assert abs(datetime.now(timezone.utc) - stamp) < timedelta(minutes=5)
    assert re.fullmatch(r"news-\d{17}-00000-host-a\.example-\d+\.warc\.gz", name)
    w.close()
    assert os.listdir(tmp_path) == [name] and w.current_filename is None
    w.close()  # idempotent
    with pytest.raises(ValueError):
        w.write_exchange(make_exchange())


def test_naive_datetimes_are_refused(tmp_path):
    with WarcWriter(tmp_path) as w:
        with pytest.raises(ValueError, match="timezone-aware"):
            w.write_exchange(make_exchange(fetched_at=datetime(2024, 1, 1)))


def test_rotation_by_size_keeps_pairs_together(tmp_path):
    body = os.urandom(30_000)  # incompressible: each exchange adds ~30 KB
    with WarcWriter(tmp_path, max_size=50_000) as w:
        written = [w.write_exchange(make_exchange(url=f"https://news.example/{i}", body=body))
                   for i in range(7)]
    files = sorted(os.listdir(tmp_path))
    assert len(files) == 4  # 2 + 2 + 2 + 1 exchanges
    assert [parse_warc_filename(f).serial for f in files] == [0, 1, 2, 3]
    for response, request, _ in written:
        assert response.filename == request.filename
    for name in files:
        path = tmp_path / name
        records = warcio_records(path)
        assert records[0][0].rec_type == "warcinfo"
        info_id = records[0][0].rec_headers.get_header("WARC-Record-ID")
        assert all(r.rec_headers.get_header("WARC-Warcinfo-ID") == info_id for r, *_ in records[1:])
        assert path.stat().st_size < 50_000 + 2 * 31_000
    assert sum(len(warcio_records(tmp_path / f)) for f in files) == 4 + 14


def test_whole_record_is_deterministic(tmp_path):
    with FixedWarcWriter(tmp_path, hostname="h") as w:
        w.write_exchange(make_exchange(
            url="http://a.example/", body=b"hi", request_headers=[],
            response_headers=[(b"Content-Type", b"text/plain")]))
    raw = gzip.decompress(only_file(tmp_path).read_bytes())
    start = raw.index(b"WARC/1.1\r\nWARC-Type: response")
    response = raw[start:raw.index(b"WARC/1.1\r\nWARC-Type: request")]
    assert response == (
        b"WARC/1.1\r\n"
        b"WARC-Type: response\r\n"
        b"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
        b"WARC-Date: 2024-05-06T07:08:09.123456Z\r\n"
        b"WARC-Target-URI: http://a.example/\r\n"
        b"WARC-IP-Address: 192.0.2.10\r\n"
        b"WARC-Concurrent-To: <urn:uuid:00000000-0000-4000-8000-000000000002>\r\n"
        b"WARC-Warcinfo-ID: <urn:uuid:00000000-0000-4000-8000-000000000003>\r\n"
        b"WARC-Payload-Digest: sha1:YIVV7ELYGQTASQUNN5I3FRNPJQF542SC\r\n"
        b"WARC-Block-Digest: sha1:PPGY47UCAK2YKEU2YSSQGJRMVVXXTF2S\r\n"
        b"Content-Type: application/http; msgtype=response\r\n"
        b"Content-Length: 47\r\n"
        b"\r\n"
        b"HTTP/1.1 200 OK\r\n"
        b"Content-Type: text/plain\r\n"
        b"\r\n"
        b"hi"
        b"\r\n\r\n"
    )


def test_failed_write_is_rolled_back(tmp_path, monkeypatch):
    with WarcWriter(tmp_path) as w:
        w.write_exchange(make_exchange(url="https://news.example/ok-1"))
        real_write = _GzipMembers.write
        calls = {"n": 0}

        def failing_write(self, data):
            calls["n"] += 1
            if calls["n"] == 5:  # in the middle of the request record
                raise OSError(28, "No space left on device")
            return real_write(self, data)

        monkeypatch.setattr(_GzipMembers, "write", failing_write)
        with pytest.raises(OSError):
            w.write_exchange(make_exchange(url="https://news.example/lost"))
        monkeypatch.setattr(_GzipMembers, "write", real_write)
        w.write_exchange(make_exchange(url="https://news.example/ok-2"))
    urls = [r.target_uri for r in iter_records(only_file(tmp_path)) if r.rec_type == "response"]
    assert urls == ["https://news.example/ok-1", "https://news.example/ok-2"]
    warcio_records(only_file(tmp_path))


def test_threads_share_one_writer(tmp_path):
    with WarcWriter(tmp_path, max_size=200_000) as w:
        def work(n):
            for i in range(25):
                w.write_exchange(make_exchange(url=f"https://news.example/{n}/{i}",
                                               body=os.urandom(2000)))
        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    total = 0
    for name in os.listdir(tmp_path):
        records = warcio_records(tmp_path / name)
        total += sum(1 for r, *_ in records if r.rec_type == "response")
    assert total == 100


def test_one_gzip_member_per_record(tmp_path):
    with WarcWriter(tmp_path) as w:
        w.write_exchange(make_exchange())
        w.write_conversion("https://news.example/", "<urn:uuid:x>", "text", FETCHED_AT)
    data = only_file(tmp_path).read_bytes()
    members = 0
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        record = d.decompress(data)
        assert record.startswith(b"WARC/1.1\r\n") and record.endswith(b"\r\n\r\n")
        assert record.count(b"WARC/1.1\r\nWARC-Type:") == 1
        data = d.unused_data
        members += 1
    assert members == 4


def test_warc_dates_have_microseconds(tmp_path):
    with WarcWriter(tmp_path) as w:
        w.write_exchange(make_exchange(fetched_at=datetime(2024, 1, 1, tzinfo=timezone.utc)))
    for record, *_ in warcio_records(only_file(tmp_path)):
        assert WARC_DATE_RE.match(record.rec_headers.get_header("WARC-Date"))


def _records_of(path):
    """(WARC header block, record block) of every record (gzip member) of a file."""
    from archive.warc.gzipmembers import iter_members

    out = []
    with open(path, "rb") as fh:
        for member in iter_members(fh):
            head, _, rest = member.data.partition(b"\r\n\r\n")
            assert rest.endswith(b"\r\n\r\n")
            out.append((head + b"\r\n\r\n", rest[:-4]))
    return out


def test_records_are_what_warcio_builds_itself(tmp_path):
    """Digests are computed once by the writer and handed to warcio; the bytes are
    exactly those of warcio's own builder computing them (create_warc_record +
    write_record), for every record type."""
    import io

    from warcio.warcwriter import WARCWriter as PlainWarcio

    from archive.warc.httphead import parse_http_head
    from archive.warc.writer import _RawHttpHead

    with FixedWarcWriter(tmp_path, hostname="h") as w:
        ex = make_exchange(request_body=b"q=1", ip_address=None, protocol="HTTP/2")
        response, _, digest = w.write_exchange(ex)
        w.write_revisit(ex, "identical-payload-digest", response.record_id, ex.url,
                        FETCHED_AT, digest)
        w.write_revisit(make_exchange(status=304, reason="Not Modified", body=b""),
                        "server-not-modified", response.record_id, ex.url, FETCHED_AT, None)
        w.write_article(ex.url, response.record_id, "Défense ✓", {"kind": "article"},
                        FETCHED_AT)
        w.write_metadata("urn:crawl:x", None, {"kind": "crawl-end"}, FETCHED_AT)
    records = _records_of(only_file(tmp_path))
    assert len(records) == 8
    for head, block in records[1:]:  # after the warcinfo record
        lines = head.decode("utf-8").split("\r\n")[1:-2]
        fields = dict(line.split(": ", 1) for line in lines)
        rec_type, content_type = fields["WARC-Type"], fields["Content-Type"]
        for computed in ("WARC-Block-Digest", "Content-Type", "Content-Length"):
            del fields[computed]
        if rec_type != "revisit":  # a revisit's payload digest is the caller's
            del fields["WARC-Payload-Digest"]
        http = parse_http_head(block) if rec_type in ("response", "request", "revisit") else None
        payload = block[len(http[0].raw):] if http else block
        out = io.BytesIO()
        plain = PlainWarcio(out, gzip=False, warc_version="1.1")
        plain.write_record(plain.create_warc_record(
            fields.get("WARC-Target-URI", ""), rec_type, payload=io.BytesIO(payload),
            length=len(payload), warc_content_type=content_type, warc_headers_dict=fields,
            http_headers=_RawHttpHead(http[0].raw) if http else None))
        assert out.getvalue() == head + block + b"\r\n\r\n", rec_type
    warcio_records(only_file(tmp_path))


def test_write_article_writes_conversion_then_metadata(tmp_path):
    with WarcWriter(tmp_path) as w:
        response, _, _ = w.write_exchange(make_exchange())
        conv, meta = w.write_article(make_exchange().url, response.record_id, "Défense ✓",
                                     {"title": "Ü", "kind": "article"}, FETCHED_AT)
    assert conv.filename == meta.filename == response.filename
    assert meta.offset == conv.offset + conv.length
    records = list(iter_records(only_file(tmp_path)))
    c, m = records[-2:]
    assert (c.record_id, m.record_id) == (conv.record_id, meta.record_id)
    assert c.rec_type == "conversion" and c.text() == "Défense ✓"
    assert c.header("Content-Type") == "text/plain; charset=utf-8"
    assert m.rec_type == "metadata" and m.text() == '{"kind": "article", "title": "Ü"}'
    assert c.refers_to == m.refers_to == response.record_id
    assert c.header("WARC-Date") == m.header("WARC-Date") == "2024-05-06T07:08:09.123456Z"
    assert all(verify_digests(r).ok for r in records)
    warcio_records(only_file(tmp_path))


def test_each_call_reaches_the_os_whole(tmp_path):
    """Records are handed to the OS at the end of every call: the `.open` file on
    disk holds whole records only, readable while the writer is still open."""
    w = WarcWriter(tmp_path)
    try:
        w.write_exchange(make_exchange())
        (partial,) = tmp_path.glob("*.open")
        assert [r.rec_type for r, *_ in warcio_records(partial)] == [
            "warcinfo", "response", "request"]
        w.write_conversion("https://news.example/", "<urn:uuid:x>", "text", FETCHED_AT)
        assert len(warcio_records(partial)) == 4
    finally:
        w.close()


def test_record_ids_are_random_uuids(tmp_path):
    import uuid

    with WarcWriter(tmp_path) as w:
        ids = [w.write_conversion("https://news.example/", "<urn:uuid:x>", "t", FETCHED_AT)
               .record_id for _ in range(200)]
    assert len(set(ids)) == 200
    for record_id in ids:
        assert record_id.startswith("<urn:uuid:") and record_id.endswith(">")
        parsed = uuid.UUID(record_id[len("<urn:uuid:"):-1])
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert f"<urn:uuid:{parsed}>" == record_id


def test_record_ids_differ_in_a_forked_child_and_after_random_seed():
    # The ids come from a private generator: a fork reseeds it (parent and child would
    # otherwise write the same ids), and seeding the random module does not repeat them.
    import random

    from archive.warc.writer import _random_uuid

    random.seed(1)
    first = _random_uuid()
    random.seed(1)
    assert _random_uuid() != first
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: send its next id and leave at once
        os.write(write, _random_uuid().bytes)
        os._exit(0)
    os.close(write)
    child = os.read(read, 16)
    os.close(read)
    os.waitpid(pid, 0)
    assert child != _random_uuid().bytes


def test_digest_helpers_match_the_standard_library():
    import base64
    import hashlib

    from archive.warc.digests import b32, compute_digest, sha1_digest

    assert b32(bytes(range(20))) == "AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT"
    data = os.urandom(70_000)
    expected = "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")
    assert sha1_digest(data) == sha1_digest(data[:100], data[100:]) == expected
    assert compute_digest(data) == expected
    assert compute_digest(data, "sha256") == (
        "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode("ascii"))


def test_warc_dates_are_utc_with_z(tmp_path):
    from archive.warc.records import format_warc_date

    east = timezone(timedelta(hours=5, minutes=30))
    assert format_warc_date(datetime(2024, 5, 6, 12, 0, 0, 5, tzinfo=east)) == (
        "2024-05-06T06:30:00.000005Z")
    assert format_warc_date(datetime(2024, 5, 6, tzinfo=timezone.utc)) == (
        "2024-05-06T00:00:00.000000Z")
    with pytest.raises(ValueError, match="timezone-aware"):
        format_warc_date(datetime(2024, 5, 6))
