"""Error pages (the ``handle_exception`` hook wrapper): Datasette's own pages and JSON, without rich.

When ``rich`` is importable (nianbao depends on it), Datasette's default handler prints a rich
traceback with every local variable for each error response — megabytes of log noise per timed-out
query — and, called outside an ``except`` block, rich raises, which turns a plain 404 of an
unknown path into a 500.  Datasette runs every ``handle_exception`` implementation and uses the
first response, so the plugin wraps the hook call (a pluggy ``hookwrapper``) and answers with
:func:`error_response` alone: every error as Datasette does (same status, JSON for ``.json``
paths, else the ``{status}.html`` / ``error.html`` template); server errors (500) are still
printed to stderr with the standard traceback module.  (Datasette's ``--pdb`` post-mortem, part of
its default handler, is not available with the plugin installed.)
"""

from __future__ import annotations

import sys
import traceback

import markupsafe
from datasette.utils.asgi import Response


def _describe(exception: BaseException) -> tuple[int, str, str | None, dict]:
    """(status, message, title, extra fields) of an exception, as Datasette reports it."""
    status = getattr(exception, "status", None)
    if not isinstance(status, int):
        return 500, str(exception), None, {}
    message = getattr(exception, "message", None)
    if message is None:  # Base400: NotFound, Forbidden, BadRequest …
        return status, str(exception.args[0]) if exception.args else "", None, {}
    if getattr(exception, "message_is_html", False):
        message = markupsafe.Markup(message)
    return status, message, getattr(exception, "title", None), dict(getattr(exception, "error_dict", None) or {})


async def error_response(datasette, request, exception: BaseException) -> Response:
    """The error response for ``exception`` raised while answering ``request``."""
    status, message, title, info = _describe(exception)
    if status >= 500:
        traceback.print_exception(exception, file=sys.stderr)
    info.update({"ok": False, "error": message, "status": status, "title": title})
    if request.path.split("?")[0].endswith(".json"):
        return Response.json(info, status=status)
    html = await datasette.render_template([f"{status}.html", "error.html"], info, request=request)
    return Response.html(html, status=status)
