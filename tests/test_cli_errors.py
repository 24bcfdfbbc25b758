"""How the query commands meet a missing archive, an old schema and an unreachable database."""

from click.testing import CliRunner

from archive.cli import main


def test_missing_archive_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("ARCHIVE_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["--dir", str(tmp_path / "nothing"), "search", "x"])
    assert result.exit_code == 1
    assert "no archive in" in result.output
    assert not (tmp_path / "nothing").exists()


def test_outdated_schema_asks_for_the_upgrade(tmp_path, monkeypatch):
    from archive.db.engine import make_engine, upgrade

    monkeypatch.delenv("ARCHIVE_DATABASE_URL", raising=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'archive.sqlite'}")
    upgrade(engine, "0001")
    engine.dispose()
    for command in (["search", "x"], ["stats"], ["export"]):
        result = CliRunner().invoke(main, ["--dir", str(tmp_path), *command])
        assert result.exit_code == 1, command
        assert "archive upgrade" in result.output and "Traceback" not in result.output


def test_unreachable_database(tmp_path):
    result = CliRunner().invoke(
        main, ["--dir", str(tmp_path), "--db", "postgresql://nobody@127.0.0.1:1/none", "stats"]
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "Traceback" not in result.output


def test_env_database_url_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVE_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(main, ["--dir", str(tmp_path), "stats"])
    assert result.exit_code == 1 and "127.0.0.1:1" in result.output


def test_upgrade_flag_migrates_then_answers(tmp_path, monkeypatch):
    from archive.db.engine import make_engine, schema_state, upgrade

    monkeypatch.delenv("ARCHIVE_DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    engine = make_engine(url)
    upgrade(engine, "0001")
    result = CliRunner().invoke(main, ["--dir", str(tmp_path), "stats", "--upgrade", "--json"])
    assert result.exit_code == 0, result.output
    assert schema_state(engine) == "current"
    engine.dispose()


def test_python_m_archive_works_beside_a_folder_named_archive(tmp_path, monkeypatch):
    """`python -m archive` in a folder holding an `archive` folder (one's archive, say)
    imports the installed package, not that folder as a namespace package."""
    import os
    import subprocess
    import sys

    from archive import Archive

    Archive.open(tmp_path / "archive").close()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ARCHIVE_DATABASE_URL")}
    result = subprocess.run(
        [sys.executable, "-m", "archive", "--dir", "archive", "stats"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "warc files" in result.stdout and "Traceback" not in result.stderr
