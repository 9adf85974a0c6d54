"""Run a document parser in a forked child with limits on memory, processor time and wall-clock time.

A corrupt, hostile or simply huge attachment must not take the crawl down with it: the
parser runs in a child process (``os.fork``) whose address space is capped with
``RLIMIT_AS`` (soft limit) and whose wall-clock time is capped by the parent, which kills the
child's whole process group when the time is up.  The result travels back pickled over a
pipe.  Every failure becomes an :class:`ExtractionError` with a clear reason: timed out,
memory limit exceeded, killed by a signal, or the parser's own error (an
``ExtractionError`` raised in the child keeps its message).

Only the soft limit is lowered, so a converter the parser starts (LibreOffice, tesseract) may
lift it again for itself; the timeout still bounds it because it runs in the same process
group.  The memory limit counts what the parser maps *on top of* what the process had mapped
when it forked (a crawler's address space is already hundreds of MB of libraries and threads).

Budgets (:func:`budget_for`) scale with what a report can be: a report is under 100 pages, so
a document far larger than that is refused at once, and the processor time a carrier may use
grows with the document's size from a small base (a damaged 100 KB PDF gets seconds, not
minutes).  The wall-clock limit is :data:`WALL_FACTOR` times that: a loaded machine slows a
parser down, it does not make it use more processor time, so the budget fails a document for
what it is, not for the machine's load.  Small HTML and text documents are parsed in the caller
(a fork costs more than they do); the structural caps of :func:`bound_document` keep their
cost linear.
"""

from __future__ import annotations

import faulthandler
import math
import os
import pickle
import resource
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from extract.grid import MAX_ROWSPAN, MAX_SPAN
from extract.model import Document, ExtractionError, SourceTable

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MEMORY_MB = 2048

_deadline: float | None = None  # set in a limited child: monotonic time it will be killed at
MB = 1024 * 1024


@dataclass(frozen=True)
class Budget:
    """What one document of a carrier may cost: bytes, processor seconds, MB of memory.

    ``in_process_bytes``: documents up to this size are parsed in the caller, larger ones in a
    limited child (0: always in a child).
    """

    kind: str
    max_bytes: int
    cpu_s: float
    memory_mb: int
    in_process_bytes: int = 0

    @property
    def wall_s(self) -> float:
        """Wall-clock seconds the child may take (converters and OCR, which run as processes of
        their own, included)."""
        return min(self.cpu_s * WALL_FACTOR, MAX_WALL_S)


@dataclass(frozen=True)
class _Scale:
    max_bytes: int
    base_s: float  # processor seconds for any document of the kind (a converter's start-up …)
    per_mb_s: float  # plus this per MB of input
    cap_s: float  # never more than this
    memory_mb: int
    in_process_bytes: int = 0


# A report is < 100 pages: 100 pages of text are ~0.3 MB, of Word-pasted HTML ~2 MB (more with
# images inlined as data: URIs), a scanned PDF ~0.3 MB per page.  Seconds per MB are ~10× what
# the carriers need on this kind of machine (tests/bench/bench_hostile.py measures them).
_SCALES: dict[str, _Scale] = {
    "html": _Scale(32 * MB, 5.0, 4.0, 60.0, 1024, in_process_bytes=512 * 1024),
    "text": _Scale(4 * MB, 5.0, 4.0, 30.0, 1024, in_process_bytes=512 * 1024),
    "pdf": _Scale(200 * MB, 10.0, 40.0, 120.0, 2048),
    "docx": _Scale(50 * MB, 10.0, 20.0, 60.0, 2048),
    "xlsx": _Scale(50 * MB, 10.0, 20.0, 60.0, 2048),
    "xls": _Scale(50 * MB, 10.0, 20.0, 60.0, 2048),
    "doc": _Scale(50 * MB, 30.0, 20.0, 120.0, 2048),  # LibreOffice converts first
    "wps": _Scale(50 * MB, 30.0, 20.0, 120.0, 2048),
    "rtf": _Scale(50 * MB, 30.0, 20.0, 120.0, 2048),
    "image": _Scale(50 * MB, 60.0, 0.0, 60.0, 2048),
}
WALL_FACTOR = 3.0
MAX_WALL_S = 300.0
_DEFAULT_SCALE = _Scale(200 * MB, 10.0, 40.0, DEFAULT_TIMEOUT_S, DEFAULT_MEMORY_MB)


def budget_for(kind: str, size: int) -> Budget:
    """The budget of a ``kind`` document (extract.sniff kinds) of ``size`` bytes."""
    scale = _SCALES.get(kind, _DEFAULT_SCALE)
    cpu = min(scale.cap_s, scale.base_s + scale.per_mb_s * size / MB)
    return Budget(kind, scale.max_bytes, round(cpu, 1), scale.memory_mb, scale.in_process_bytes)


def check_size(kind: str, size: int) -> None:
    """Refuse a document larger than any report of its kind, at once."""
    limit = budget_for(kind, size).max_bytes
    if size > limit:
        raise ExtractionError(
            f"{kind} document of {size / MB:.1f} MB is larger than any report ({limit // MB} MB limit); not read"
        )


# Structure a report can have: its statistical tables have a few hundred cells, a long appendix
# (a list of disclosed items) a few thousand; 100 pages hold fewer than 40,000 cells.
MAX_TABLE_CELLS = 20_000
MAX_TABLE_AREA = 200_000  # grid positions its cells cover with their spans (as extract.grid clamps them)
MAX_DOCUMENT_CELLS = 100_000
MAX_BLOCKS = 200_000


def table_area(table: SourceTable) -> int:
    """Grid positions the cells of ``table`` cover, spans clamped as :func:`extract.grid.expand` does."""
    if not table.spans_known:
        return sum(len(row) for row in table.rows)
    n_rows = len(table.rows)
    area = 0
    for r, row in enumerate(table.rows):
        for cell in row:
            width = max(1, min(cell.colspan or 1, MAX_SPAN))
            height = cell.rowspan if cell.rowspan and cell.rowspan > 0 else n_rows - r
            area += width * max(1, min(height, MAX_ROWSPAN, n_rows - r))
    return area


def bound_document(doc: Document) -> Document:
    """Drop what no report has, each with a warning naming it: a table of more than
    :data:`MAX_TABLE_CELLS` cells or :data:`MAX_TABLE_AREA` grid positions, tables beyond
    :data:`MAX_DOCUMENT_CELLS` cells in all, blocks beyond :data:`MAX_BLOCKS`.  Keeps what the
    interpreter does after a carrier linear."""
    kept: list = []
    total = 0
    for block in doc.blocks:
        if len(kept) >= MAX_BLOCKS:
            doc.warnings.append(f"document has {len(doc.blocks)} blocks: only the first {MAX_BLOCKS} were read")
            break
        if isinstance(block, SourceTable):
            n = sum(len(row) for row in block.rows)
            name = block.where or "a table"
            if n > MAX_TABLE_CELLS:
                doc.warnings.append(
                    f"table {name} has {n} cells, more than any report table ({MAX_TABLE_CELLS}); not read"
                )
                continue
            area = table_area(block)
            if area > MAX_TABLE_AREA:
                doc.warnings.append(
                    f"table {name} spans {area} grid positions, more than any report table ({MAX_TABLE_AREA}); not read"
                )
                continue
            if total + n > MAX_DOCUMENT_CELLS:
                doc.warnings.append(
                    f"table {name} not read: the document's tables hold more than {MAX_DOCUMENT_CELLS} cells"
                )
                continue
            total += n
        kept.append(block)
    doc.blocks = kept
    return doc


@dataclass(frozen=True)
class Usage:
    """What the last limited child used: wall-clock and processor seconds, peak resident memory (MB)."""

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float


_last_usage: Usage | None = None


def last_usage() -> Usage | None:
    """Seconds, processor seconds and peak memory of the most recent :func:`run_limited` child."""
    return _last_usage


def _mapped_bytes() -> int:
    """Address space this process maps now (0 when /proc is not there)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def remaining(default: float) -> float:
    """Seconds a helper process (converter, OCR) may take: ``default``, but never beyond the
    deadline of the limited child this runs in (minus a margin to clean up)."""
    if _deadline is None:
        return default
    return max(min(default, _deadline - time.monotonic() - 2.0), 0.5)


def _lower(which: int, soft: int, hard: int | None = None) -> None:
    """Lower a resource limit of this process (never above its current hard limit)."""
    _soft, current = resource.getrlimit(which)
    hard = current if hard is None else hard
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(which, (soft, hard))


def _child(
    write_fd: int,
    func: Callable[..., Any],
    args: tuple,
    kwargs: dict,
    max_memory_mb: int,
    timeout_s: float,
    cpu_s: float | None,
) -> None:
    """Body of the forked child: never returns."""
    global _deadline
    status = 0
    _deadline = time.monotonic() + timeout_s
    try:
        faulthandler.disable()  # a crash here is reported by the parent, not dumped
        os.setpgid(0, 0)
        _lower(resource.RLIMIT_AS, _mapped_bytes() + max_memory_mb * MB)
        if cpu_s is not None:
            _lower(resource.RLIMIT_CORE, 0, 0)  # SIGXCPU would dump core
            _lower(resource.RLIMIT_CPU, math.ceil(cpu_s), math.ceil(cpu_s) + 2)
        try:
            payload = ("ok", func(*args, **kwargs))
        except MemoryError:
            payload = ("memory", None)
        except ExtractionError as exc:
            payload = ("extraction", str(exc))
        except RecursionError:
            payload = ("error", "RecursionError: document nested too deeply")
        except BaseException as exc:  # the parent turns it into an ExtractionError
            payload = ("error", f"{type(exc).__name__}: {exc}")
        try:
            blob = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            blob = pickle.dumps(("memory", None))
        except Exception as exc:
            blob = pickle.dumps(("error", f"result cannot be sent back: {type(exc).__name__}: {exc}"))
        view = memoryview(blob)
        while view:
            n = os.write(write_fd, view[: 1 << 20])
            view = view[n:]
    except MemoryError:
        status = 3
    except BaseException:
        try:
            traceback.print_exc(file=sys.stderr)
        finally:
            status = 4
    finally:
        try:
            os.close(write_fd)
        finally:
            os._exit(status)


def _kill(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            continue


def run_limited(
    func: Callable[..., T],
    *args: Any,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_memory_mb: int = DEFAULT_MEMORY_MB,
    cpu_s: float | None = None,
    name: str | None = None,
    **kwargs: Any,
) -> T:
    """``func(*args, **kwargs)`` in a forked child limited to ``max_memory_mb`` of address
    space (beyond what it inherits) and ``timeout_s`` seconds of wall-clock time; its return
    value (picklable) or an :class:`ExtractionError` naming the reason (and ``name``, default
    the function's).  ``cpu_s`` also limits the processor time the child may use (a loaded
    machine slows a parser, it does not make it use more processor time)."""
    name = name or getattr(func, "__qualname__", repr(func))
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        _child(write_fd, func, args, kwargs, max_memory_mb, timeout_s, cpu_s)
    os.close(write_fd)
    try:
        os.setpgid(pid, pid)  # also done in the child; whichever runs first wins
    except OSError:
        pass
    chunks: list[bytes] = []
    started = time.monotonic()
    deadline = started + timeout_s
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_fd], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        if timed_out:
            _kill(pid)
        _, status, rusage = os.wait4(pid, 0)
        _kill(pid)  # grandchildren left in the group (converters)
        global _last_usage
        _last_usage = Usage(time.monotonic() - started, rusage.ru_utime + rusage.ru_stime, rusage.ru_maxrss / 1024)
    if timed_out:
        raise ExtractionError(f"{name} timed out after {timeout_s:g} s (document too large or malformed)")
    blob = b"".join(chunks)
    if not blob:
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if cpu_s is not None and (sig == signal.SIGXCPU or _last_usage.cpu_seconds >= math.ceil(cpu_s)):
                raise ExtractionError(
                    f"{name} used up its {math.ceil(cpu_s)} s of processor time (document too large or malformed)"
                )
            if sig in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
                raise ExtractionError(
                    f"{name} crashed with signal {signal.Signals(sig).name} (memory limit {max_memory_mb} MB or a parser bug)"
                )
            raise ExtractionError(f"{name} was killed by signal {signal.Signals(sig).name}")
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
        if code == 3:
            raise ExtractionError(f"{name} exceeded the memory limit of {max_memory_mb} MB")
        raise ExtractionError(f"{name} failed without a result (exit status {code})")
    try:
        kind, value = pickle.loads(blob)
    except Exception as exc:
        raise ExtractionError(f"{name} sent back an unreadable result: {type(exc).__name__}") from exc
    if kind == "ok":
        return value
    if kind == "memory":
        raise ExtractionError(f"{name} exceeded the memory limit of {max_memory_mb} MB")
    if kind == "extraction":
        raise ExtractionError(value)
    raise ExtractionError(f"{name} failed: {value}")
