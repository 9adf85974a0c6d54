"""The bundled sample portal that ``nianbao demo`` and ``nianbao demo-portal`` serve.

A pre-rendered static copy (``site/``: a manifest and the bodies) of a county with a TRS WCM
portal, a Hanweb JCMS 信息公开 platform and a spam mirror, exported from the test generator
(``tests/portalgen``, ``make sample-site``).  :mod:`archive.sample.static` answers requests from
the copy, :mod:`archive.sample.server` serves it on loopback ports.
"""
