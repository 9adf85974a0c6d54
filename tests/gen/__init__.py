"""Extraction fixture generators and helpers.

* :mod:`gen.strategies`, :mod:`gen.expect`, :mod:`gen.htmlgrid` — hypothesis strategies, expected
  cells, reading tables back from rendered HTML;
* :mod:`gen.corpus` — a realistic mixed corpus for the benchmarks;
* :mod:`gen.trs`, :mod:`gen.dumps`, :mod:`gen.excerpts` — the shapes real portals and text stores
  produce (TRS detail and list pages, Word-pasted 统计表, page text dumps, openings of report pages),
  generated from seeds so the repository keeps no third-party pages.
"""
