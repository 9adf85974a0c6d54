"""run_limited: a parser in a forked child with a memory limit and a wall-clock timeout."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from extract.limits import remaining, run_limited
from extract.model import Document, ExtractionError, Paragraph


def _echo(a, b=0, *, c=0):
    return {"sum": a + b + c, "pid": os.getpid()}


def _document(text: str) -> Document:
    return Document(blocks=[Paragraph(text, where="p1")], carrier="pdf", pages=1)


def _raise_extraction():
    raise ExtractionError("encrypted PDF: a password is required to open it")


def _raise_other():
    raise KeyError("/Root")


def _sleep(seconds: float):
    time.sleep(seconds)


def _hog():
    blocks = []
    while True:
        blocks.append(bytearray(64 * 1024 * 1024))


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


def _exit_quietly():
    os._exit(0)


def _big():
    return b"\x01" * (24 * 1024 * 1024)


def _spawn_and_hang(pid_file: str):
    child = subprocess.Popen(["sleep", "300"])
    with open(pid_file, "w") as fh:
        fh.write(str(child.pid))
    time.sleep(300)


def _remaining_inside():
    return remaining(1000.0)


def test_returns_the_result_from_another_process():
    result = run_limited(_echo, 1, 2, c=3, timeout_s=30, max_memory_mb=512)
    assert result["sum"] == 6
    assert result["pid"] != os.getpid()
    doc = run_limited(_document, "二、主动公开政府信息情况", timeout_s=30)
    assert doc.blocks == [Paragraph("二、主动公开政府信息情况", where="p1")] and doc.carrier == "pdf"


def test_errors_keep_their_reason():
    with pytest.raises(ExtractionError, match="^encrypted PDF: a password is required to open it$"):
        run_limited(_raise_extraction, timeout_s=30)
    with pytest.raises(ExtractionError, match=r"_raise_other failed: KeyError: '/Root'"):
        run_limited(_raise_other, timeout_s=30)


def test_timeout_kills_the_child():
    with pytest.raises(ExtractionError, match=r"_sleep timed out after 1 s"):
        run_limited(_sleep, 60, timeout_s=1)


def test_memory_limit():
    with pytest.raises(ExtractionError, match=r"_hog exceeded the memory limit of 300 MB"):
        run_limited(_hog, timeout_s=60, max_memory_mb=300)


def test_child_killed_or_silent():
    with pytest.raises(ExtractionError, match="killed by signal SIGKILL"):
        run_limited(_die, timeout_s=30)
    with pytest.raises(ExtractionError, match="failed without a result"):
        run_limited(_exit_quietly, timeout_s=30)


def test_large_result_travels_back():
    assert run_limited(_big, timeout_s=60, max_memory_mb=1024) == b"\x01" * (24 * 1024 * 1024)


def test_helpers_started_by_the_parser_die_with_it(tmp_path):
    pid_file = tmp_path / "pid"
    with pytest.raises(ExtractionError, match="timed out"):
        run_limited(_spawn_and_hang, str(pid_file), timeout_s=2)
    pid = int(pid_file.read_text())
    for _ in range(100):
        try:
            state = open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0]
        except FileNotFoundError:
            break
        if state in ("Z", "X"):
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        pytest.fail(f"helper process {pid} survived the timeout")


def test_deadline_is_visible_to_converters():
    assert remaining(30.0) == 30.0  # not in a limited child
    left = run_limited(_remaining_inside, timeout_s=20)
    assert 15.0 < left <= 18.0  # the child's deadline minus a 2 s margin


def _spin():
    while True:
        pass


def test_processor_time_limit_is_not_the_wall_clock():
    """A parser that computes is stopped by its processor-time budget; one that waits only by the
    wall clock (a loaded machine slows a parser, it does not make it use more processor time)."""
    from extract.limits import last_usage

    with pytest.raises(ExtractionError, match=r"_spin used up its 1 s of processor time"):
        run_limited(_spin, timeout_s=60, cpu_s=1)
    # the child spun until the limit stopped it (its rusage may account a tick or two less than the limit)
    assert 0.75 <= last_usage().cpu_seconds < 10
    with pytest.raises(ExtractionError, match=r"_sleep timed out after 2 s"):
        run_limited(_sleep, 60, timeout_s=2, cpu_s=1)
