"""Run a document parser in a forked child with a memory limit and a wall-clock timeout.

A corrupt, hostile or simply huge attachment must not take the crawl down with it: the
parser runs in a child process (``os.fork``) whose address space is capped with
``RLIMIT_AS`` (soft limit) and whose wall-clock time is capped by the parent, which kills the
child's whole process group when the time is up.  The result travels back pickled over a
pipe.  Every failure becomes an :class:`ExtractionError` with a clear reason: timed out,
memory limit exceeded, killed by a signal, or the parser's own error (an
``ExtractionError`` raised in the child keeps its message).

Only the soft limit is lowered, so a converter the parser starts (LibreOffice, tesseract) may
lift it again for itself; the timeout still bounds it because it runs in the same process
group.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import resource
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from extract.model import ExtractionError

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MEMORY_MB = 2048

_deadline: float | None = None  # set in a limited child: monotonic time it will be killed at


def remaining(default: float) -> float:
    """Seconds a helper process (converter, OCR) may take: ``default``, but never beyond the
    deadline of the limited child this runs in (minus a margin to clean up)."""
    if _deadline is None:
        return default
    return max(min(default, _deadline - time.monotonic() - 2.0), 0.5)


def _child(
    write_fd: int, func: Callable[..., Any], args: tuple, kwargs: dict, max_memory_mb: int, timeout_s: float
) -> None:
    """Body of the forked child: never returns."""
    global _deadline
    status = 0
    _deadline = time.monotonic() + timeout_s
    try:
        faulthandler.disable()  # a crash here is reported by the parent, not dumped
        os.setpgid(0, 0)
        limit = max_memory_mb * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
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
    **kwargs: Any,
) -> T:
    """``func(*args, **kwargs)`` in a forked child limited to ``max_memory_mb`` of address
    space and ``timeout_s`` seconds of wall-clock time; its return value (picklable) or an
    :class:`ExtractionError` naming the reason."""
    name = getattr(func, "__qualname__", repr(func))
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        _child(write_fd, func, args, kwargs, max_memory_mb, timeout_s)
    os.close(write_fd)
    try:
        os.setpgid(pid, pid)  # also done in the child; whichever runs first wins
    except OSError:
        pass
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout_s
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
        _, status = os.waitpid(pid, 0)
        _kill(pid)  # grandchildren left in the group (converters)
    if timed_out:
        raise ExtractionError(f"{name} timed out after {timeout_s:g} s (document too large or malformed)")
    blob = b"".join(chunks)
    if not blob:
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
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
