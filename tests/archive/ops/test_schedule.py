"""``nianbao schedule``: crontab line and systemd units for a cadence, ``--install`` into temporary
targets (a fake ``crontab`` on PATH, a temporary unit directory), the scheduled command really
crawling, and the Scrapyd egg (``scrapyd-deploy --build-egg``) run by Scrapyd's own runner."""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from crawler_harness import FAST, REPO, register

from archive.ops import schedule as sch

VENV_BIN = Path(sys.executable).parent
NIANBAO = str(VENV_BIN / "nianbao")
SCHEDULE = [sys.executable, "-m", "archive", "schedule"]
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def run(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SCHEDULE, *args], cwd=REPO, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


def test_cron_line_for_each_cadence(tmp_path):
    archive = tmp_path / "data"
    daily = run(["--archive", str(archive), "430529", "350128"])
    assert daily.returncode == 0, daily.stderr
    marker, line = daily.stdout.splitlines()
    assert marker == f"# nianbao schedule: {archive} (daily, a full walk every 7 runs)"
    assert line == (f"17 3 * * * mkdir -p {archive} && {NIANBAO} crawl --archive {archive} --incremental --early-stop "
                    f"--full-every 7 --skip-if-busy --quiet 430529 350128 >> {archive}/crawl.log 2>&1")  # fmt: skip
    hourly = run(["--archive", str(archive), "--cadence", "hourly"]).stdout.splitlines()[1]
    assert hourly.startswith(f"17 * * * * mkdir -p {archive} && {NIANBAO} crawl ") and "--full-every 24 " in hourly
    assert " --all >> " in hourly
    weekly = run(["--archive", str(archive), "--cadence", "weekly", "--full-every", "2"]).stdout.splitlines()[1]
    assert weekly.startswith("17 3 * * 1 ") and "--full-every 2 " in weekly
    custom = run(["--archive", str(archive), "--cadence", "30 2 * * *", "--registry", "my.toml"]).stdout.splitlines()[1]
    assert custom.startswith("30 2 * * * ") and f"--registry {REPO / 'my.toml'} " in custom
    relative = run(["--archive", "data"]).stdout.splitlines()[1]
    assert f"--archive {REPO / 'data'} " in relative  # cron runs elsewhere: paths are absolute


def test_systemd_units(tmp_path):
    archive = tmp_path / "arch ive"
    out = run(["--format", "systemd", "--archive", str(archive), "--cadence", "*/15 8-18 * * mon-fri", "430529"])
    assert out.returncode == 0, out.stderr
    text = out.stdout
    service = text.split("# nianbao-crawl.service\n")[1].split("# nianbao-crawl.timer\n")[0]
    timer = text.split("# nianbao-crawl.timer\n")[1]
    exec_start = next(line for line in service.splitlines() if line.startswith("ExecStart="))[len("ExecStart=") :]
    assert shlex.split(exec_start) == [NIANBAO, "crawl", "--archive", str(archive), "--incremental", "--early-stop",
                                       "--full-every", "7", "--skip-if-busy", "--quiet", "430529"]  # fmt: skip
    assert "Type=oneshot" in service and "SuccessExitStatus=75" in service and f"WorkingDirectory={tmp_path}" in service
    assert "OnCalendar=Mon..Fri *-*-* 08..18:00/15:00\n" in timer and "Persistent=true" in timer
    assert "Unit=nianbao-crawl.service" in timer and "WantedBy=timers.target" in timer


@pytest.mark.parametrize(
    "cron, calendar",
    [
        ("17 3 * * *", "*-*-* 03:17:00"),
        ("17 3 * * 1", "Mon *-*-* 03:17:00"),
        ("0 */6 * * *", "*-*-* 00/6:00:00"),
        ("5,35 1 1 jan,jul *", "*-01,07-01 01:05,35:00"),
        ("0 0 * * 0", "Sun *-*-* 00:00:00"),
        ("0 0 * * 6-7", "Sat..Sun *-*-* 00:00:00"),
        ("0 12 */2 * *", "*-*-01/2 12:00:00"),
    ],
)
def test_cron_to_calendar(cron, calendar):
    assert sch.cron_to_calendar(cron) == calendar
    if SYSTEMD_ANALYZE:  # systemd itself accepts it
        check = subprocess.run([SYSTEMD_ANALYZE, "calendar", calendar], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr


@pytest.mark.parametrize(
    "cadence, message",
    [
        ("monthly", "cadence must be daily, hourly, weekly or a cron expression"),
        ("61 * * * *", "minute: 61 is outside 0–59"),
        ("0 0 1 * 1", "day-of-month OR day-of-week"),
        ("0 0 * * */2", "day of week: use names"),
        ("0 5-1 * * *", "runs backwards"),
        ("x 0 * * *", "is not a number"),
    ],
)
def test_bad_cadences_are_usage_errors(cadence, message, tmp_path):
    out = run(["--format", "systemd", "--cadence", cadence, "--archive", str(tmp_path)])
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr
    assert run(["--name", "bad/name"]).returncode == 2


def fake_crontab(tmp_path: Path) -> tuple[dict, Path]:
    """A ``crontab`` program on PATH that keeps the table in a file."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    table = tmp_path / "crontab.txt"
    script = bindir / "crontab"
    script.write_text(f"""#!/bin/sh
case "$1" in
  -l) if [ -f "{table}" ]; then cat "{table}"; else echo "no crontab for $(id -un)" >&2; exit 1; fi ;;
  -) cat > "{table}" ;;
  *) echo "unexpected $*" >&2; exit 2 ;;
esac
""")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    env = {"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("NIANBAO_CRONTAB", None)
    return env, table


def test_install_cron_adds_then_replaces_its_line(tmp_path):
    env, table = fake_crontab(tmp_path)
    archive = tmp_path / "data"
    first = run(["--install", "--archive", str(archive), "430529"], env)
    assert first.returncode == 0, first.stderr
    assert f"installed in the crontab ({tmp_path / 'bin' / 'crontab'})" in first.stdout
    lines = table.read_text().splitlines()
    assert (
        len(lines) == 2
        and lines[0].startswith(f"# nianbao schedule: {archive} ")
        and lines[1].endswith("430529 >> " + f"{archive}/crawl.log 2>&1")
    )
    assert archive.is_dir()  # the job appends its log there
    # the user's own lines stay; a second install replaces the job instead of adding another
    table.write_text("MAILTO=ops@example.org\n0 1 * * * /usr/bin/backup\n" + table.read_text())
    other = tmp_path / "other"
    run(["--install", "--archive", str(other)], env)
    again = run(["--install", "--archive", str(archive), "--cadence", "hourly", "430529"], env)
    assert again.returncode == 0, again.stderr
    lines = table.read_text().splitlines()
    assert lines[:2] == ["MAILTO=ops@example.org", "0 1 * * * /usr/bin/backup"]
    assert len(lines) == 6 and sum(line.startswith("# nianbao schedule:") for line in lines) == 2
    assert lines[-1].startswith("17 * * * * ") and f"--archive {archive} " in lines[-1]
    assert f"--archive {other} " in lines[3]


def test_install_cron_reports_a_broken_crontab(tmp_path):
    broken = tmp_path / "crontab"
    broken.write_text("#!/bin/sh\necho 'crontab: cannot open spool' >&2\nexit 1\n")
    broken.chmod(0o755)
    out = run(["--install", "--archive", str(tmp_path / "data")], {"NIANBAO_CRONTAB": str(broken)})
    assert out.returncode == 2 and "cannot open spool" in out.stderr


def test_install_systemd_into_a_unit_directory(tmp_path):
    units = tmp_path / "units"
    out = run(["--format", "systemd", "--install", "--unit-dir", str(units), "--archive", str(tmp_path / "data"),
               "--name", "nianbao-county"])  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in units.iterdir()) == ["nianbao-county.service", "nianbao-county.timer"]
    assert "Unit=nianbao-county.service" in (units / "nianbao-county.timer").read_text()
    assert (
        "enable with: systemctl --user daemon-reload && systemctl --user enable --now nianbao-county.timer"
        in out.stdout
    )
    env_dir = tmp_path / "from-env"
    out = run(
        ["--format", "systemd", "--install", "--archive", str(tmp_path / "data")], {"NIANBAO_SYSTEMD_DIR": str(env_dir)}
    )
    assert out.returncode == 0 and (env_dir / "nianbao-crawl.timer").is_file()
    assert (
        sch.enable_hint(Path("/etc/systemd/system"))
        == "systemctl daemon-reload && systemctl enable --now nianbao-crawl.timer"
    )


def test_the_scheduled_command_crawls(portal_factory, tmp_path):
    site = portal_factory("generic", attachments=False, n_reports=2)
    registry, pid = register(site, tmp_path)
    archive = tmp_path / "data"
    plan = sch.build_schedule("daily", archive, [pid], full_every=2, registry=registry, executable=NIANBAO)
    line = sch.cron_block(plan).splitlines()[1]
    command = line.split(" ", 5)[5]  # what cron hands to /bin/sh
    fast = " ".join(f"-s {k}={v}" for k, v in FAST.items() if k != "LOG_LEVEL")  # --quiet: warnings only
    command = command.replace(" --quiet ", f" --quiet {fast} ", 1)
    for expected_mode in ("full", "incremental", "full"):
        done = subprocess.run(
            ["/bin/sh", "-c", command],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
            env={**os.environ, "PYTHONUTF8": "1"},
        )
        assert done.returncode == 0, (done.stderr, (archive / "crawl.log").read_text()[-3000:])
        conn = sqlite3.connect(archive / "nianbao.db")
        mode, outcome = conn.execute("SELECT mode, outcome FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        conn.close()
        assert (mode, outcome) == (expected_mode, "ok")
    log = (archive / "crawl.log").read_text()
    assert [line.split(" in ")[0] for line in log.splitlines() if line.startswith("crawl run ")] == [
        "crawl run 1: ok",
        "crawl run 2: ok",
        "crawl run 3: ok",
    ]
    assert " INFO: " not in log


# ----------------------------------------------------------------------------- Scrapyd


def _project_copy(dest: Path) -> Path:
    """The files ``scrapyd-deploy`` packs, copied (it writes setup.py and build/ where it runs)."""
    dest.mkdir()
    for name in ("scrapy.cfg", "pyproject.toml"):
        shutil.copy(REPO / name, dest / name)
    readme = REPO / "README.md"
    (dest / "README.md").write_text(
        readme.read_text(encoding="utf-8") if readme.exists() else "nianbao\n", encoding="utf-8"
    )
    for package in ("crawler", "extract", "archive"):
        shutil.copytree(REPO / package, dest / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def test_scrapyd_egg_builds_and_runs_under_the_scrapyd_runner(portal_factory, tmp_path):
    project = _project_copy(tmp_path / "project")
    egg = tmp_path / "nianbao.egg"
    built = subprocess.run(
        [str(VENV_BIN / "scrapyd-deploy"), "--build-egg", str(egg)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    with zipfile.ZipFile(egg) as z:
        names = set(z.namelist())
        entry_points = z.read("EGG-INFO/entry_points.txt").decode()
    for needed in ("crawler/spiders/portal.py", "crawler/portals.toml", "crawler/settings.py", "extract/__init__.py",
                   "archive/store/session.py", "archive/store/ingest.py"):  # fmt: skip
        assert needed in names, needed
    assert "[scrapy]\nsettings = crawler.settings" in entry_points
    assert not [n for n in names if n.startswith("tests/")]

    # Scrapyd's runner: the egg from its egg storage, no scrapy.cfg in the working directory
    site = portal_factory("generic", attachments=False, n_reports=2)
    registry, pid = register(site, tmp_path)
    workdir = tmp_path / "scrapyd"
    (workdir / "eggs" / "nianbao").mkdir(parents=True)
    shutil.copy(egg, workdir / "eggs" / "nianbao" / "1700000000.egg")
    (workdir / "scrapyd.conf").write_text(f"[scrapyd]\neggs_dir = {workdir / 'eggs'}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    env.update(SCRAPY_PROJECT="nianbao", PYTHONWARNINGS="ignore")
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; from scrapyd.runner import project_environment\n"
         "with project_environment('nianbao'):\n"
         "    import crawler.registry as r, os\n"
         "    print(r.__file__); print(len(r.load_registry().portals)); print(os.environ['SCRAPY_SETTINGS_MODULE'])"],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    module_file, portals, settings = probe.stdout.split()
    assert module_file.startswith(str(workdir / "eggs")) and int(portals) > 10 and settings == "crawler.settings"
    archive = tmp_path / "data"
    cmd = [sys.executable, "-m", "scrapyd.runner", "crawl", "portal", "-a", f"portal={pid}",
           "-s", f"NIANBAO_ARCHIVE_DIR={archive}", "-s", f"NIANBAO_DB={archive / 'nianbao.db'}", "-s", f"NIANBAO_REGISTRY={registry}"]  # fmt: skip
    for key, value in FAST.items():
        cmd += ["-s", f"{key}={value}"]
    crawled = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=180)
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    conn = sqlite3.connect(archive / "nianbao.db")
    try:
        assert conn.execute("SELECT outcome FROM crawl_runs").fetchall() == [("ok",)]
        assert sorted(r[0] for r in conn.execute("SELECT url FROM reports")) == sorted(
            e.url for e in site.expected_reports
        )
    finally:
        conn.close()
