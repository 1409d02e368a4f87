-- SPDX-License-Identifier: MIT
-- Schema version 5: the tables import derives from a disclosure's rows (db/derive.c). They
-- hold nothing that is not in the tables of schema.sql; a version 2 or 3 store gains them by
-- `budgetctl upgrade`, which fills them from every disclosure (db/migrate.c).

-- 检索: the search index (db/search.c) --------------------------------------------------------
-- One entry per place a disclosure says something: name (what the place is called: a
-- department, project, indicator, table or row with its code 2010399, a term) and body (its
-- texts), both indexed by trigrams, so that any substring of 3 or more characters matches.
-- The texts repeat (a table row's name in nine tables, a glossary in every disclosure): each
-- distinct (name, body) is stored once (search_text), and an entry (search_entry) says where
-- one is said. A text said by fewer than 32 entries is indexed as each of them (search,
-- rowid = the entry: a query of a common term reads its matches latest first and stops after
-- the window); a text said by 32 or more is indexed once (search_shared, rowid = the text: few
-- texts, most of the entries), and moves there when the 32nd entry says it (SHARED_FROM,
-- db/search.c). Once shared, it stays shared until no entry says it.
-- key: a hash of name and body (db/search.c), to find a text again. refs: the entries that
-- say it; a text no entry says is removed with the last one (db_search_forget()). shared: 1
-- when search_shared indexes it, 0 when search does (as each of its entries).
-- name_size, body_size: its columns' sizes in tokens as FTS5 counts them, so that the
-- statistics of search_stat stay sums over entries.
-- (The counts come before the texts, which may be long: a row's columns are read in order.)
CREATE TABLE search_text (
    id        INTEGER PRIMARY KEY,
    key       INTEGER NOT NULL,
    refs      INTEGER NOT NULL DEFAULT 0,
    shared    INTEGER NOT NULL DEFAULT 0,
    name_size INTEGER NOT NULL DEFAULT 0,
    body_size INTEGER NOT NULL DEFAULT 0,
    name      TEXT,
    body      TEXT
);
CREATE INDEX search_text_key ON search_text (key);
CREATE INDEX search_text_unused ON search_text (id) WHERE refs = 0;
CREATE VIRTUAL TABLE search_shared USING fts5 (
    name, body, content = 'search_text', content_rowid = 'id', tokenize = 'trigram'
);
-- path (below the disclosure's URL: "", "/tables/3", "/projects/x", "/sangong") and place
-- (the locator, a JSON object such as {"table":3,"row":5}) are only returned.
-- entry = (year - 1990) << 56 | disclosure << 24 | hit << 20 | n: what an entry is (the hit
-- list of db/search.c), whose, and of which year are read off it, so that filtering needs no
-- content, a year is one range, the latest years come first in descending order, and a
-- disclosure's entries are one range (the index has no foreign keys to cascade).
CREATE TABLE search_entry (
    entry INTEGER PRIMARY KEY,
    text  INTEGER NOT NULL,                                 -- search_text.id
    path  TEXT NOT NULL,
    place TEXT
);
CREATE INDEX search_entry_text ON search_entry (text);
-- The texts by their entries: what search reads of those it indexes (its content).
CREATE VIEW search_per_entry AS
    SELECT e.entry AS entry, t.name AS name, t.body AS body
    FROM search_entry e JOIN search_text t ON t.id = e.text;
CREATE VIRTUAL TABLE search USING fts5 (
    name, body, content = 'search_per_entry', content_rowid = 'entry', tokenize = 'trigram'
);
-- What BM25 reads as the index's row count and column totals, kept over entries (not
-- texts): a hit's rank is what it was when every entry had its own row.
CREATE TABLE search_stat (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    entries   INTEGER NOT NULL,
    name_size INTEGER NOT NULL,
    body_size INTEGER NOT NULL
);
INSERT INTO search_stat VALUES (1, 0, 0, 0);
-- The names of departments and projects again, for queries of 1 or 2 characters, which
-- trigrams cannot index, and each name's characters and pairs of characters (ASCII letters
-- lowercased), so that such a query is an index lookup rather than a scan of every name.
CREATE TABLE search_name (
    entry INTEGER PRIMARY KEY,                              -- search_entry.entry
    name  TEXT NOT NULL
);
CREATE TABLE search_gram (
    gram  TEXT NOT NULL,
    entry INTEGER NOT NULL,                                 -- search_name.entry
    PRIMARY KEY (gram, entry)
) WITHOUT ROWID;

-- 汇总: facts for aggregates (db/facts.c) -------------------------------------------------------
-- The figures aggregates sum (GET /api/v1/aggregate). measure: revenue, expenditure, basic,
-- project (the headline totals), sangong, sangong.<item key>, operating_costs, or
-- table:<type>:<column key> for the 末级 rows of a table (coded item rows that no other row of
-- the table extends, so a 类 and its 项 are never summed together). fen: the figure in fen
-- (0.01 元), exact integer arithmetic from the published unit; NULL when it cannot be (a 元
-- figure finer than 0.01, an unknown unit): such figures are counted in inexact, never summed.
-- depth 3 holds a table's 末级 rows one by one; depth 1 the same summed per disclosure and 类
-- (code = the 类), depth 0 summed per disclosure (code ''), with the headline, 三公 and 机关运行
-- 经费 figures: a sum over the store reads one row per disclosure (or per 类) unless it needs
-- 款 or 项. figures: how many published figures a row stands for; inexact: how many of them
-- could not be converted (and are not in fen).
-- Of the dimensions copied from the disclosure, year, kind and level are one integer, edition
-- (year * 4 + 2 for a 决算 + 1 for a 部门 disclosure: its order is the order in which a group's
-- latest disclosure is chosen), and region is a number, region_id, of fact_region: the
-- regions the facts have named, each once, never removed (schema version 6: fact,
-- fact_disclosure and fact_sum were 390 of 2,061 MB at 10,000 files, fact_sum's build 3.5 s,
-- issue #17).
CREATE TABLE fact_region (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE                    -- department_record.region
);
CREATE TABLE fact (
    id            INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL,                       -- its fact_span's
    department_id INTEGER NOT NULL,
    edition       INTEGER NOT NULL,                       -- year, kind and level (above)
    region_id     INTEGER,                                -- fact_region.id
    measure       TEXT NOT NULL,
    class         TEXT,                                   -- a table's classification
    depth         INTEGER NOT NULL DEFAULT 0 CHECK (depth = 0 OR depth = 1 OR depth = 3),
    code          TEXT NOT NULL DEFAULT '',               -- 类款项 concatenated; '' for none
    fen           INTEGER,
    figures       INTEGER NOT NULL DEFAULT 1,
    inexact       INTEGER NOT NULL DEFAULT 0,
    unit          TEXT NOT NULL                           -- as published
);
-- A disclosure's facts are written one after the other: they are the ids first_id to last_id,
-- and they go with this row when the disclosure goes (ON DELETE CASCADE, then fact_span_gone).
-- Not an index on fact (disclosure_id): one b-tree insert per fact fewer, 19 MB at 10,000
-- files (schema version 6).
CREATE TABLE fact_span (
    disclosure_id INTEGER PRIMARY KEY REFERENCES disclosure(id) ON DELETE CASCADE,
    first_id      INTEGER NOT NULL,
    last_id       INTEGER NOT NULL
);
CREATE TRIGGER fact_span_gone AFTER DELETE ON fact_span BEGIN
    DELETE FROM fact WHERE id BETWEEN old.first_id AND old.last_id;
END;
CREATE INDEX fact_sum ON fact (measure, depth, code, edition, department_id, region_id, class,
                               disclosure_id, fen, figures, inexact);

-- 读表: a table's answer (db/read_table.c) reads its columns, rows and figures from indexes
-- alone, never from the tables' own b-trees, so that a random table of a region-sized store
-- touches half the pages (issue #17: about 15 % less CPU for a random table). table_row's
-- index covers what it reads; table_column, row_amount and row_unplaced are WITHOUT ROWID
-- tables whose primary key is that index (schema version 5). It holds nothing of its own, so
-- it lives here, where `budgetctl upgrade` builds it for an older store.
CREATE INDEX table_row_read ON table_row (table_id, position, id, side, kind, level, code1, code2,
                                          code3, name, project, project_name);

PRAGMA user_version = 6;
