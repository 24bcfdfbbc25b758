"""Crash recovery: `.open` files cut after their last whole record and renamed."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys

from test_warc_support import FETCHED_AT, make_exchange, warcio_records

from archive.warc import WarcWriter, iter_records, recover, verify_digests
from archive.warc.naming import warc_filename


def crashed_file(directory, scratch, cut_into_last: int | None):
    """A `.open` file as a crash leaves it: complete records, then part of one more."""
    w = WarcWriter(scratch, hostname="crashed-host")
    locations = [w.write_exchange(make_exchange(url=f"https://news.example/{i}",
                                                body=os.urandom(3000)))
                 for i in range(3)]
    open_name = w.current_filename + ".open"
    shutil.copy(scratch / open_name, directory / open_name)  # a snapshot, before close()
    w.close()
    path = directory / open_name
    if cut_into_last is not None:
        with open(path, "r+b") as fh:
            fh.truncate(locations[-1].request.offset + cut_into_last)
    return path, locations


def test_truncated_mid_record_is_cut_and_renamed(tmp_path, caplog):
    directory, scratch = tmp_path / "warcs", tmp_path / "scratch"
    directory.mkdir()
    path, locations = crashed_file(directory, scratch, cut_into_last=57)
    with caplog.at_level(logging.WARNING, logger="archive.warc.recovery"):
        result = recover(directory)
    final = locations[0].response.filename
    assert result == [(final, 57)]
    assert os.listdir(directory) == [final]
    assert "dropped 57 bytes" in caplog.text
    records = list(iter_records(directory / final))
    kinds = [r.rec_type for r in records]
    assert kinds == ["warcinfo", "response", "request", "response", "request", "response"]
    assert all(verify_digests(r).ok for r in records)
    assert records[-1].location == locations[-1].response
    warcio_records(directory / final)  # warcio reads it cleanly too
    assert recover(directory) == []  # nothing left to do


def test_clean_open_file_is_just_renamed(tmp_path):
    directory, scratch = tmp_path / "warcs", tmp_path / "scratch"
    directory.mkdir()
    path, locations = crashed_file(directory, scratch, cut_into_last=None)
    result = recover(directory)
    assert result == [(locations[0].response.filename, 0)]
    assert len(list(iter_records(directory / result[0][0]))) == 7


def test_file_without_a_complete_record_is_removed(tmp_path):
    name = warc_filename("archive", FETCHED_AT, 0, "crashed-host", 12345) + ".open"
    (tmp_path / name).write_bytes(b"\x1f\x8b\x08\x00partial")
    assert recover(tmp_path) == [(name[: -len(".open")], 11)]
    assert os.listdir(tmp_path) == []


def test_files_being_written_are_left_alone(tmp_path):
    with WarcWriter(tmp_path) as w:  # open in this process
        w.write_exchange(make_exchange())
        open_name = w.current_filename + ".open"
        assert recover(tmp_path) == []
        assert os.listdir(tmp_path) == [open_name]
    # a file another process holds the lease on (flock) is someone's open file, whatever
    # its name says; once that process is gone (here: SIGKILL) the file is recovered
    name = warc_filename("archive", FETCHED_AT, 0, socket.gethostname(), os.getppid()) + ".open"
    with WarcWriter(tmp_path / "scratch") as w:
        w.write_exchange(make_exchange())
        (tmp_path / name).write_bytes((tmp_path / "scratch" / (w.current_filename + ".open")).read_bytes())
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'rb'); "
         "fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
         str(tmp_path / name)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert recover(tmp_path) == []
        assert (tmp_path / name).exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert recover(tmp_path) == [(name[: -len(".open")], 0)]


def test_recovery_for_a_node_only_touches_that_nodes_files(tmp_path):
    directory, scratch = tmp_path / "warcs", tmp_path / "scratch"
    directory.mkdir()
    path, locations = crashed_file(directory, scratch, cut_into_last=5)  # node "crashed-host"
    assert recover(directory, node="node-2") == []
    assert path.exists()
    assert recover(directory, node="crashed-host") == [(locations[0].response.filename, 5)]


def test_missing_directory(tmp_path):
    assert recover(tmp_path / "nope") == []


def test_zero_filled_tail_is_dropped(tmp_path):
    """After a power loss a file can end in zeros that were never written."""
    directory, scratch = tmp_path / "warcs", tmp_path / "scratch"
    directory.mkdir()
    path, locations = crashed_file(directory, scratch, cut_into_last=None)
    size = path.stat().st_size
    with open(path, "ab") as fh:
        fh.write(b"\0" * 4096)
    assert recover(directory) == [(locations[0].response.filename, 4096)]
    assert (directory / locations[0].response.filename).stat().st_size == size


def test_reused_pid_does_not_protect_an_old_file(tmp_path):
    """After a reboot the pid in a crashed file's name may belong to a newer process."""
    name = warc_filename("archive", FETCHED_AT, 0, socket.gethostname(), os.getppid()) + ".open"
    path = tmp_path / name
    with WarcWriter(tmp_path / "scratch") as w:
        w.write_exchange(make_exchange())
        path.write_bytes((tmp_path / "scratch" / (w.current_filename + ".open")).read_bytes())
    os.utime(path, (0, 0))  # last written in 1970: long before our parent started
    assert recover(tmp_path) == [(name[: -len(".open")], 0)]


def test_another_process_never_recovers_a_live_writers_file(tmp_path):
    """The lease is the writer's flock: a second process on the same folder and node
    (a node restarting while another instance still writes) leaves the file alone."""
    with WarcWriter(tmp_path, node_id="node-1") as w:
        w.write_exchange(make_exchange())
        open_name = w.current_filename + ".open"
        code = ("import sys; from archive.warc import recover; "
                "print(recover(sys.argv[1], node='node-1'))")
        out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True,
                             capture_output=True, text=True).stdout
        assert out.strip() == "[]"
        assert os.listdir(tmp_path) == [open_name]
        w.write_exchange(make_exchange(url="https://news.example/after"))
    assert len(list(iter_records(tmp_path / open_name[: -len(".open")]))) == 5


def test_a_file_created_but_never_locked_is_removed(tmp_path):
    """A crash between creating `<name>.open.new` and renaming it to `.open`."""
    name = warc_filename("archive", FETCHED_AT, 0, "node-1", 12345) + ".open.new"
    (tmp_path / name).write_bytes(b"")
    assert recover(tmp_path, node="node-2") == [] and (tmp_path / name).exists()
    assert recover(tmp_path, node="node-1") == []
    assert os.listdir(tmp_path) == []
