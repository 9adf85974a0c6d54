"""``nianbao portals list|show|add``: the portal registry (crawler/portals.toml)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

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
    sub = parser.add_subparsers(dest="portals_command", metavar="ACTION")
    p_list = sub.add_parser("list", help="one line per portal")
    p_list.add_argument("--platform", help="only portals with this platform hint")
    p_list.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    p_list.set_defaults(func=run_list)
    p_show = sub.add_parser("show", help="every field of one portal")
    p_show.add_argument("portal_id")
    p_show.set_defaults(func=run_show)
    p_add = sub.add_parser("add", help="register a portal (writes the registry file)")
    p_add.add_argument("portal_id", help="行政区划代码, or code-suffix for a department portal")
    p_add.add_argument("--name", required=True)
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


def run_add(args: argparse.Namespace) -> int:
    try:
        reg = _load(args)
        hosts = [normalise_host(h) for h in args.host] or list(dict.fromkeys(url_host(u) for u in args.start_url))
        code = args.code or args.portal_id.split("-")[0]
        portal = Portal(
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
        reg.add(portal, replace=args.replace, strict_id=not args.any_id)
        path = reg.save()
    except RegistryError as exc:
        print(f"nianbao portals: {exc}", file=sys.stderr)
        return 2
    print(f"registered {portal.id} ({portal.name}) in {path}")
    return 0
