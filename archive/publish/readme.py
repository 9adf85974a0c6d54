"""The ``nianbao_readme`` table of a downloaded ``nianbao.db``: what the file holds and how to
search it with plain ``sqlite3`` (no nianbao, no Datasette).

The search index (``sections_fts``, ``reports_fts``) holds bigram-tokenised text
(:mod:`archive.publish.search`): ``MATCH '行政诉讼'`` finds nothing there, since ``unicode61``
keeps a run of Chinese characters as one token.  The query must be written as the phrase of its
overlapping two-character pieces (``MATCH '"行政 政诉 诉讼"'``); :data:`BIGRAM_MATCH_SQL` builds
that phrase in plain SQL from a parameter ``:q``, so ``sqlite3`` (the shell or any language's
binding) gives the counts the site gives.
"""

from __future__ import annotations

import sqlite3

README_TABLE = "nianbao_readme"

# The MATCH phrase of a Chinese word :q (simplified characters, no spaces or punctuation): its
# overlapping bigrams quoted as one phrase; a single character is a prefix query.
BIGRAM_MATCH_SQL = """WITH RECURSIVE bigrams(i, phrase) AS (
  SELECT 1, substr(:q, 1, 2)
  UNION ALL
  SELECT i + 1, phrase || ' ' || substr(:q, i + 1, 2) FROM bigrams WHERE i + 2 <= length(:q)
)
SELECT '"' || phrase || '"' || CASE WHEN length(:q) = 1 THEN '*' ELSE '' END
FROM bigrams ORDER BY i DESC LIMIT 1"""

SECTIONS_COUNT_SQL = f"""SELECT count(*) FROM sections_fts WHERE sections_fts MATCH (
{BIGRAM_MATCH_SQL}
)"""

SECTIONS_HITS_SQL = f"""SELECT r.id, r.organ, r.year, r.title, s.heading
FROM sections_fts JOIN sections s ON s.id = sections_fts.rowid JOIN reports r ON r.id = s.report_id
WHERE sections_fts MATCH (
{BIGRAM_MATCH_SQL}
) AND r.is_current = 1
ORDER BY r.year DESC, r.id"""

TITLES_COUNT_SQL = f"""SELECT count(*) FROM reports_fts WHERE reports_fts MATCH (
{BIGRAM_MATCH_SQL}
)"""

# (topic, Chinese, English, example SQL)
ROWS: tuple[tuple[str, str, str, str], ...] = (
    (
        "about",
        "nianbao 政府信息公开工作年度报告开放档案的数据库副本：reports（每份报告每个版本一行）、cells（表格数值）、"
        "checks（勾稽校验）、sections（正文章节）、snapshots（存档快照：WARC 文件与位置，原始字节在 "
        "nianbao-snapshots.wacz 中）。中文名称的视图（报告一览、依申请办理情况……）只含当前版本。"
        "原文为行政机关主动公开的政府信息；整理数据以 CC BY 4.0 提供。",
        "A copy of the nianbao archive database: reports (one row per report version), cells (table "
        "values), checks, sections (report text), snapshots (where the archived bytes are; the bytes are "
        "in nianbao-snapshots.wacz). The views with Chinese names show current versions only. Raw "
        "documents: public government information; compiled data: CC BY 4.0.",
        "SELECT organ, year, title FROM reports WHERE is_current = 1 ORDER BY year DESC LIMIT 20;",
    ),
    (
        "search",
        "全文检索索引 sections_fts（章节标题与正文）和 reports_fts（报告标题）存的是“两字切分”的文本："
        "直接写 MATCH '行政诉讼' 找不到任何结果。要把检索词拆成相邻两字、用双引号括成一个短语："
        "MATCH '\"行政 政诉 诉讼\"'（单个汉字写成 '\"诉\"*'）。下一行的 SQL 会替你拆分：把 :q 设为检索词"
        "（简体中文，不含空格和标点）。不用索引也可以：heading LIKE '%行政诉讼%' OR text LIKE '%行政诉讼%'"
        "（结果相同，但较慢）。",
        "The full-text indexes sections_fts (section headings and text) and reports_fts (titles) hold "
        "bigram-tokenised text: MATCH '行政诉讼' finds nothing. Write the query as the phrase of its "
        "overlapping two-character pieces: MATCH '\"行政 政诉 诉讼\"' (one character: '\"诉\"*'). The SQL "
        "of the next row builds that phrase from the parameter :q (a word in simplified Chinese, no spaces "
        "or punctuation). Without the index, LIKE '%行政诉讼%' on sections.heading and sections.text gives "
        "the same count, slower.",
        "SELECT count(*) FROM sections_fts WHERE sections_fts MATCH '\"行政 政诉 诉讼\"';",
    ),
    (
        "search_count",
        "检索词 :q 出现在多少个章节（sqlite3 命令行：先执行 .parameter set :q 行政诉讼）。",
        "How many sections contain :q (in the sqlite3 shell: .parameter set :q 行政诉讼 first).",
        SECTIONS_COUNT_SQL + ";",
    ),
    (
        "search_hits",
        "含检索词 :q 的章节及其报告（当前版本）。",
        "The sections containing :q with their reports (current versions).",
        SECTIONS_HITS_SQL + ";",
    ),
    (
        "search_titles",
        "标题含检索词 :q 的报告数（含历史版本）。",
        "How many report titles (all versions) contain :q.",
        TITLES_COUNT_SQL + ";",
    ),
)


def write_readme(conn: sqlite3.Connection) -> None:
    """(Re)create the ``nianbao_readme`` table in ``conn`` (a dump copy) and commit."""
    with conn:
        conn.execute(f"DROP TABLE IF EXISTS {README_TABLE}")
        conn.execute(f"CREATE TABLE {README_TABLE} (topic TEXT PRIMARY KEY, zh TEXT, en TEXT, example_sql TEXT)")
        conn.executemany(f"INSERT INTO {README_TABLE} VALUES (?, ?, ?, ?)", ROWS)
