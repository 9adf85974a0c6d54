"""``nianbao schedule``: print (or ``--install``) a crontab line or a systemd service + timer for
scheduled crawls (see :mod:`archive.ops.schedule`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.ops import schedule as sch


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schedule",
        help="print or install a crontab line / systemd timer for scheduled crawls",
        description="Print a crontab line (default) or a systemd .service + .timer that runs `nianbao crawl "
        "--incremental --early-stop --full-every N --skip-if-busy` on a cadence: incremental runs cost an "
        "unchanged portal only its list pages, every Nth run walks every list in full (removals further down "
        "the lists are found then).  A run that finds the archive busy exits 75 without crawling.  With "
        "--install the crontab entry is added (replacing an earlier one for the same archive) or the units "
        "are written.",
    )
    parser.add_argument(
        "portals", nargs="*", metavar="PORTAL_ID", help="portals to crawl (default: every registered portal)"
    )
    parser.add_argument(
        "--cadence",
        default="daily",
        help='daily (default), hourly, weekly, or a cron expression in quotes ("30 2 * * *")',
    )
    parser.add_argument(
        "--full-every",
        type=int,
        default=None,
        metavar="N",
        help="every Nth run walks every list in full (default: 7 for daily, 24 hourly, 4 weekly)",
    )
    parser.add_argument("--format", choices=("cron", "systemd"), default="cron", help="cron (default) or systemd")
    parser.add_argument(
        "--install",
        action="store_true",
        help="install: crontab via `crontab -l`/`crontab -` ($NIANBAO_CRONTAB), systemd units into --unit-dir",
    )
    parser.add_argument("--archive", type=Path, default=Path("data"), help="archive directory (default: data/)")
    parser.add_argument("--registry", type=Path, default=None, help="portal registry file (default: the bundled one)")
    parser.add_argument(
        "--unit-dir",
        type=Path,
        default=None,
        help="systemd unit directory (default: $NIANBAO_SYSTEMD_DIR, /etc/systemd/system as root, "
        "else ~/.config/systemd/user)",
    )
    parser.add_argument("--name", default="nianbao-crawl", help="systemd unit name (default nianbao-crawl)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        name = sch.check_unit_name(args.name)
        plan = sch.build_schedule(args.cadence, args.archive, args.portals, args.full_every, args.registry)
        if args.format == "cron":
            if args.install:
                sch.install_cron(plan)
                print(f"installed in the crontab ({sch.crontab_program()}):")
            sys.stdout.write(sch.cron_block(plan))
            return 0
        units = sch.systemd_units(plan, name)
        if args.install:
            unit_dir = args.unit_dir if args.unit_dir is not None else sch.default_unit_dir()
            for path in sch.install_systemd(plan, unit_dir, name):
                print(f"wrote {path}")
            print(f"enable with: {sch.enable_hint(unit_dir, name)}")
            return 0
        for filename, text in units.items():
            print(f"# {filename}")
            sys.stdout.write(text)
            print()
        return 0
    except (sch.ScheduleError, OSError) as exc:
        print(f"nianbao schedule: {exc}", file=sys.stderr)
        return 2
