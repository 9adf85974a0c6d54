"""Damaged archives for the fuzzing suite (issue 12): WARC files cut, corrupted, spliced; corrupt
SQLite databases given to the ``nianbao`` commands.

* :func:`warc_case` writes a small WARC file, damages one stretch of it and checks the salvage
  property of :func:`archive.store.warc.iter_file` with ``on_damage``: it never raises, it yields
  every record whose bytes the damage did not touch (with its payload unchanged), and every
  damage it reports starts where a record was, or inside the damaged stretch.
* :func:`sqlite_case` corrupts an archive database and runs commands on it: each prints one
  line (``nianbao COMMAND: …``), no traceback, and exits non-zero unless it could do its work.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from archive.store import db
from archive.store.warc import Damage, WarcWriter, iter_file, sha256_hex

NIANBAO = [sys.executable, "-m", "archive"]
T0 = datetime(2025, 3, 1, 8, 0, 0, tzinfo=UTC)


@dataclass
class Member:
    record_id: str
    offset: int
    length: int
    sha256: str | None


@dataclass
class FuzzStats:
    """Counts of a batch of archive cases and the properties they broke."""

    cases: int = 0
    reported: int = 0  # damages reported
    salvaged: int = 0  # intact records read back
    problems: list[str] = field(default_factory=list)
    verdicts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        extra = ", ".join(f"{k} {v}" for k, v in sorted(self.verdicts.items()))
        return (
            f"{self.cases} cases, {self.reported} damages reported, {self.salvaged} intact records salvaged"
            f"{', ' + extra if extra else ''}, {len(self.problems)} problems"
        )


def write_warc(directory: Path, rng: random.Random, exchanges: int = 12) -> tuple[Path, list[Member]]:
    """A WARC file of ``exchanges`` request/response pairs and metadata records."""
    members: list[Member] = []
    with WarcWriter(directory / "warc", prefix="fuzz") as writer:
        for i in range(exchanges):
            payload = (
                rng.randbytes(rng.randint(10, 30_000))
                if i % 3
                else f"<html>{'正文' * rng.randint(1, 500)}</html>".encode()
            )
            ex = writer.write_exchange(
                f"http://fuzz.gov.cn/{i}.html",
                method="GET",
                request_headers=[("User-Agent", "nianbao-fuzz")],
                request_body=None,
                status=200,
                reason="OK",
                response_headers=[("Content-Type", "text/html; charset=utf-8")],
                payload=payload,
                fetched=T0,
                known_payload=lambda _sha: None,
                metadata={"type": "fetch", "n": i},
            )
            for rec in ex.records():
                sha = sha256_hex(payload) if rec.record_id == ex.record_id else None
                members.append(Member(rec.record_id, rec.offset, rec.length, sha))
            if i % 4 == 0:
                rec = writer.write_metadata(f"http://fuzz.gov.cn/{i}.html", {"type": "note", "i": i})
                members.append(Member(rec.record_id, rec.offset, rec.length, None))
        members += [Member(r.record_id, r.offset, r.length, None) for r in writer.take_auto_records()]
        members.sort(key=lambda m: m.offset)
        path = writer.warc_dir / Path(writer.files[0]).name
    return path, members


def damage(data: bytes, rng: random.Random, members: list[Member]) -> tuple[bytes, int, int, str]:
    """``(damaged bytes, start, end, what)``: the original stretch [start, end) was changed."""
    op = rng.randrange(7)
    n = len(data)
    if op == 0:  # cut the file inside a record
        at = rng.randrange(1, n)
        return data[:at], at, n, "cut"
    if op == 1:  # bytes flipped inside one record
        m = rng.choice(members)
        spots = sorted(m.offset + rng.randrange(m.length) for _ in range(rng.randint(1, 8)))
        out = bytearray(data)
        for s in spots:
            out[s] ^= rng.randrange(1, 256)
        return bytes(out), spots[0], spots[-1] + 1, "flipped"
    if op == 2:  # junk between (or inside) records
        at = rng.choice([m.offset for m in members] + [rng.randrange(n)])
        return data[:at] + rng.randbytes(rng.randint(1, 5000)) + data[at:], at, at, "junk inserted"
    if op == 3:  # a stretch cut out of the middle ("cut mid-record")
        a = rng.randrange(n)
        b = min(n, a + rng.randint(1, 20_000))
        return data[:a] + data[b:], a, b, "stretch removed"
    if op == 4:  # zeroed
        a = rng.randrange(n)
        b = min(n, a + rng.randint(1, 4096))
        return data[:a] + bytes(b - a) + data[b:], a, b, "zeroed"
    if op == 5:  # a record's gzip member truncated in place (the rest of the file follows)
        m = rng.choice(members)
        cut = m.offset + rng.randrange(1, m.length)
        return data[:cut] + data[m.offset + m.length :], cut, m.offset + m.length, "member truncated"
    m = rng.choice(members)  # a whole record duplicated at a record boundary (no damage)
    at = rng.choice(members).offset
    return data[:at] + data[m.offset : m.offset + m.length] + data[at:], at, at, "record duplicated"


def warc_case(number: int, run_seed: int, directory: Path) -> tuple[list[str], int, int]:
    """One damaged WARC file: ``(problems, damages reported, intact records read)``."""
    rng = random.Random(f"warc-{run_seed}-{number}")
    shutil.rmtree(directory, ignore_errors=True)
    path, members = write_warc(directory, rng, rng.randint(3, 14))
    data = path.read_bytes()
    changed, start, end, what = damage(data, rng, members)
    path.write_bytes(changed)
    delta = len(changed) - len(data)
    intact = [m for m in members if m.offset + m.length <= start or m.offset >= end]
    first_hit = min((m.offset for m in members if m.offset + m.length > start), default=start)
    reports: list[Damage] = []
    seen: dict[str, list[str | None]] = {}
    problems: list[str] = []
    try:
        for rec in iter_file(directory, path, on_damage=reports.append):
            seen.setdefault(rec.record_id, []).append(rec.sha256)
    except Exception as exc:
        problems.append(f"warc #{number} ({what}): {type(exc).__name__}: {exc}")
        return problems, len(reports), 0
    for m in intact:
        if m.record_id not in seen:
            problems.append(f"warc #{number} ({what} at {start}): intact record at {m.offset} not salvaged")
        elif m.sha256 is not None and m.sha256 not in seen[m.record_id]:
            problems.append(f"warc #{number} ({what}): record at {m.offset} read back with another payload")
    for d in reports:
        if not first_hit <= d.offset <= max(start, end + delta):
            problems.append(f"warc #{number} ({what} {start}–{end}): damage reported at {d.offset}, outside it")
    return problems, len(reports), sum(1 for m in intact if m.record_id in seen)


def run_warc_cases(n: int, run_seed: int) -> FuzzStats:
    stats = FuzzStats()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            problems, reported, salvaged = warc_case(i, run_seed, Path(tmp) / "archive")
            stats.cases += 1
            stats.reported += reported
            stats.salvaged += salvaged
            stats.problems += problems
    return stats


# --------------------------------------------------------------------------- SQLite


def archive_database(path: Path) -> None:
    """A small valid archive database (schema, a run, a portal)."""
    conn = db.connect(path, journal_mode="delete")
    try:
        db.upsert_portal(conn, {"id": "430529", "name": "城步苗族自治县", "hosts": ["www.chengbu.gov.cn"]})
        run = db.start_run(conn, ["430529"], "full", started="2025-03-01T08:00:00Z")
        db.finish_run(conn, run, {"requests": 1}, "ok", ended="2025-03-01T08:01:00Z")
    finally:
        conn.close()


def corrupt(path: Path, rng: random.Random) -> str:
    """Damage the database at ``path`` in one of the ways a disk or a copy does."""
    data = bytearray(path.read_bytes())
    op = rng.randrange(7)
    if op == 0:
        path.write_bytes(data[: rng.randrange(1, len(data))])
        return "truncated"
    if op == 1:
        for _ in range(rng.randint(1, 16)):
            data[rng.randrange(100)] = rng.randrange(256)
        path.write_bytes(bytes(data))
        return "header damaged"
    if op == 2:
        page = rng.randrange(1, max(2, len(data) // 4096))
        data[page * 4096 : page * 4096 + 4096] = rng.randbytes(4096)
        path.write_bytes(bytes(data[: len(data)]))
        return f"page {page} garbage"
    if op == 3:
        path.write_bytes(b"")
        return "empty file"
    if op == 4:
        path.write_text("id,name\n1,not a database\n")
        return "a CSV file"
    if op == 5:
        path.unlink()
        path.mkdir()
        return "a directory"
    path.write_bytes(rng.randbytes(rng.randint(1, 50_000)))
    return "random bytes"


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: connections are refused


def _run(args: list[str], cwd: Path, timeout: float = 120) -> tuple[int | None, str]:
    """Exit code and stderr of a command; a server that starts listening is stopped (None)."""
    proc = subprocess.Popen([*NIANBAO, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if args[0] == "serve":
        deadline = time.monotonic() + timeout
        assert proc.stdout is not None
        for line in proc.stdout:
            if "listening on" in line:
                proc.terminate()
                _out, err = proc.communicate(timeout=30)
                return None, err
            if time.monotonic() > deadline:
                break
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
        return -9, err + "\n(timed out)"
    return proc.returncode, err


def sqlite_case(number: int, run_seed: int, workdir: Path) -> tuple[list[str], dict[str, int]]:
    """One corrupt database given to ``status``, ``dump``, ``serve`` and ``crawl``."""
    rng = random.Random(f"sqlite-{run_seed}-{number}")
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    path = workdir / "nianbao.db"
    archive_database(path)
    what = corrupt(path, rng)
    problems: list[str] = []
    verdicts: dict[str, int] = {}
    commands = [
        ["status", "--db", str(path)],
        ["dump", "--db", str(path), str(workdir / "dumps")],
        ["serve", "--db", str(path), "--port", "0"],
        ["crawl", "--db", str(path), "--start-url", f"http://127.0.0.1:{_refused_port()}/", "-s", "DOWNLOAD_DELAY=0"],
    ]
    for args in commands:
        code, err = _run(args, workdir)
        lines = [line for line in err.splitlines() if line.strip()]
        verdict = "served" if code is None else "ok" if code == 0 else "refused"
        verdicts[f"{args[0]} {verdict}"] = verdicts.get(f"{args[0]} {verdict}", 0) + 1
        if "Traceback" in err:
            problems.append(f"db #{number} ({what}) {args[0]}: traceback printed")
        elif code not in (None, 0) and not (lines and lines[-1].startswith(f"nianbao {args[0]}")):
            problems.append(f"db #{number} ({what}) {args[0]}: exit {code} without a one-line reason: {lines[-1:]}")
        elif code == -9:
            problems.append(f"db #{number} ({what}) {args[0]}: did not finish")
    return problems, verdicts


def run_sqlite_cases(n: int, run_seed: int, out: Path) -> FuzzStats:
    stats = FuzzStats()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            problems, verdicts = sqlite_case(i, run_seed, Path(tmp) / f"case{i}")
            stats.cases += 1
            stats.problems += problems
            for k, v in verdicts.items():
                stats.verdicts[k] = stats.verdicts.get(k, 0) + v
    return stats
