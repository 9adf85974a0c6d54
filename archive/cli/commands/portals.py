"""``nianbao portals list|show|add|import``: the portal registry (crawler/portals.toml).

``add CODE`` and ``import FILE.csv`` take names, levels and parents from the division register
(the archive's, or the installed one: ``nianbao regions``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from archive.store.divisions import RegionsError
from archive.store.paths import db_path
from archive.store.regions import open_register
from archive.store.schema import SchemaError
from crawler.portal_import import check_hosts, portal_for_division, read_portal_csv
from crawler.registry import LEVELS, Portal, RegistryError, load_registry, normalise_host, url_host


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "portals",
        help="list, show or add portals of the crawl registry",
        description="The portal registry: portals keyed by 行政区划代码 with their own hosts and start URLs.",
    )
    parser.add_argument(
        "--registry", type=Path, default=None, help="registry file (default: $NIANBAO_REGISTRY or crawler/portals.toml)"
    )
    parser.add_argument(
        "--archive", type=Path, default=Path("data"), help="archive whose division register to use (default: data/)"
    )
    parser.add_argument("--db", type=Path, default=None, help="database (default: ARCHIVE/nianbao.db)")
    sub = parser.add_subparsers(dest="portals_command", metavar="ACTION")
    p_list = sub.add_parser("list", help="one line per portal")
    p_list.add_argument("--platform", help="only portals with this platform hint")
    p_list.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    p_list.set_defaults(func=run_list)
    p_show = sub.add_parser("show", help="every field of one portal")
    p_show.add_argument("portal_id")
    p_show.set_defaults(func=run_show)
    p_add = sub.add_parser(
        "add",
        help="register a portal by 行政区划代码 (writes the registry file)",
        description="Register a portal: name, level, parent and place names come from the division register "
        "(options given override them).",
    )
    p_add.add_argument("portal_id", help="行政区划代码, or code-suffix for a department portal")
    p_add.add_argument("--name", help="default: the division's government (…人民政府) from the register")
    p_add.add_argument("--level", choices=LEVELS)
    p_add.add_argument("--code", help="行政区划代码 (default: the id's digits)")
    p_add.add_argument("--parent-code")
    p_add.add_argument("--province")
    p_add.add_argument("--city")
    p_add.add_argument("--county")
    p_add.add_argument(
        "--host", action="append", default=[], help="a host of the portal (repeatable; default: the start URLs' hosts)"
    )
    p_add.add_argument("--start-url", action="append", default=[], required=True, help="a start URL (repeatable)")
    p_add.add_argument("--platform", help="platform hint (trs, trs_dynamic, hanweb, gkmlpt, generic …)")
    p_add.add_argument("--note")
    p_add.add_argument("--replace", action="store_true", help="replace an existing entry")
    p_add.add_argument(
        "--any-id", action="store_true", help="accept an id that is not a 行政区划代码 (local test portals)"
    )
    p_add.set_defaults(func=run_add)
    p_import = sub.add_parser(
        "import",
        help="register the portals of a CSV list by 行政区划代码 (all rows checked first; nothing written on error)",
        description="CSV columns: code, start_url (required); id, name, hosts, platform, note (optional).",
    )
    p_import.add_argument("file", type=Path)
    p_import.add_argument("--replace", action="store_true", help="replace portals already registered")
    p_import.set_defaults(func=run_import)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _load(args):
    return load_registry(args.registry)


def run_list(args: argparse.Namespace) -> int:
    try:
        reg = _load(args)
    except RegistryError as exc:
        print(f"nianbao portals: {exc}", file=sys.stderr)
        return 2
    for pid in sorted(reg.portals):
        p = reg.portals[pid]
        if args.platform and p.platform != args.platform:
            continue
        if args.json:
            print(json.dumps(p.row(), ensure_ascii=False))
        else:
            print(f"{p.id:<16} {p.level or '-':<10} {p.platform or '-':<12} {p.name}  {' '.join(p.hosts)}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    try:
        portal = _load(args).get(args.portal_id)
    except RegistryError as exc:
        print(f"nianbao portals: {exc}", file=sys.stderr)
        return 1
    for key, value in portal.toml_table().items():
        print(f"{key:<12} {', '.join(value) if isinstance(value, list) else value}")
    return 0


def _register(args):
    register, conn = open_register(db_path(args.archive, args.db))
    conn.close()
    return register


def _portal_from_options(args, reg) -> Portal:
    """The portal ``add`` describes: from the register by code, or from the options alone
    (``--any-id``, or a name and a code the register does not know)."""
    hosts = [normalise_host(h) for h in args.host] or list(dict.fromkeys(url_host(u) for u in args.start_url))
    code = args.code or args.portal_id.split("-")[0]
    known = code.isdigit() and len(code) in (6, 9)
    if known and not args.any_id:
        portal = portal_for_division(
            _register(args), args.portal_id, list(args.start_url), hosts=hosts, name=args.name, level=args.level,
            platform=args.platform, note=args.note,
        )  # fmt: skip
        for key in ("parent_code", "province", "city", "county"):
            if getattr(args, key):
                setattr(portal, key, getattr(args, key))
        return portal
    if not args.name:
        raise RegistryError(f"portal {args.portal_id}: not a 行政区划代码; give its --name")
    return Portal(
        id=args.portal_id,
        name=args.name,
        code=code if code.isdigit() else None,
        level=args.level,
        parent_code=args.parent_code,
        province=args.province,
        city=args.city,
        county=args.county,
        hosts=hosts,
        start_urls=list(args.start_url),
        platform=args.platform,
        note=args.note,
    )


def run_add(args: argparse.Namespace) -> int:
    try:
        reg = _load(args)
        portal = _portal_from_options(args, reg)
        if not args.any_id:
            check_hosts(portal, reg)
        reg.add(portal, replace=args.replace, strict_id=not args.any_id)
        path = reg.save()
    except (RegistryError, RegionsError, SchemaError) as exc:
        print(f"nianbao portals: {exc}", file=sys.stderr)
        return 2
    print(
        f"registered {portal.id} ({portal.name}, {portal.level or '-'}, parent {portal.parent_code or '-'}) in {path}"
    )
    return 0


def run_import(args: argparse.Namespace) -> int:
    try:
        reg = _load(args)
        portals = read_portal_csv(args.file, _register(args), reg, replace=args.replace)
        for portal in portals:
            reg.add(portal, replace=args.replace)
        path = reg.save()
    except (RegistryError, RegionsError, SchemaError) as exc:
        problems = getattr(exc, "problems", None) or [str(exc)]
        for line in problems[:20]:
            print(f"nianbao portals: {line}", file=sys.stderr)
        if len(problems) > 20:
            print(f"nianbao portals: … and {len(problems) - 20} more problems", file=sys.stderr)
        print("nianbao portals: nothing was registered", file=sys.stderr)
        return 2
    print(f"registered {len(portals)} portals from {args.file} in {path}")
    return 0
