"""Crawl many generated portals and score the crawler against their ground truth.

:func:`run_sweep` builds and serves ``families × seeds`` portals, registers each with its www
host and home page only (other hosts are for the crawler to find), runs **one** real crawl
process over all of them (``nianbao crawl ID …``, portals in parallel, one request at a time per
host) and scores every portal (:class:`Score`): recall, precision, duplicates, year and office
accuracy, requests into traps or off the government's hosts, the share of wasted requests.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from crawler_harness import crawl

from crawler.registry import Registry, portal_from_dict
from portalgen.sites import attachment_renderer
from portalgen.varied import ServedPortal, build, serve
from portalgen.varied.base import Options
from portalgen.varied.model import VariedPortal


@dataclass
class Score:
    """What one crawl of one portal got right and wrong."""

    family: str
    seed: int
    portal_id: str
    expected: int = 0
    found: int = 0
    archived: int = 0  # current report rows of the portal
    matched: int = 0  # rows that are one of the expected reports
    duplicates: int = 0  # rows beyond the first of one expected report
    years_right: int = 0
    organs_right: int = 0
    requests: int = 0  # spider requests (crawl statistics)
    wasted: int = 0
    trap_requests: list[str] = field(default_factory=list)
    off_requests: list[str] = field(default_factory=list)  # to the mirror or the neighbour's columns
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # archived rows that are no expected report
    wrong_years: list[str] = field(default_factory=list)
    wrong_organs: list[str] = field(default_factory=list)
    empty_reason: str | None = None

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.archived if self.archived else 1.0

    @property
    def waste_share(self) -> float:
        return self.wasted / self.requests if self.requests else 0.0

    @property
    def perfect(self) -> bool:
        return (
            self.found == self.expected
            and self.matched == self.archived
            and not self.duplicates
            and not self.trap_requests
            and not self.off_requests
        )


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def score(portal: VariedPortal, pid: str, conn: sqlite3.Connection, stats: dict) -> Score:
    """Compare the archive's reports of ``pid`` with the portal's ground truth."""
    s = Score(portal.family, portal.seed, pid, expected=len(portal.truths))
    owner: dict[str, int] = {}
    for i, truth in enumerate(portal.truths):
        for url in truth.urls:
            owner[url] = i
    rows = conn.execute(
        "SELECT id, url, year, organ, title FROM reports WHERE portal = ? AND is_current = 1", (pid,)
    ).fetchall()
    s.archived = len(rows)
    by_truth: dict[int, list[tuple]] = {}
    for row in rows:
        urls = [row[1]] + [u for (u,) in conn.execute("SELECT url FROM report_urls WHERE report_id = ?", (row[0],))]
        hit = next((owner[u] for u in urls if u in owner), None)
        if hit is None:
            s.extra.append(f"{row[1]} {row[4]}")
            continue
        s.matched += 1
        by_truth.setdefault(hit, []).append(row)
    for i, truth in enumerate(portal.truths):
        got = by_truth.get(i)
        if not got:
            s.missed.append(f"{truth.url} {truth.title} ({truth.year_from}, {truth.carrier})")
            continue
        s.found += 1
        s.duplicates += len(got) - 1
        row = got[0]
        if row[2] == truth.year:
            s.years_right += 1
        else:
            s.wrong_years.append(f"{truth.title}: {row[2]} for {truth.year} ({truth.year_from})")
        if _norm(row[3]) == _norm(truth.organ):
            s.organs_right += 1
        else:
            s.wrong_organs.append(f"{truth.title}: {row[3]!r} for {truth.organ!r}")
    for url, entry in portal.requests():
        if entry.path == "/robots.txt":
            continue
        if portal.is_trap(url):
            s.trap_requests.append(url)
        host = url.split("/")[2]
        if host not in portal.own_hosts or any(url.startswith(p) for p in portal.forbidden):
            s.off_requests.append(url)
    s.requests = int(stats.get("requests") or 0)
    s.wasted = int(stats.get("wasted_requests") or 0)
    s.empty_reason = stats.get("empty_reason")
    return s


@dataclass
class SweepResult:
    scores: list[Score]
    seconds: float
    crawl_seconds: float
    returncode: int
    log: str = ""
    portals: dict[str, VariedPortal] = field(default_factory=dict)  # by portal id (ground truth)

    def totals(self) -> dict:
        """Figures over every portal (and per family)."""
        out: dict = {"all": _totals(self.scores)}
        for family in sorted({s.family for s in self.scores}):
            out[family] = _totals([s for s in self.scores if s.family == family])
        return out


def _totals(scores: list[Score]) -> dict:
    expected = sum(s.expected for s in scores)
    found = sum(s.found for s in scores)
    archived = sum(s.archived for s in scores)
    matched = sum(s.matched for s in scores)
    requests = sum(s.requests for s in scores)
    return {
        "portals": len(scores),
        "reports": expected,
        "recall": round(found / expected, 4) if expected else 1.0,
        "precision": round(matched / archived, 4) if archived else 1.0,
        "duplicates": sum(s.duplicates for s in scores),
        "year_accuracy": round(sum(s.years_right for s in scores) / found, 4) if found else 1.0,
        "office_accuracy": round(sum(s.organs_right for s in scores) / found, 4) if found else 1.0,
        "trap_requests": sum(len(s.trap_requests) for s in scores),
        "off_portal_requests": sum(len(s.off_requests) for s in scores),
        "requests": requests,
        "wasted_share": round(sum(s.wasted for s in scores) / requests, 4) if requests else 0.0,
        "perfect_portals": sum(1 for s in scores if s.perfect),
    }


def run_sweep(
    families: list[str],
    seeds: list[int],
    workdir: Path,
    options: Options | None = None,
    settings: dict | None = None,
    timeout: float = 600,
) -> SweepResult:
    """Serve ``families × seeds`` portals, crawl them all in one process, score each."""
    started = time.monotonic()
    served: list[tuple[str, ServedPortal]] = []
    try:
        builders = [build(family, seed, options) for family in families for seed in seeds]
        # the PDF files in one LibreOffice run (cached on disk) before any server writes its pages
        jobs = [
            (d.sample, "pdf", "official") for b in builders for d in b.docs if d.sample and d.carrier.endswith("pdf")
        ]
        if jobs:
            attachment_renderer(None).render_batch(jobs)
        for builder in builders:
            running = serve(builder)
            served.append((f"{running.portal.county.code}-{builder.family}-{builder.seed}", running))
        registry = Registry({}, [])
        for pid, running in served:
            portal = portal_from_dict(running.portal.registry_entry(pid))
            registry.portals[portal.id] = portal
        workdir.mkdir(parents=True, exist_ok=True)
        registry_path = registry.save(workdir / "portals.toml")
        summary_path = workdir / "summary.json"
        archive = workdir / "data"
        merged = {"LOG_LEVEL": "WARNING", "NIANBAO_MAX_PAGES": 600, "DOWNLOAD_TIMEOUT": 30, **(settings or {})}
        result = crawl(
            registry_path,
            [pid for pid, _ in served],
            archive,
            settings=merged,
            args=["--summary-json", str(summary_path)],
            timeout=timeout,
        )
        summary = json.loads(summary_path.read_text()) if summary_path.exists() else {"portals": {}}
        conn = sqlite3.connect(archive / "nianbao.db")
        try:
            scores = [score(running.portal, pid, conn, summary["portals"].get(pid, {})) for pid, running in served]
        finally:
            conn.close()
        portals = {pid: running.portal for pid, running in served}
        return SweepResult(
            scores, time.monotonic() - started, result.seconds, result.returncode, result.log_tail(), portals
        )
    finally:
        for _, running in served:
            running.stop()


def describe(result: SweepResult) -> str:
    """The figures as text: one line per family and the total, then what went wrong where."""
    lines = []
    for name, t in result.totals().items():
        lines.append(
            f"{name:12} portals {t['portals']:3}  reports {t['reports']:4}  recall {t['recall']:.3f}  "
            f"precision {t['precision']:.3f}  dup {t['duplicates']}  year {t['year_accuracy']:.3f}  "
            f"office {t['office_accuracy']:.3f}  traps {t['trap_requests']}  off {t['off_portal_requests']}  "
            f"wasted {t['wasted_share']:.1%} of {t['requests']}"
        )
    for s in result.scores:
        problems = s.missed[:3] + s.extra[:3] + s.trap_requests[:2] + s.off_requests[:2] + s.wrong_years[:2]
        problems += s.wrong_organs[:2]
        if problems:
            lines.append(f"  {s.portal_id}: " + " | ".join(problems))
    return "\n".join(lines)
