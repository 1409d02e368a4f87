-- SPDX-License-Identifier: MIT
-- Schema version 3: the tables import derives from a disclosure's rows (db/derive.c). They
-- hold nothing that is not in the tables of schema.sql; a version 2 store gains them by
-- `budgetctl upgrade`, which fills them from every disclosure.

-- 检索: the search index (db/search.c) --------------------------------------------------------

-- 汇总: facts for aggregates (db/facts.c) -------------------------------------------------------
-- The figures aggregates sum (GET /api/v1/aggregate), with the dimensions they are filtered
-- and grouped on copied from their disclosure, so that a sum over the store reads one
-- covering index and joins nothing. measure: revenue, expenditure, basic, project (the
-- headline totals), sangong, sangong.<item key>, operating_costs, or table:<type>:<column key>
-- for the 末级 rows of a table (coded item rows that no other row of the table extends, so a
-- 类 and its 项 are never summed together). fen: the figure in fen (0.01 元), exact integer
-- arithmetic from the published unit; NULL when it cannot be (a 元 figure finer than 0.01, an
-- unknown unit): such figures are counted in inexact, never summed.
-- depth 3 holds a table's 末级 rows one by one; depth 1 the same summed per disclosure and 类
-- (code = the 类), depth 0 summed per disclosure (code ''), with the headline, 三公 and 机关运行
-- 经费 figures: a sum over the store reads one row per disclosure (or per 类) unless it needs
-- 款 or 项. figures: how many published figures a row stands for; inexact: how many of them
-- could not be converted (and are not in fen).
CREATE TABLE fact (
    id            INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL REFERENCES disclosure(id) ON DELETE CASCADE,
    department_id INTEGER NOT NULL,
    year          INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    level         TEXT NOT NULL,
    region        TEXT,
    measure       TEXT NOT NULL,
    class         TEXT,                                   -- a table's classification
    depth         INTEGER NOT NULL DEFAULT 0 CHECK (depth IN (0, 1, 3)),
    code          TEXT NOT NULL DEFAULT '',               -- 类款项 concatenated; '' for none
    fen           INTEGER,
    figures       INTEGER NOT NULL DEFAULT 1,
    inexact       INTEGER NOT NULL DEFAULT 0,
    unit          TEXT NOT NULL                           -- as published
);
CREATE INDEX fact_disclosure ON fact (disclosure_id);
CREATE INDEX fact_sum ON fact (measure, depth, code, year, kind, level, department_id, region,
                               class, disclosure_id, fen, figures, inexact);

PRAGMA user_version = 3;
