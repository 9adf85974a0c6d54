"""Links only a browser would follow: column trees and unit lists written by script, ``<select>``
options, and the URL templates scripts build links and pages from (docs/portals.md, notes 2026-12).

* A **JavaScript tree** — ``var zNodes = [{id: 7035985, pId: …, name: '政府信息公开年报', url: '…'}]``,
  ``var organList = [{name: '城关镇', link: '…'}]`` — gives a link per node with a name and a URL;
  nodes with an id but no URL get one from the script's **template**
  (``location.href = '/public/column/' + organId + '?type=4&catId=' + treeNode.id``; other
  variables resolved from the page's assignments).
* ``<option value="/public/column/6597?type=2">城关镇</option>`` in a unit selector.
* A **pager template** — ``function goPage(n) { location.href = 'list.jsp?catId=7&pageIndex=' + n }``
  behind ``javascript:goPage(2)`` links — gives the URL of page *n* (:func:`page_template`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from crawler.jsdata import assigned_scalar, literals_in, script_bodies

NAME_KEYS = ("name", "text", "title", "label", "catName", "columnName", "organName", "unitName", "chnlName")
URL_KEYS = ("url", "href", "link", "linkUrl", "path", "columnUrl", "jumpUrl", "chnlUrl", "uri")
ID_KEYS = ("id", "catId", "columnId", "organId", "chnlId")
_URLISH_RE = re.compile(
    r"^(?:https?://[^\s'\"<>]+|/[^\s'\"<>+]*|\.{1,2}/[^\s'\"<>+]*|\?[^\s'\"<>+]+|[\w-]+(?:/[\w.-]+)*\.(?:s?html?|jsp|do|php|aspx?)(?:\?[^\s'\"<>+]*)?)$"
)
_STRING = r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*\""""
_IDENT = r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*"
_CONCAT_RE = re.compile(rf"(?:{_STRING}|{_IDENT})(?:\s*\+\s*(?:{_STRING}|{_IDENT}))+")
_PART_RE = re.compile(rf"({_STRING})|({_IDENT})")
_ID_OPERAND_RE = re.compile(r"(?:^|\.)(?:id|catId|catid|columnId|columnid|chnlId)$")
_PAGE_OPERAND_RE = re.compile(
    r"^(?:n|p|i|num|page|pageNo|pageno|pageIndex|pageindex|pageNum|pagenum|index|pn|cur|curPage|currPage|currentPage)$"
)
_PAGE_TAIL_RE = re.compile(r"(?:pageIndex|pageNo|pageNum|page|currPage|curPage|currentPage|pn|p)=$", re.I)
_OPTION_RE = re.compile(r"<option\b[^>]*\bvalue\s*=\s*[\"']([^\"']+)[\"'][^>]*>([^<]{1,40})</option>", re.I)
MAX_SCRIPT = 300_000  # characters of one script read at most


@dataclass(frozen=True)
class ScriptedLink:
    """A link a script or a selector makes: URL (as written, maybe relative) and its name."""

    href: str
    text: str


def urlish(value: object) -> bool:
    return isinstance(value, str) and bool(_URLISH_RE.match(value.strip())) and value.strip() not in ("/", "#")


def _concatenations(script: str, page_text: str) -> list[list[tuple[str, str]]]:
    """Every string concatenation of the script as parts (``lit`` text | ``var`` name); variables
    the page assigns a scalar are resolved into literals."""
    out = []
    for m in _CONCAT_RE.finditer(script):
        parts: list[tuple[str, str]] = []
        for lit, ident in _PART_RE.findall(m.group(0)):
            if lit:
                parts.append(("lit", re.sub(r"\\(.)", r"\1", lit[1:-1])))
                continue
            value = (
                None
                if _ID_OPERAND_RE.search(ident) or _PAGE_OPERAND_RE.match(ident)
                else assigned_scalar(page_text, ident)
            )
            parts.append(("lit", value) if value is not None else ("var", ident))
        if any(k == "lit" and ("/" in v or "?" in v or "=" in v) for k, v in parts):
            out.append(parts)
    return out


def _template(parts: list[tuple[str, str]], operand: re.Pattern[str]) -> str | None:
    """The parts as a URL template with one ``{}`` for the operand ``operand`` matches (None otherwise)."""
    out, holes = [], 0
    for kind, value in parts:
        if kind == "lit":
            out.append(value.replace("{", "{{").replace("}", "}}"))
        elif operand.search(value):
            out.append("{}")
            holes += 1
        else:
            return None
    text = "".join(out)
    return text if holes == 1 and urlish(text.replace("{}", "1")) else None


def id_templates(script: str, page_text: str) -> list[str]:
    """URL templates a script builds from a node id (``'/list?catId=' + treeNode.id``)."""
    found = []
    for parts in _concatenations(script, page_text):
        template = _template(parts, _ID_OPERAND_RE)
        if template and template not in found:
            found.append(template)
    return found


def page_template(html: str) -> str | None:
    """The URL template of a list's pages a script writes (``'…&pageIndex=' + n``), or None."""
    for script in script_bodies(html):
        if len(script) > MAX_SCRIPT:
            continue
        for parts in _concatenations(script, html):
            literal = "".join(v for k, v in parts if k == "lit")
            if not any(k == "lit" and _PAGE_TAIL_RE.search(v) for k, v in parts):
                continue
            template = _template(parts, _PAGE_OPERAND_RE)
            if template and template.endswith("{}") and literal:
                return template
    return None


def _walk(node: Any, templates: list[str], out: list[ScriptedLink]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, templates, out)
        return
    if not isinstance(node, dict):
        return
    name = next((node[k] for k in NAME_KEYS if isinstance(node.get(k), str) and node[k].strip()), None)
    url = next((node[k] for k in URL_KEYS if urlish(node.get(k))), None)
    if name and url:
        out.append(ScriptedLink(url.strip(), name.strip()))
    elif name and not node.get("isParent") and not node.get("children"):  # a container expands, it has no page
        ident = next((node[k] for k in ID_KEYS if isinstance(node.get(k), (int, str)) and str(node[k]).strip()), None)
        if ident is not None:
            out += [ScriptedLink(t.format(ident), name.strip()) for t in templates]
    for value in node.values():
        if isinstance(value, (list, dict)):
            _walk(value, templates, out)


def scripted_links(html: str) -> list[ScriptedLink]:
    """Links in the page's script literals and unit selectors (see the module documentation)."""
    out: list[ScriptedLink] = []
    for script in script_bodies(html):
        if len(script) > MAX_SCRIPT or not re.search(r"[\[{]", script):
            continue
        templates = id_templates(script, html)
        for literal in literals_in(script):
            _walk(literal, templates, out)
    for value, text in _OPTION_RE.findall(html):
        if urlish(value) and text.strip():
            out.append(ScriptedLink(value.strip(), text.strip()))
    return out
