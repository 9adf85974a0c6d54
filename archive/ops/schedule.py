"""Scheduled crawls: a crontab line or a systemd service + timer that runs ``nianbao crawl``.

The scheduled command is an incremental crawl with the early stop, where every Nth run is a full
walk (``--full-every N``: the crawl itself decides from ``crawl_runs``), and ``--skip-if-busy``:
the archive lock already prevents overlapping runs, and a run that finds the archive busy says
so and exits 75 (EX_TEMPFAIL) without touching anything — no ``flock`` wrapper needed.

Targets are configurable so nothing real is touched by tests: the crontab program is
``$NIANBAO_CRONTAB`` or ``crontab`` on ``PATH``; systemd units go to ``--unit-dir``, else
``$NIANBAO_SYSTEMD_DIR``, else ``/etc/systemd/system`` (root) or ``~/.config/systemd/user``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# name → (cron expression, systemd OnCalendar, default --full-every: about one full walk a day/week/month)
CADENCES: dict[str, tuple[str, str, int]] = {
    "hourly": ("17 * * * *", "*-*-* *:17:00", 24),
    "daily": ("17 3 * * *", "*-*-* 03:17:00", 7),
    "weekly": ("17 3 * * 1", "Mon *-*-* 03:17:00", 4),
}
DEFAULT_FULL_EVERY = 7  # a custom cron expression: every 7th run is full
UNIT_NAME = "nianbao-crawl"
MARKER = "# nianbao schedule:"
_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))
_MONTHS = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_SYSTEMD_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class ScheduleError(ValueError):
    """A cadence, cron expression or install target that cannot be used."""


@dataclass
class Schedule:
    """What to run and when."""

    cadence: str  # daily | hourly | weekly | the cron expression given
    cron: str  # five-field cron expression
    calendar: str  # systemd OnCalendar of the same times
    full_every: int
    archive: Path  # absolute archive directory
    command: list[str]  # argv of the scheduled crawl

    @property
    def log(self) -> Path:
        return self.archive / "crawl.log"


# ----------------------------------------------------------------------------- cron expressions


def _value(text: str, index: int) -> int:
    names = _MONTHS if index == 3 else _DAYS if index == 4 else {}
    if text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise ScheduleError(f"{_FIELDS[index][0]}: {text!r} is not a number")
    value = int(text)
    name, low, high = _FIELDS[index]
    if not low <= value <= high:
        raise ScheduleError(f"{name}: {value} is outside {low}–{high}")
    return value


def _parse_field(text: str, index: int) -> list[tuple[int | None, int | None, int | None]]:
    """A cron field as (start, end, step) parts; (None, None, step) is ``*`` or ``*/step``."""
    parts: list[tuple[int | None, int | None, int | None]] = []
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = None
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ScheduleError(f"{_FIELDS[index][0]}: bad step {step_text!r}")
            step = int(step_text)
        if base == "*":
            parts.append((None, None, step))
            continue
        start_text, dash, end_text = base.partition("-")
        start = _value(start_text, index)
        end = _value(end_text, index) if dash else None
        if end is not None and end < start:
            raise ScheduleError(f"{_FIELDS[index][0]}: range {base!r} runs backwards")
        parts.append((start, end, step))
    return parts


def parse_cron(expr: str) -> list[list[tuple[int | None, int | None, int | None]]]:
    """Validate a five-field cron expression (numbers, ``*``, ``a-b``, ``/step``, lists, jan/mon names)."""
    fields = expr.split()
    if len(fields) != 5:
        raise ScheduleError(f"a cron expression has 5 fields (minute hour day-of-month month day-of-week): {expr!r}")
    return [_parse_field(f, i) for i, f in enumerate(fields)]


def _calendar_field(parts: list, index: int) -> str:
    low = _FIELDS[index][1]
    out = []
    for start, end, step in parts:
        if start is None:
            out.append("*" if step is None else f"{low:02d}/{step}")
            continue
        text = f"{start:02d}" if end is None else f"{start:02d}..{end:02d}"
        out.append(text + (f"/{step}" if step else ""))
    return ",".join(out)


def cron_to_calendar(expr: str) -> str:
    """The systemd ``OnCalendar`` expression of a cron expression (``17 3 * * 1`` → ``Mon *-*-* 03:17:00``)."""
    minute, hour, dom, month, dow = parse_cron(expr)
    if dom != [(None, None, None)] and dow != [(None, None, None)]:
        raise ScheduleError("cron runs when day-of-month OR day-of-week matches; systemd needs both: restrict only one")
    days = ""
    if dow != [(None, None, None)]:
        names = []
        for start, end, step in dow:
            if start is None or step:
                raise ScheduleError("day of week: use names, lists or ranges without steps")
            names.append(_SYSTEMD_DAYS[start] if end is None else f"{_SYSTEMD_DAYS[start]}..{_SYSTEMD_DAYS[end]}")
        days = ",".join(names) + " "
    return f"{days}*-{_calendar_field(month, 3)}-{_calendar_field(dom, 2)} {_calendar_field(hour, 1)}:{_calendar_field(minute, 0)}:00"


def parse_cadence(cadence: str) -> tuple[str, str, int]:
    """(cron expression, OnCalendar, default --full-every) of ``daily``/``hourly``/``weekly`` or a cron expression."""
    if cadence in CADENCES:
        return CADENCES[cadence]
    if len(cadence.split()) != 5:
        raise ScheduleError(f"cadence must be daily, hourly, weekly or a cron expression in quotes: {cadence!r}")
    return " ".join(cadence.split()), cron_to_calendar(cadence), DEFAULT_FULL_EVERY


# ----------------------------------------------------------------------------- the command


def nianbao_executable() -> str:
    """Absolute path of this environment's ``nianbao`` script (the virtualenv's, not one on PATH)."""
    here = Path(sys.executable).parent / "nianbao"
    if here.is_file():
        return str(here)
    found = shutil.which("nianbao")
    if found:
        return str(Path(found).absolute())
    raise ScheduleError(f"no nianbao script next to {sys.executable}: install the project (make install)")


def build_schedule(
    cadence: str = "daily",
    archive: Path | str = "data",
    portals: list[str] | None = None,
    full_every: int | None = None,
    registry: Path | str | None = None,
    executable: str | None = None,
) -> Schedule:
    """The scheduled crawl of ``portals`` (none: every registered portal) into ``archive``."""
    cron, calendar, default_every = parse_cadence(cadence)
    every = default_every if full_every is None else full_every
    if every < 1:
        raise ScheduleError("--full-every must be at least 1")
    archive_dir = Path(archive).expanduser().absolute()
    command = [executable or nianbao_executable(), "crawl", "--archive", str(archive_dir)]
    if registry is not None:
        command += ["--registry", str(Path(registry).expanduser().absolute())]
    command += ["--incremental", "--early-stop", "--full-every", str(every), "--skip-if-busy", "--quiet"]
    command += list(portals) if portals else ["--all"]
    return Schedule(cadence, cron, calendar, every, archive_dir, command)


def cron_block(schedule: Schedule) -> str:
    """The crontab lines: a marker comment naming the archive, then the job."""
    what = (
        f"{schedule.cadence}, a full walk every {schedule.full_every} runs"
        if schedule.full_every > 1
        else f"{schedule.cadence}, full"
    )
    archive = shlex.quote(str(schedule.archive))
    line = (
        f"{schedule.cron} mkdir -p {archive} && {shlex.join(schedule.command)} >> {shlex.quote(str(schedule.log))} 2>&1"
    )
    return f"{MARKER} {schedule.archive} ({what})\n{line}\n"


def systemd_units(schedule: Schedule, name: str = UNIT_NAME) -> dict[str, str]:
    """``{name}.service`` and ``{name}.timer`` for the schedule."""
    service = f"""[Unit]
Description=nianbao: scheduled crawl of 政府信息公开工作年度报告 into {schedule.archive}
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={schedule.archive.parent}
Environment=PYTHONUTF8=1
ExecStart={shlex.join(schedule.command)}
# 75: another crawl or rebuild holds the archive; this run was skipped on purpose
SuccessExitStatus=75
Nice=10
"""
    timer = f"""[Unit]
Description=nianbao: {schedule.cadence} crawl ({name}.service)

[Timer]
OnCalendar={schedule.calendar}
Persistent=true
RandomizedDelaySec=300
Unit={name}.service

[Install]
WantedBy=timers.target
"""
    return {f"{name}.service": service, f"{name}.timer": timer}


# ----------------------------------------------------------------------------- installing


def crontab_program() -> str:
    """``$NIANBAO_CRONTAB``, else ``crontab`` on PATH."""
    program = os.environ.get("NIANBAO_CRONTAB") or shutil.which("crontab")
    if not program:
        raise ScheduleError("no crontab program found (install cron, or use --format systemd)")
    return program


def replace_block(current: str, schedule: Schedule) -> str:
    """``current`` crontab text with this archive's previous nianbao job replaced by the new one."""
    lines = current.splitlines()
    kept: list[str] = []
    skip = False
    marker = f"{MARKER} {schedule.archive} "
    for line in lines:
        if skip:
            skip = False
            continue
        if line.startswith(marker):
            skip = True  # the job line follows its marker
            continue
        kept.append(line)
    text = "\n".join(kept).rstrip("\n")
    return (text + "\n" if text else "") + cron_block(schedule)


def install_cron(schedule: Schedule) -> str:
    """Add (or replace) the job in the user's crontab; returns the new crontab text."""
    program = crontab_program()
    listed = subprocess.run([program, "-l"], capture_output=True, text=True)
    if listed.returncode != 0 and "no crontab" not in (listed.stderr or "").lower():
        raise ScheduleError(f"{program} -l failed: {(listed.stderr or '').strip() or listed.returncode}")
    text = replace_block(listed.stdout if listed.returncode == 0 else "", schedule)
    schedule.archive.mkdir(parents=True, exist_ok=True)  # the job appends its log there
    written = subprocess.run([program, "-"], input=text, capture_output=True, text=True)
    if written.returncode != 0:
        raise ScheduleError(f"{program} - failed: {(written.stderr or '').strip() or written.returncode}")
    return text


def default_unit_dir() -> Path:
    """``$NIANBAO_SYSTEMD_DIR``, else ``/etc/systemd/system`` for root, else ``~/.config/systemd/user``."""
    env = os.environ.get("NIANBAO_SYSTEMD_DIR")
    if env:
        return Path(env)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/etc/systemd/system")
    return Path.home() / ".config" / "systemd" / "user"


def install_systemd(schedule: Schedule, unit_dir: Path | None = None, name: str = UNIT_NAME) -> list[Path]:
    """Write the service and timer into ``unit_dir``; returns the files written."""
    target = Path(unit_dir) if unit_dir is not None else default_unit_dir()
    target.mkdir(parents=True, exist_ok=True)
    schedule.archive.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, text in systemd_units(schedule, name).items():
        path = target / filename
        tmp = path.with_name(f".{filename}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written


def enable_hint(unit_dir: Path, name: str = UNIT_NAME) -> str:
    """The systemctl commands that load and start the timer."""
    user = "" if str(unit_dir).startswith("/etc/") else " --user"
    return f"systemctl{user} daemon-reload && systemctl{user} enable --now {name}.timer"


_NAME_RE = re.compile(r"^[A-Za-z0-9_.@-]+$")


def check_unit_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ScheduleError(f"not a usable unit name: {name!r}")
    return name
