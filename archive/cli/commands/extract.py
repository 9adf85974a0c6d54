"""`nianbao extract PATH_OR_URL [--format json|table]`: one document in, its report out."""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import sys
import urllib.request
from pathlib import Path

from archive import USER_AGENT
from archive.cli.terminal import print_report
from extract import ExtractionError, extract_document


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "extract",
        help="extract tables, sections and checks from one report (file or URL)",
        description="Extract one report document (HTML, text, PDF, DOCX, DOC, WPS, XLS/XLSX) and print "
        "the canonical cells, sections and checks (docs/contract.md §3).",
    )
    p.add_argument("source", metavar="PATH_OR_URL", help="a local file, '-' for standard input, or an http(s) URL")
    p.add_argument("--format", choices=("json", "table"), default="json", help="output format (default: json)")
    p.add_argument("--content-type", help="the document's Content-Type, if known (e.g. 'text/html; charset=gbk')")
    p.add_argument("--url", help="the URL the document was published at (for relative links and provenance)")
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds allowed for the document (default: its budget, scaled to its kind and size)",
    )
    p.set_defaults(func=run)


def _read(source: str, timeout: float) -> tuple[bytes, str | None, str | None]:
    if source == "-":
        return sys.stdin.buffer.read(), None, None
    if source.startswith(("http://", "https://")):
        req = urllib.request.Request(source, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.read(), resp.headers.get("Content-Type"), resp.geturl()
    path = Path(source)
    ctype = mimetypes.guess_type(path.name)[0]
    return path.read_bytes(), ctype, None


def run(args: argparse.Namespace) -> int:
    try:
        data, ctype, final_url = _read(args.source, args.timeout or 60.0)
    except (OSError, ValueError) as exc:  # ValueError: a URL urllib cannot use
        print(f"nianbao extract: cannot read {args.source}: {exc}", file=sys.stderr)
        return 2
    try:
        report = extract_document(
            data,
            content_type=args.content_type or ctype,
            url=args.url or final_url or (args.source if args.source.startswith("http") else None),
            source=args.source,
            timeout_s=args.timeout,
        )
    except ExtractionError as exc:
        print(f"nianbao extract: {args.source}: {exc}", file=sys.stderr)
        if args.format == "json":
            print(
                json.dumps(
                    {
                        "source": args.source,
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "error": str(exc),
                        "template": "none",
                        "title": None,
                        "organ": None,
                        "year": None,
                        "sections": [],
                        "cells": [],
                        "checks": [],
                        "warnings": [str(exc)],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
        return 1
    if args.format == "json":
        json.dump(report.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print_report(report)
    return 0
