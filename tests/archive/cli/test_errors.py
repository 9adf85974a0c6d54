"""Bad input to every command: one line that says what is wrong, a non-zero exit, no traceback
unless ``--debug`` (issue 12)."""

from __future__ import annotations

import logging
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archive.cli import main
from archive.cli.errors import CommandError, one_line, quiet_logs
from archive.store import db

NIANBAO = [sys.executable, "-m", "archive"]


def nianbao(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*NIANBAO, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def bad_files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good.db"
    db.connect(good, journal_mode="delete").close()
    data = good.read_bytes()
    files = {
        "corrupt": tmp_path / "corrupt.db",
        "truncated": tmp_path / "truncated.db",
        "text": tmp_path / "notes.txt",
    }
    files["corrupt"].write_bytes(b"\x00" * 100 + data[100:])
    files["truncated"].write_bytes(data[:3000])
    files["text"].write_text("not a database\n")
    return files


def test_database_commands_on_bad_files_print_one_line(tmp_path: Path, bad_files: dict[str, Path]):
    port = refused_port()
    runs = []
    for name, path in bad_files.items():
        runs.append((name, ["crawl", "--db", str(path), "--start-url", f"http://127.0.0.1:{port}/"]))
        runs.append((name, ["serve", "--db", str(path), "--port", "0"]))
        runs.append((name, ["status", "--db", str(path)]))
    runs += [
        ("proc", ["crawl", "--db", "/proc/nianbao-test/nianbao.db", "--start-url", f"http://127.0.0.1:{port}/"]),
        ("under a file", ["crawl", "--archive", str(bad_files["text"] / "sub"), "--start-url", "http://127.0.0.1:9/"]),
        ("archive is a file", ["crawl", "--archive", str(bad_files["text"]), "--start-url", "http://127.0.0.1:9/"]),
        ("dump corrupt", ["dump", "--db", str(bad_files["corrupt"]), str(tmp_path / "dumps")]),
        ("extract /proc", ["extract", "/proc/nianbao-test/report.pdf"]),
        ("extract a directory", ["extract", str(tmp_path)]),
        ("rebuild a file", ["rebuild", "--archive", str(bad_files["text"])]),
    ]
    for what, args in runs:
        done = nianbao(*args, cwd=tmp_path)
        err = lines(done.stderr)
        assert done.returncode != 0, (what, args, done.stdout)
        assert "Traceback" not in done.stderr, (what, args, done.stderr[-2000:])
        assert len(err) == 1 and err[0].startswith(f"nianbao {args[0]}: "), (what, args, err)


def test_messages_say_what_is_wrong(tmp_path: Path, bad_files: dict[str, Path]):
    corrupt = nianbao("crawl", "--db", str(bad_files["corrupt"]), "--start-url", "http://127.0.0.1:9/", cwd=tmp_path)
    assert f"{bad_files['corrupt']} is not a usable nianbao archive database" in corrupt.stderr
    assert corrupt.returncode == 2
    served = nianbao("serve", "--db", str(bad_files["text"]), "--port", "0", cwd=tmp_path)
    assert "is not a usable nianbao archive database (file is not a database)" in served.stderr
    under = nianbao(
        "crawl", "--archive", str(bad_files["text"] / "x"), "--start-url", "http://127.0.0.1:9/", cwd=tmp_path
    )
    assert f"{bad_files['text']} is not a directory" in under.stderr


def test_debug_shows_the_traceback(tmp_path: Path, bad_files: dict[str, Path]):
    for args in (["--debug", "serve"], ["serve", "--debug"]):
        done = nianbao(*args, "--db", str(bad_files["corrupt"]), "--port", "0", cwd=tmp_path)
        assert done.returncode != 0 and "Traceback" in done.stderr and "sqlite3.DatabaseError" in done.stderr


def test_unreachable_portal_fails_fast_with_its_reason(tmp_path: Path):
    started = time.monotonic()
    done = nianbao(
        "crawl", "--archive", str(tmp_path / "data"), "--start-url", f"http://127.0.0.1:{refused_port()}/", cwd=tmp_path
    )
    seconds = time.monotonic() - started
    err = lines(done.stderr)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert err[-1].startswith("nianbao crawl: portal 127.0.0.1:") and "refused" in err[-1]
    assert len(err) <= 4, err  # the crawler's error line and run line, the reason
    assert seconds < 45, seconds  # no minute of retries (generous: a loaded machine)
    # the failed run is recorded: the portal's monitors see it
    conn = sqlite3.connect(tmp_path / "data" / "nianbao.db")
    assert conn.execute("SELECT outcome FROM crawl_runs").fetchall() == [("failed",)]


class _NotFound(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html><body>not found</body></html>")

    def log_message(self, *args):
        pass


def test_a_missing_start_page_is_a_short_answer(tmp_path: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/zwgk/nb/"
        done = nianbao(
            "crawl", "--archive", str(tmp_path / "data"), "--start-url", url, "-s", "DOWNLOAD_DELAY=0", cwd=tmp_path
        )
    finally:
        server.shutdown()
    err = lines(done.stderr)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert err[-1] == f"nianbao crawl: portal 127.0.0.1:{server.server_address[1]} failed: {url}: HTTP 404"
    assert len(err) <= 3, err  # was 99 lines of Scrapy's start-up and shutdown dumps


def test_one_line_names_known_failures(tmp_path: Path):
    assert one_line(sqlite3.DatabaseError("file is not a database"), tmp_path / "x.db") == (
        f"{tmp_path / 'x.db'} is not a usable nianbao archive database (file is not a database)",
        2,
    )
    assert one_line(FileNotFoundError(2, "No such file or directory", "/proc/x")) == (
        "No such file or directory: /proc/x",
        2,
    )
    assert one_line(CommandError("archive is busy", 75)) == ("archive is busy", 75)
    message, code = one_line(KeyError("boom"))
    assert code == 1 and message.startswith("unexpected error KeyError: 'boom'") and "--debug" in message


def test_logged_tracebacks_become_one_line_while_a_command_runs(caplog):
    log = logging.getLogger("nianbao.test")
    with quiet_logs(), caplog.at_level(logging.INFO):
        try:
            raise ConnectionRefusedError("Connection was refused")
        except ConnectionRefusedError:
            log.exception("Error downloading %s", "http://127.0.0.1:9/")
        logging.getLogger("scrapy.middleware").info("Enabled extensions: […]")
    [record] = [r for r in caplog.records if r.name == "nianbao.test"]
    assert record.exc_info is None
    assert (
        record.getMessage() == "Error downloading http://127.0.0.1:9/ (ConnectionRefusedError: Connection was refused)"
    )
    assert not [r for r in caplog.records if r.name == "scrapy.middleware" and r.levelno == logging.INFO]
    log.warning("after")  # the factory is restored
    assert caplog.records[-1].getMessage() == "after"


def test_main_returns_the_code_of_a_command_error(capsys, tmp_path: Path):
    code = main(["status", "--db", str(tmp_path / "missing.db")])
    assert code == 2 and capsys.readouterr().err.startswith("nianbao status: archive database not found")
