"""Which hosts a portal's crawl may request: its own, and platform hosts that prove to be its own.

Counties often publish their departments' and towns' disclosure on a city or provincial intensive
platform (集约化) under another host, linked from the county's pages (docs/portals.md, notes
2026-12).  Such a host is followed when:

1. an own-host page links it as a disclosure area or 年报 column (``部门信息公开``, ``乡镇政务公开`` …)
   and the host looks governmental (``*.gov.cn`` or an IP address, never a known spam mirror):
   one **probe** request is made;
2. the probed page proves it belongs to the same government: its ``<meta name="SiteIDCode">`` (the
   national 网站标识码) is the portal's, or — without one — its SiteName, title or breadcrumbs name
   the county; a page whose ``SiteDomain`` names another host is a copy (a mirror) and fails.

An admitted host is crawled within the **path scope** of its entry link (the folder named after the
county's code, or the entry's first folder), so a neighbour county's columns on the same platform
stay out; documents, files and list APIs its pages link are fetched wherever they are on it.
Admitted hosts are added to the portal's hosts (the ``portals`` row of the archive, not the
registry file).  A page on an admitted host that declares another government's SiteIDCode is not
read further.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.detection import squash, visible_text
from crawler.registry import Portal, is_denied, url_host

logger = logging.getLogger(__name__)

NAVIGATION_ROLES = ("home", "area", "column", "page")
_SITE_CODE_TEXT_RE = re.compile(r"网站标识码\s*[:：]?\s*([0-9A-Za-z]{10})")
_NAME_TAIL_RE = re.compile(r"(?:人民政府|政府|门户网站|网站)$")
_ADMIN_SUFFIX_RE = re.compile(r"(?:各族自治县|自治县|自治旗|县|区|市|旗|特区|林区)$")
_ETHNIC = (
    "苗 土家 侗 瑶 彝 回 蒙古 藏 壮 布依 满 朝鲜 哈尼 白 傣 黎 傈僳 佤 畲 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 "
    "仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 普米 塔吉克 怒 鄂温克 德昂 保安 裕固 京 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各"
).split()
_ETHNIC_RE = re.compile("(?:(?:" + "|".join(_ETHNIC) + ")族)+$")  # 城步苗族 → 城步 (自治县 names)


def government_host(host: str) -> bool:
    """A host that can be a government's: a ``*.gov.cn`` name or an IP address (legacy hosts)."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    name = name.strip("[]").lower()
    if name.endswith(".gov.cn") or name == "localhost":
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def name_forms(name: str) -> set[str]:
    """A government's name as pages write it: 城步苗族自治县人民政府 → 城步苗族自治县, 城步县, 城步."""
    base = _NAME_TAIL_RE.sub("", squash(name))
    out = {base} if len(base) >= 2 else set()
    core = _ADMIN_SUFFIX_RE.sub("", base)
    core = _ETHNIC_RE.sub("", core) if len(_ETHNIC_RE.sub("", core)) >= 2 else core
    if len(core) >= 2 and core != base:
        out.add(core)
        suffix = _ADMIN_SUFFIX_RE.search(base)
        if suffix:
            out.add(core + suffix.group(0)[-1])
    return out


@dataclass
class Identity:
    """What names a government on its pages: 网站标识码 values and names."""

    codes: set[str] = field(default_factory=set)
    region: str | None = None  # the 行政区划代码 (6 digits)
    names: set[str] = field(default_factory=set)

    def owns_code(self, code: str) -> bool:
        code = code.strip()
        return code in self.codes or bool(self.region and code.startswith(self.region))


@dataclass
class Admitted:
    entries: list[str]  # the URLs that led to the host
    prefixes: set[str]  # the path scopes ("/": the whole host)


class HostScope:
    """The hosts and paths one portal's crawl may request (see the module documentation)."""

    def __init__(self, portal: Portal, deny: list[str] | None = None) -> None:
        self.portal = portal
        self.deny = list(deny or [])
        self.own = {h.lower() for h in portal.hosts}
        self.admitted: dict[str, Admitted] = {}
        self.probes: dict[str, Admitted] = {}  # host → the entry being probed
        self.refused: set[str] = set()
        self.identity = Identity(region=portal.code[:6] if portal.code and portal.code[:6].isdigit() else None)
        for name in (portal.county, portal.name):
            if name and not re.fullmatch(r"[\w.:-]+", name):  # not a host name standing in for a name
                self.identity.names |= name_forms(name)

    # ------------------------------------------------------------------ the government's own pages

    def learn(self, meta: dict[str, str], text: str) -> None:
        """An own-host page: its 网站标识码 and SiteName name the government."""
        code = meta.get("SiteIDCode") or meta.get("siteidcode")
        if code:
            self.identity.codes.add(code.strip())
        elif m := _SITE_CODE_TEXT_RE.search(text[-4000:]):
            self.identity.codes.add(m.group(1))
        if not self.identity.region:
            for found in self.identity.codes:
                if found[:6].isdigit():
                    self.identity.region = found[:6]
                    break
        site = meta.get("SiteName") or meta.get("sitename")
        if site and not self.identity.names:
            self.identity.names |= name_forms(site)

    # ------------------------------------------------------------------ requests

    def own_host(self, url: str) -> bool:
        return url_host(url) in self.own

    def allows(self, url: str, role: str) -> bool:
        """Whether a request of ``role`` for ``url`` stays on the portal (own host, admitted scope)."""
        host = url_host(url)
        if host in self.own:
            return True
        admitted = self.admitted.get(host)
        if admitted is None:
            probe = self.probes.get(host)
            return probe is not None and url in probe.entries
        if role not in NAVIGATION_ROLES:
            return True  # documents, files and list APIs its pages name
        path = urlsplit(url).path
        return any(path.startswith(prefix) for prefix in admitted.prefixes)

    def allows_host(self, host: str) -> bool:
        """Whether any request to ``host`` may go out (the downloader's check)."""
        return host in self.own or host in self.admitted or host in self.probes

    def consider(self, url: str, role: str, from_own_page: bool) -> bool:
        """An off-portal link: probe its host when an own page links it as disclosure navigation."""
        host = url_host(url)
        if host in self.refused or role not in ("area", "column") or not from_own_page:
            return False
        if not government_host(host) or is_denied(host, self.deny):
            return False
        scope = self.scope_of(url)
        found = self.admitted.get(host) or self.probes.get(host)
        if found is not None:  # another entry to a host being probed (or admitted): same rules, its own scope
            found.entries.append(url)
            found.prefixes.add(scope)
            return True
        self.probes[host] = Admitted([url], {scope})
        logger.info("%s: probing %s, linked as a disclosure area from the portal", self.portal.id, url)
        return True

    def scope_of(self, url: str) -> str:
        """The path scope of an entry URL: through the folder named after the government's code, else
        its first folder, else the whole host."""
        segments = [s for s in urlsplit(url).path.split("/") if s]
        codes = set(self.identity.codes) | ({self.identity.region} if self.identity.region else set())
        for i, segment in enumerate(segments[:-1]):
            if any(code and code in segment for code in codes):
                return "/" + "/".join(segments[: i + 1]) + "/"
        if len(segments) >= 2:
            return f"/{segments[0]}/"
        return "/"

    # ------------------------------------------------------------------ pages on other hosts

    def belongs(self, url: str, meta: dict[str, str], text: str) -> bool | None:
        """A page on a probed host: does it prove the host is the government's?  None when the host
        is not being probed."""
        host = url_host(url)
        probe = self.probes.get(host)
        if probe is None:
            return None
        del self.probes[host]
        why = self.evidence(host, meta, text)
        if why is None:
            self.refused.add(host)
            logger.info("%s: %s does not belong to the portal; not followed", self.portal.id, host)
            return False
        self.admitted[host] = probe
        if host not in self.portal.hosts:
            self.portal.hosts.append(host)
        logger.info("%s: %s belongs to the portal (%s); scope %s", self.portal.id, host, why, sorted(probe.prefixes))
        return True

    def evidence(self, host: str, meta: dict[str, str], text: str) -> str | None:
        """Why a page on ``host`` is the government's (None: it is not)."""
        domain = (meta.get("SiteDomain") or meta.get("sitedomain") or "").strip().lower()
        if domain and domain.split("/")[0] not in (host, host.rsplit(":", 1)[0]):
            return None  # a copy of another site's page
        code = (meta.get("SiteIDCode") or meta.get("siteidcode") or "").strip()
        if code:
            return f"网站标识码 {code}" if self.identity.owns_code(code) else None
        head = squash(" ".join([meta.get("SiteName", ""), _title(text), visible_text(text[:20000])[:600]]))
        for name in sorted(self.identity.names, key=len, reverse=True):
            if name and name in head:
                return f"names {name}"
        return None

    def foreign(self, url: str, meta: dict[str, str]) -> bool:
        """A page on an admitted host that declares another government's 网站标识码."""
        if url_host(url) in self.own:
            return False
        code = (meta.get("SiteIDCode") or meta.get("siteidcode") or "").strip()
        return bool(code) and not self.identity.owns_code(code)


def _title(html: str) -> str:
    m = re.search(r"<title[^>]*>(.*?)</title>", html[:8000], re.S | re.I)
    return m.group(1) if m else ""
