-- SPDX-License-Identifier: MIT
-- Schema version 3: the tables import derives from a disclosure's rows (db/derive.c). They
-- hold nothing that is not in the tables of schema.sql; a version 2 store gains them by
-- `budgetctl upgrade`, which fills them from every disclosure.

-- 检索: the search index (db/search.c) --------------------------------------------------------

-- 汇总: facts for aggregates (db/facts.c) -------------------------------------------------------

PRAGMA user_version = 3;
