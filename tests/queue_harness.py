"""Helpers of the queue tests: a real ``redis-server`` on a free loopback port, workers and commands as processes.

Import from a test module (``tests/`` is on ``sys.path`` under pytest)::

    from queue_harness import RedisServer, start_worker, nianbao

    with RedisServer(tmp_path / "redis") as redis:
        nianbao("queue", "crawl", "--redis", redis.url, "--start-url", site.start_urls[0])
        worker = start_worker(redis.url, tmp_path / "shard1", burst=True)
        assert worker.wait(120) == 0
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REDIS_SERVER = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed (make system-deps)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """``redis-server`` bound to 127.0.0.1 on a free port, its files in ``folder``; stopped by :meth:`stop`."""

    def __init__(self, folder: Path) -> None:
        assert REDIS_SERVER is not None
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = folder / "redis.log"
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(folder),
             "--save", "", "--appendonly", "no", "--logfile", str(self.log), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start: {self.log.read_text() if self.log.exists() else ''}")
            time.sleep(0.05)

    def client(self):
        from redis import Redis

        return Redis.from_url(self.url)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> RedisServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def nianbao(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python -m archive ARGS…`` (``nianbao``) and return the finished process."""
    proc = subprocess.run(
        [sys.executable, "-m", "archive", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"nianbao {' '.join(args)} exited {proc.returncode}\n{proc.stderr[-4000:]}")
    return proc


class Worker:
    """A ``nianbao worker`` process in a session of its own (so it can be killed with its job)."""

    def __init__(self, redis_url: str, shard: Path, *args: str, burst: bool = True, heartbeat: int = 1) -> None:
        self.shard = shard
        self.log = shard.parent / f"{shard.name}.log"
        cmd = [sys.executable, "-m", "archive", "worker", "--redis", redis_url, "--archive", str(shard),
               "--heartbeat", str(heartbeat), *args]  # fmt: skip
        if burst:
            cmd.append("--burst")
        shard.parent.mkdir(parents=True, exist_ok=True)
        self._out = open(self.log, "w")
        self.proc = subprocess.Popen(
            cmd, cwd=REPO, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip

    def wait(self, timeout: float = 180) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"worker {self.shard} did not finish in {timeout} s\n{self.tail()}") from None
        finally:
            self._out.close()

    def stop(self, timeout: float = 60) -> int:
        """Warm shutdown (SIGTERM: the running job finishes first)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        return self.wait(timeout)

    def kill(self, *pids: int) -> None:
        """SIGKILL the worker, its job's processes ``pids`` and everything in its session."""
        for pid in [self.proc.pid, *pids]:
            try:
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.wait()
        self._out.close()

    def tail(self, n: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""


def rows(db: Path, sql: str, *args) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def archive_contents(db: Path) -> dict[str, list[tuple]]:
    """What a crawl leaves that does not depend on ids, runs or times: reports (with versions),
    their cells, checks, sections and URLs."""
    report_cols = ("doc_key, version, is_current, url, title, organ, year, template, published, sha256, page_sha256, "
                   "content_sha256, carrier, portal, level, cell_count, checks_failed, warning_count, removed_at")  # fmt: skip
    by_report = "JOIN reports r ON r.id = x.report_id"
    return {
        "reports": sorted(rows(db, f"SELECT {report_cols} FROM reports")),
        "cells": sorted(rows(db, f'SELECT r.doc_key, r.version, x.table_name, x."row", x.col, x.value, x.raw, x.unit FROM cells x {by_report}')),
        "checks": sorted(rows(db, f'SELECT r.doc_key, r.version, x.rule, x."column", x.ok, x.expected, x.actual FROM checks x {by_report}')),
        "sections": sorted(rows(db, f"SELECT r.doc_key, r.version, x.number, x.heading, x.text FROM sections x {by_report}")),
        "report_urls": sorted(rows(db, f"SELECT r.doc_key, x.url FROM report_urls x {by_report}")),
        "attachments": sorted(rows(db, f"SELECT r.doc_key, x.url, x.sha256, x.kind, x.used_for_values FROM attachments x {by_report}")),
    }  # fmt: skip
