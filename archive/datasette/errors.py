"""Error pages (the ``handle_exception`` hook wrapper): Datasette's own pages and JSON, without rich.

When ``rich`` is importable (nianbao depends on it), Datasette's default handler prints a rich
traceback with every local variable for each error response — megabytes of log noise per timed-out
query — and, called outside an ``except`` block, rich raises, which turns a plain 404 of an
unknown path into a 500.  Datasette runs every ``handle_exception`` implementation and uses the
first response, so the plugin wraps the hook call (a pluggy ``hookwrapper``) and answers with
:func:`error_response` alone, as Datasette's default handler does: same status, JSON for ``.json``
paths (with Datasette 1.0's error body, and text for ``.csv``, where it has them), else the
``{status}.html`` / ``error.html`` template; CORS headers and ``--pdb`` honoured.  Server errors
(500) are printed to stderr with the standard traceback module.
"""

from __future__ import annotations

import pdb
import sys
import traceback

import datasette.utils
import markupsafe
from datasette.utils import add_cors_headers
from datasette.utils.asgi import Response

ERROR_BODY = getattr(datasette.utils, "error_body", None)  # Datasette 1.0: the JSON error body


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
    if getattr(datasette, "pdb", False):
        pdb.post_mortem(exception.__traceback__)
    status, message, title, info = _describe(exception)
    if status >= 500:
        traceback.print_exception(exception, file=sys.stderr)
    headers: dict = {}
    if getattr(datasette, "cors", False):
        add_cors_headers(headers)
    plain = getattr(exception, "plain_message", None) or message
    path = request.path.split("?")[0]
    if path.endswith(".json"):
        if ERROR_BODY is not None:
            return Response.json({**info, **ERROR_BODY(plain, status)}, status=status, headers=headers)
        info.update({"ok": False, "error": message, "status": status, "title": title})
        return Response.json(info, status=status, headers=headers)
    if path.endswith(".csv") and ERROR_BODY is not None:
        return Response.text(str(plain), status=status, headers=headers)
    info.update({"ok": False, "error": message, "status": status, "title": title})
    html = await datasette.render_template([f"{status}.html", "error.html"], info, request=request)
    return Response.html(html, status=status, headers=headers)
