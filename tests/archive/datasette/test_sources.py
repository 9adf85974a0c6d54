"""Sources seen, not only downloaded: a PDF or Word cell's page rendered with its box outlined."""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3
from pathlib import Path

import httpx
import pypdfium2 as pdfium
import pytest
from paths import REPO
from PIL import Image
from publish_fixtures import Server, build_archive

from archive.datasette import sources
from archive.datasette.sources import PdfBox, RenderCache, RenderError, SourceRenderer, WordCell, parse_locator
from extract import extract_document
from extract.office import convert, find_soffice

SAMPLE_FILES = REPO / "archive" / "sample" / "site" / "files"
OUTLINE = (220, 0, 0)


def _sample(suffix: str) -> bytes:
    """The bundled sample portal's first file of this kind with table 三."""
    for path in sorted(SAMPLE_FILES.glob(f"*{suffix}")):
        data = path.read_bytes()
        if any(c.table == "applications" for c in extract_document(data).cells):
            return data
    raise AssertionError(f"no {suffix} report with table 三 in {SAMPLE_FILES}")


def _cell(data: bytes, row: str = "new_received", col: str = "total"):
    report = extract_document(data)
    return next(c for c in report.cells if c.table == "applications" and c.row == row and c.col == col)


def _text_in(pdf: bytes, box: PdfBox) -> str:
    doc = pdfium.PdfDocument(pdf)
    page = doc[box.page - 1]
    height = page.get_size()[1]
    text = page.get_textpage().get_text_bounded(box.x0, height - box.bottom, box.x1, height - box.top)
    doc.close()
    return "".join(text.split())


def _outlined(png: bytes) -> list[tuple[int, int]]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return [(x, y) for x in range(image.width) for y in range(0, image.height, 2) if image.getpixel((x, y)) == OUTLINE]


def test_locators_name_a_page_box_or_a_word_cell():
    assert parse_locator("p3 [10.5,20,30,40.25]") == PdfBox(3, 10.5, 20.0, 30.0, 40.25)
    assert parse_locator("p2-3 [1,2,3,4]") == PdfBox(2, 1.0, 2.0, 3.0, 4.0)  # a table over two pages: its first
    assert parse_locator("OCR ocr p4 [1,2,3,4]") == PdfBox(4, 1.0, 2.0, 3.0, 4.0)
    assert parse_locator("docx t2/r8/c10") == WordCell("docx", "docx t2/r8/c10")
    assert parse_locator("wps t1/r3/c2") == WordCell("wps", "docx t1/r3/c2")  # converted to DOCX, then read
    for where in ("t1/r3/c2", "l0/r1/c2", "", None, "ocr docx img2 [1,2,3,4]", "docx p3"):
        assert parse_locator(where) is None, where


def test_a_pdf_cell_is_outlined_on_its_page():
    pdf = _sample(".pdf")
    cell = _cell(pdf)
    box = parse_locator(cell.where)
    assert isinstance(box, PdfBox) and _text_in(pdf, box) == cell.raw
    images = sources.render_source(pdf, box, None)
    page = Image.open(io.BytesIO(images["page"]))
    width, height = pdfium.PdfDocument(pdf)[box.page - 1].get_size()
    scale = page.width / width
    assert max(page.size) <= sources.MAX_PIXELS and abs(page.height / height - scale) < 0.01
    red = _outlined(images["page"])
    xs, ys = [x for x, _ in red], [y for _, y in red]
    # the outline surrounds the cell's box (3 px out, 3 px wide)
    assert abs(min(xs) - (box.x0 * scale - 3)) <= 2 and abs(max(xs) - (box.x1 * scale + 3)) <= 3
    assert abs(min(ys) - (box.top * scale - 3)) <= 3 and abs(max(ys) - (box.bottom * scale + 3)) <= 3
    band = Image.open(io.BytesIO(images["cell"]))
    assert band.width == page.width and band.height < page.height and _outlined(images["cell"])


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is not installed (make system-deps)")
def test_a_word_cell_is_found_on_the_pdf_printing():
    docx = _sample(".docx")
    cell = _cell(docx, "carried_over", "commercial_enterprise")
    place = parse_locator(cell.where)
    assert isinstance(place, WordCell)
    pdf = convert(docx, "docx", "pdf")
    box = sources.locate_word_cell(docx, pdf, place.where)
    assert _text_in(pdf, box) == cell.raw
    label_cell = _cell(docx, "new_received", "total")  # another row and column: another box
    other = sources.locate_word_cell(docx, pdf, parse_locator(label_cell.where).where)  # type: ignore[union-attr]
    assert (other.top, other.x0) != (box.top, box.x0) and _text_in(pdf, other) == label_cell.raw


def test_the_cache_keeps_to_its_size_oldest_out(tmp_path):
    cache = RenderCache(tmp_path / "cache", max_bytes=2500)
    for i in range(4):
        cache.put(f"k{i}", ".png", bytes(1000))
        os.utime(cache.path(f"k{i}", ".png"), (1000 + i, 1000 + i))
    assert cache.get("k0", ".png") is None and cache.get("k1", ".png") is None
    assert cache.get("k3", ".png") == bytes(1000) and cache.get("k2", ".png") is not None


def test_a_document_that_cannot_be_rendered_says_why_and_is_not_retried(tmp_path):
    renderer = SourceRenderer(RenderCache(tmp_path))
    loads: list[int] = []

    async def load() -> bytes:
        loads.append(1)
        return b"%PDF-1.4 not really a PDF"

    async def twice() -> list[str]:
        out = []
        for _ in range(2):
            with pytest.raises(RenderError) as caught:
                await renderer.image("abc", "p1 [1,2,3,4]", "cell", load)
            out.append(str(caught.value))
        return out

    first, second = asyncio.run(twice())
    assert first == second and first.startswith("PDF 无法打开")
    assert loads == [1]  # the failure is remembered
    with pytest.raises(RenderError, match="没有页面"):
        asyncio.run(renderer.image("abc", "t1/r2/c3", "cell", load))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("sources")
    fixture = build_archive(root, n_reports=6, seed=5)
    server = Server(["--db", str(fixture.db_path)], env={sources.CACHE_ENV: str(root / "renders")})
    yield fixture, server, root / "renders"
    server.stop()


def test_the_cell_page_shows_the_outlined_source_page(site):
    fixture, server, cache = site
    report = fixture.report("pdf")
    conn = sqlite3.connect(fixture.db_path)
    [(cell_id, where)] = conn.execute(
        'SELECT id, "where" FROM cells WHERE report_id = ? ORDER BY id LIMIT 1', (report.id,)
    ).fetchall()
    [(html_cell,)] = conn.execute("SELECT id FROM cells WHERE report_id != ? LIMIT 1", (report.id,)).fetchall()
    conn.close()
    page = httpx.get(f"{server.url}/archive/-/cell/{cell_id}", timeout=60).text
    assert f'src="/archive/-/cell/{cell_id}/source.png"' in page and "PDF 第 1 页" in page
    image = httpx.get(f"{server.url}/archive/-/cell/{cell_id}/source.png", timeout=60)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    box = parse_locator(where)
    assert isinstance(box, PdfBox) and _outlined(image.content)
    whole = httpx.get(f"{server.url}/archive/-/cell/{cell_id}/source.png?page=1", timeout=60)
    assert Image.open(io.BytesIO(whole.content)).height > Image.open(io.BytesIO(image.content)).height
    assert len(list(Path(cache).glob("*.png"))) == 2  # both kept in the configured cache
    assert "原文页面" not in httpx.get(f"{server.url}/archive/-/cell/{html_cell}", timeout=60).text
    missing = httpx.get(f"{server.url}/archive/-/cell/{html_cell}/source.png", timeout=60)
    assert missing.status_code == 404 and "没有页面" in missing.text


def test_without_libreoffice_a_word_cell_says_so(monkeypatch):
    monkeypatch.setattr(sources, "find_soffice", lambda: None)
    cell = {"id": 7, "where": "docx t2/r8/c10"}
    view = sources.source_view(cell, {}, {"id": 3}, "/archive")
    assert view is not None and "LibreOffice" in view["message"] and "url" not in view
    assert sources.source_view({"id": 7, "where": "t1/r2/c3"}, {}, {"id": 3}, "/archive") is None
