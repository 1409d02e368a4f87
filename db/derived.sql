-- SPDX-License-Identifier: MIT
-- Schema version 3: the tables import derives from a disclosure's rows (db/derive.c). They
-- hold nothing that is not in the tables of schema.sql; a version 2 store gains them by
-- `budgetctl upgrade`, which fills them from every disclosure.

-- 检索: the search index (db/search.c) --------------------------------------------------------
-- One entry per place a disclosure says something: name (what the place is called: a
-- department, project, indicator, table or row with its code 2010399, a term) and body (its
-- texts), both indexed by trigrams, so that any substring of 3 or more characters matches.
-- path (below the disclosure's URL: "", "/tables/3", "/projects/x", "/sangong") and place
-- (the locator, a JSON object such as {"table":3,"row":5}) are only returned.
-- rowid = (year - 1990) << 56 | disclosure << 24 | hit << 20 | n: what an entry is (the hit
-- list of db/search.c), whose, and of which year are read off the rowid, so that filtering
-- needs no content, a year is one rowid range, the latest years come first in descending
-- rowid order, and a disclosure's entries are one range (FTS5 has no foreign keys to cascade).
CREATE VIRTUAL TABLE search USING fts5 (
    name, body, path UNINDEXED, place UNINDEXED,
    tokenize = 'trigram'
);
-- The names of departments and projects again, for queries of 1 or 2 characters, which
-- trigrams cannot index, and each name's characters and pairs of characters (ASCII letters
-- lowercased), so that such a query is an index lookup rather than a scan of every name.
CREATE TABLE search_name (
    entry INTEGER PRIMARY KEY,                              -- search.rowid
    name  TEXT NOT NULL
);
CREATE TABLE search_gram (
    gram  TEXT NOT NULL,
    entry INTEGER NOT NULL,                                 -- search_name.entry
    PRIMARY KEY (gram, entry)
) WITHOUT ROWID;

-- 汇总: facts for aggregates (db/facts.c) -------------------------------------------------------

PRAGMA user_version = 3;
