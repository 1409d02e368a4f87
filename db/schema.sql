-- SPDX-License-Identifier: MIT
-- The budgetd store, schema version 6 with derived.sql (PRAGMA user_version; store.c and
-- migrate.c upgrade versions 1 to 5).
-- One disclosure = one department x year x kind x level (部门 or 单位). Everything below a
-- disclosure hangs off it
-- with ON DELETE CASCADE, so replacing a disclosure is one DELETE and a fresh insert.
-- Amounts and percentages are INTEGER millionths of their unit (万元 -> fen): never REAL.
-- Each has beside it <column>_dp (value_dp for a "value"): the number of decimals it was
-- published with, 0..6, so that "867.50" reads back as 867.50; NULL means canonical (rows
-- upgraded from schema version 1, which did not keep it). db/model.c derives the names.
-- Table figures are signed (a 决算 prints negatives); counts and most other figures are not.
-- Boxes (where a figure was printed) are INTEGER hundredths of a PDF point: never REAL.
-- A CHECK names its allowed values with OR, never IN (...): for an IN list of three or more
-- SQLite builds a temporary b-tree for every row inserted (issue #17: 8 % of an import's
-- instructions; check_db test_inserts_build_no_temporary_btree).
-- Lists keep the published order in "position". Column names match the import format's keys
-- (docs/import-format.md); codes [类, 款, 项] are stored as code1, code2, code3.
-- A list no row refers to (nothing below it, no reader that keeps its rows' ids) has no id:
-- it is a WITHOUT ROWID table keyed by its parent and its unique key, one b-tree where a
-- rowid table with a UNIQUE constraint is two, and three with an index covering what a
-- reader reads (version 5; issue #17: a table figure was 3 b-tree entries in row_amount).
-- Lists of long texts (paragraphs, glossary, findings) keep their rowid: a WITHOUT ROWID
-- table keeps whole rows in its inner pages, which suits short rows only.

CREATE TABLE department (
    id    INTEGER PRIMARY KEY,
    slug  TEXT NOT NULL UNIQUE
          CHECK (length(slug) BETWEEN 1 AND 64 AND slug NOT GLOB '*[^a-z0-9-]*')
);

CREATE TABLE disclosure (
    id            INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES department(id) ON DELETE CASCADE,
    year          INTEGER NOT NULL CHECK (year BETWEEN 1990 AND 2100),
    kind          TEXT NOT NULL CHECK (kind IN ('budget', 'final')),
    level         TEXT NOT NULL DEFAULT 'department' CHECK (level IN ('department', 'unit')),
    title         TEXT NOT NULL,
    published     TEXT CHECK (published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    unit          TEXT NOT NULL,
    imported_at   INTEGER NOT NULL DEFAULT (unixepoch()),  -- for Last-Modified
    UNIQUE (department_id, year, kind, level)
);
CREATE INDEX disclosure_year ON disclosure (year, kind);

-- The department as this disclosure published it (names change over the years).
CREATE TABLE department_record (
    id            INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL UNIQUE REFERENCES disclosure(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    short_name    TEXT,
    region        TEXT,
    parent        TEXT
);

CREATE TABLE source (
    id            INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL UNIQUE REFERENCES disclosure(id) ON DELETE CASCADE,
    document      TEXT NOT NULL,
    file          TEXT,
    url           TEXT,
    notes         TEXT,
    sha256        TEXT CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
    pages         INTEGER CHECK (pages >= 1)
);

-- 概况 --------------------------------------------------------------------------------------
-- The 主要职能 / 机构设置 headings as printed (format 2 overview.headings).
CREATE TABLE overview_heading (
    id            INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL REFERENCES disclosure(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    value         TEXT NOT NULL,
    UNIQUE (disclosure_id, position)
);

CREATE TABLE department_function (
    id            INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL REFERENCES disclosure(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    value         TEXT NOT NULL,
    UNIQUE (disclosure_id, position)
);

CREATE TABLE organization (
    id                INTEGER PRIMARY KEY,
    disclosure_id     INTEGER NOT NULL UNIQUE REFERENCES disclosure(id) ON DELETE CASCADE,
    text              TEXT,
    subordinate_units INTEGER CHECK (subordinate_units >= 0),
    administrative_units INTEGER CHECK (administrative_units >= 0),
    institutional_units  INTEGER CHECK (institutional_units >= 0)
);

-- 单位构成
CREATE TABLE organization_unit (
    organization_id INTEGER NOT NULL REFERENCES organization(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    name            TEXT NOT NULL,
    type            TEXT,
    note            TEXT,
    PRIMARY KEY (organization_id, position)
) WITHOUT ROWID;

CREATE TABLE internal_unit (
    organization_id INTEGER NOT NULL REFERENCES organization(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    value           TEXT NOT NULL,
    PRIMARY KEY (organization_id, position)
) WITHOUT ROWID;

CREATE TABLE staffing (
    disclosure_id INTEGER NOT NULL REFERENCES disclosure(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    category      TEXT NOT NULL
                  CHECK (category = 'established' OR category = 'actual' OR category = 'serving' OR
                         category = 'retired' OR category = 'lixiu'),
    label         TEXT NOT NULL,
    count         INTEGER NOT NULL CHECK (count >= 0),
    change        INTEGER,
    PRIMARY KEY (disclosure_id, category)
) WITHOUT ROWID;

-- 表一, 表二 ... ----------------------------------------------------------------------------
-- "number" is 表几 (the import format's "position"); "position" the order in the file.
CREATE TABLE budget_table (
    id             INTEGER PRIMARY KEY,
    disclosure_id  INTEGER NOT NULL REFERENCES disclosure(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    number         INTEGER NOT NULL CHECK (number BETWEEN 1 AND 99),
    type           TEXT NOT NULL,                          -- db/table_types.tsv id or 'other'
    title          TEXT NOT NULL,
    unit           TEXT NOT NULL,
    classification TEXT CHECK (classification IN ('function', 'economic')),
    note           TEXT,
    unplaced_note  TEXT,
    box_page       INTEGER, box_x0 INTEGER, box_y0 INTEGER, box_x1 INTEGER, box_y1 INTEGER,
    preparer       TEXT,                                   -- 编制部门/单位名称 as printed
    UNIQUE (disclosure_id, number)
);
CREATE INDEX budget_table_type ON budget_table (type);

CREATE TABLE table_column (
    table_id INTEGER NOT NULL REFERENCES budget_table(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    key      TEXT NOT NULL,
    title    TEXT NOT NULL,
    "group"  TEXT,
    side     TEXT CHECK (side IN ('income', 'expenditure')),
    measure  TEXT CHECK (measure = 'budget' OR measure = 'budget_initial' OR
                         measure = 'budget_adjusted' OR measure = 'final' OR measure = 'rate' OR
                         measure = 'change' OR measure = 'change_percent' OR measure = 'prior'),
    PRIMARY KEY (table_id, key)
) WITHOUT ROWID;

CREATE TABLE table_row (
    id           INTEGER PRIMARY KEY,
    table_id     INTEGER NOT NULL REFERENCES budget_table(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    side         TEXT CHECK (side IN ('income', 'expenditure')),
    kind         TEXT CHECK (kind IN ('item', 'total')),
    level        INTEGER CHECK (level BETWEEN 0 AND 3),
    code1        TEXT CHECK (code1 NOT GLOB '*[^0-9]*'),   -- 类
    code2        TEXT CHECK (code2 NOT GLOB '*[^0-9]*'),   -- 款
    code3        TEXT CHECK (code3 NOT GLOB '*[^0-9]*'),   -- 项
    name         TEXT,
    project      TEXT,                                     -- project.slug, same disclosure
    project_name TEXT,
    code_printed TEXT,                                     -- the code as printed, when not 3-2-2
    UNIQUE (table_id, position),
    CHECK (code2 IS NULL OR code1 IS NOT NULL),
    CHECK (code3 IS NULL OR code2 IS NOT NULL)
);
CREATE INDEX table_row_code ON table_row (code1, code2, code3);

CREATE TABLE row_amount (
    row_id   INTEGER NOT NULL REFERENCES table_row(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    key      TEXT NOT NULL,                                -- table_column.key
    value    INTEGER NOT NULL,
    value_dp INTEGER CHECK (value_dp BETWEEN 0 AND 6),
    PRIMARY KEY (row_id, key)
) WITHOUT ROWID;

-- Figures printed in a row whose column could not be told from the source.
CREATE TABLE row_unplaced (
    row_id   INTEGER NOT NULL REFERENCES table_row(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    value    INTEGER NOT NULL,
    value_dp INTEGER CHECK (value_dp BETWEEN 0 AND 6),
    PRIMARY KEY (row_id, position)
) WITHOUT ROWID;

-- Where a row's name or figure was printed: key is a table_column.key or 'name'.
CREATE TABLE row_box (
    row_id   INTEGER NOT NULL REFERENCES table_row(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    key      TEXT NOT NULL,
    page     INTEGER NOT NULL CHECK (page >= 1),
    x0 INTEGER NOT NULL, y0 INTEGER NOT NULL, x1 INTEGER NOT NULL, y1 INTEGER NOT NULL,
    PRIMARY KEY (row_id, key)
) WITHOUT ROWID;

-- 说明 --------------------------------------------------------------------------------------
-- 目录: the table of contents as printed, in order (format 2 `contents`).
CREATE TABLE contents_entry (
    disclosure_id INTEGER NOT NULL REFERENCES disclosure(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    title         TEXT NOT NULL,
    number        TEXT,
    page          INTEGER CHECK (page >= 1),
    type          TEXT,                                    -- db/table_types.tsv id when known
    PRIMARY KEY (disclosure_id, position)
) WITHOUT ROWID;

CREATE TABLE explanation (
    id            INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL REFERENCES disclosure(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    key           TEXT NOT NULL,
    number        TEXT,
    title         TEXT NOT NULL,
    page          INTEGER CHECK (page >= 1),
    box_page      INTEGER, box_x0 INTEGER, box_y0 INTEGER, box_x1 INTEGER, box_y1 INTEGER,
    UNIQUE (disclosure_id, key)
);

CREATE TABLE explanation_paragraph (
    id             INTEGER PRIMARY KEY,
    explanation_id INTEGER NOT NULL REFERENCES explanation(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    value          TEXT NOT NULL,
    UNIQUE (explanation_id, position)
);

CREATE TABLE explanation_figure (
    explanation_id INTEGER NOT NULL REFERENCES explanation(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    label          TEXT NOT NULL,
    code1          TEXT, code2 TEXT, code3 TEXT,
    amount         INTEGER CHECK (amount >= 0),
    amount_dp      INTEGER CHECK (amount_dp BETWEEN 0 AND 6),
    share          INTEGER CHECK (share >= 0),
    share_dp       INTEGER CHECK (share_dp BETWEEN 0 AND 6),
    change         INTEGER,
    change_dp      INTEGER CHECK (change_dp BETWEEN 0 AND 6),
    change_percent INTEGER,
    change_percent_dp INTEGER CHECK (change_percent_dp BETWEEN 0 AND 6),
    reason         TEXT,
    detail         TEXT,
    box_page       INTEGER, box_x0 INTEGER, box_y0 INTEGER, box_x1 INTEGER, box_y1 INTEGER,
    PRIMARY KEY (explanation_id, position)
) WITHOUT ROWID;

-- 项目 ----------------------------------------------------------------------------------------
CREATE TABLE project (
    id             INTEGER PRIMARY KEY,
    disclosure_id  INTEGER NOT NULL REFERENCES disclosure(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    slug           TEXT NOT NULL CHECK (slug NOT GLOB '*[^a-z0-9-]*'),
    withheld       INTEGER NOT NULL DEFAULT 0 CHECK (withheld IN (0, 1)),
    name           TEXT,
    table_name     TEXT,
    code1          TEXT, code2 TEXT, code3 TEXT,
    amount         INTEGER CHECK (amount >= 0),         -- none printed: only quarterly plans
    amount_dp      INTEGER CHECK (amount_dp BETWEEN 0 AND 6),
    policy_basis   TEXT,
    executing_unit TEXT,
    period         TEXT,
    self_evaluation INTEGER CHECK (self_evaluation >= 0), -- 绩效自评得分
    self_evaluation_dp INTEGER CHECK (self_evaluation_dp BETWEEN 0 AND 6),
    summary        TEXT,                                -- 项目概述
    plan           TEXT,                                -- 实施方案
    UNIQUE (disclosure_id, slug),
    CHECK ((withheld = 1) = (name IS NULL))      -- named, or withheld: never both, never neither
);

CREATE TABLE project_economic (
    project_id INTEGER NOT NULL REFERENCES project(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    key        TEXT NOT NULL,
    value      INTEGER NOT NULL CHECK (value >= 0),
    value_dp   INTEGER CHECK (value_dp BETWEEN 0 AND 6),
    PRIMARY KEY (project_id, key)
) WITHOUT ROWID;

CREATE TABLE allocation (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL UNIQUE REFERENCES project(id) ON DELETE CASCADE,
    text       TEXT
);

CREATE TABLE allocation_item (
    allocation_id INTEGER NOT NULL REFERENCES allocation(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    item          TEXT NOT NULL,
    amount        INTEGER NOT NULL CHECK (amount >= 0),
    amount_dp     INTEGER CHECK (amount_dp BETWEEN 0 AND 6),
    PRIMARY KEY (allocation_id, position)
) WITHOUT ROWID;

-- 项目支出绩效目标表
CREATE TABLE performance_target (
    id             INTEGER PRIMARY KEY,
    project_id     INTEGER NOT NULL UNIQUE REFERENCES project(id) ON DELETE CASCADE,
    funding_total  INTEGER CHECK (funding_total >= 0),
    funding_total_dp INTEGER CHECK (funding_total_dp BETWEEN 0 AND 6),
    funding_fiscal INTEGER CHECK (funding_fiscal >= 0),
    funding_fiscal_dp INTEGER CHECK (funding_fiscal_dp BETWEEN 0 AND 6),
    funding_other  INTEGER CHECK (funding_other >= 0),
    funding_other_dp INTEGER CHECK (funding_other_dp BETWEEN 0 AND 6),
    objective      TEXT
);

CREATE TABLE indicator (
    target_id INTEGER NOT NULL REFERENCES performance_target(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    level1    TEXT NOT NULL,
    level2    TEXT NOT NULL,
    name      TEXT,
    value     TEXT,
    op        TEXT CHECK (op = '≥' OR op = '≤' OR op = '=' OR op = '>' OR op = '<'),
    number    INTEGER CHECK (number >= 0),
    number_dp INTEGER CHECK (number_dp BETWEEN 0 AND 6),
    unit      TEXT,
    PRIMARY KEY (target_id, position),
    CHECK ((name IS NULL) = (value IS NULL))
) WITHOUT ROWID;

CREATE TABLE withheld (
    id            INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL UNIQUE REFERENCES disclosure(id) ON DELETE CASCADE,
    count         INTEGER NOT NULL CHECK (count >= 0),
    amount        INTEGER NOT NULL CHECK (amount >= 0),
    amount_dp     INTEGER CHECK (amount_dp BETWEEN 0 AND 6),
    legal_source  TEXT,
    basis         TEXT,
    text          TEXT
);

-- 三公, 机关运行经费, 政府采购, 国有资产, 绩效 ------------------------------------------------
-- A 预算 gives amount; a 决算 gives budget and final side by side.
CREATE TABLE sangong (
    id            INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL UNIQUE REFERENCES disclosure(id) ON DELETE CASCADE,
    amount        INTEGER CHECK (amount >= 0),
    amount_dp     INTEGER CHECK (amount_dp BETWEEN 0 AND 6),
    budget        INTEGER CHECK (budget >= 0),
    budget_dp     INTEGER CHECK (budget_dp BETWEEN 0 AND 6),
    final         INTEGER CHECK (final >= 0),
    final_dp      INTEGER CHECK (final_dp BETWEEN 0 AND 6),
    change        INTEGER,
    change_dp     INTEGER CHECK (change_dp BETWEEN 0 AND 6),
    unit          TEXT CHECK (unit = '元' OR unit = '万元' OR unit = '千元' OR unit = '亿元')
);

CREATE TABLE sangong_item (
    sangong_id INTEGER NOT NULL REFERENCES sangong(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    key        TEXT NOT NULL
               CHECK (key = 'abroad' OR key = 'vehicle_purchase' OR key = 'vehicle_operation' OR
                      key = 'reception' OR key = 'meeting' OR key = 'training' OR key = 'vehicle'),
    label      TEXT NOT NULL,
    amount     INTEGER CHECK (amount >= 0),
    amount_dp  INTEGER CHECK (amount_dp BETWEEN 0 AND 6),
    budget     INTEGER CHECK (budget >= 0),
    budget_dp  INTEGER CHECK (budget_dp BETWEEN 0 AND 6),
    final      INTEGER CHECK (final >= 0),
    final_dp   INTEGER CHECK (final_dp BETWEEN 0 AND 6),
    change     INTEGER,
    change_dp  INTEGER CHECK (change_dp BETWEEN 0 AND 6),
    reason     TEXT,
    PRIMARY KEY (sangong_id, key)
) WITHOUT ROWID;

CREATE TABLE operating_costs (
    id                   INTEGER PRIMARY KEY,
    disclosure_id        INTEGER NOT NULL UNIQUE REFERENCES disclosure(id) ON DELETE CASCADE,
    amount               INTEGER CHECK (amount >= 0),
    amount_dp            INTEGER CHECK (amount_dp BETWEEN 0 AND 6),
    budget               INTEGER CHECK (budget >= 0),
    budget_dp            INTEGER CHECK (budget_dp BETWEEN 0 AND 6),
    final                INTEGER CHECK (final >= 0),
    final_dp             INTEGER CHECK (final_dp BETWEEN 0 AND 6),
    change               INTEGER,
    change_dp            INTEGER CHECK (change_dp BETWEEN 0 AND 6),
    change_percent       INTEGER,
    change_percent_dp    INTEGER CHECK (change_percent_dp BETWEEN 0 AND 6),
    reason               TEXT,
    administrative_units INTEGER CHECK (administrative_units >= 0),
    institutional_units  INTEGER CHECK (institutional_units >= 0),
    unit                 TEXT CHECK (unit = '元' OR unit = '万元' OR unit = '千元' OR unit = '亿元')
);

CREATE TABLE procurement (
    id                   INTEGER PRIMARY KEY,
    disclosure_id        INTEGER NOT NULL UNIQUE REFERENCES disclosure(id) ON DELETE CASCADE,
    amount               INTEGER NOT NULL CHECK (amount >= 0),
    amount_dp            INTEGER CHECK (amount_dp BETWEEN 0 AND 6),
    goods                INTEGER CHECK (goods >= 0),
    goods_dp             INTEGER CHECK (goods_dp BETWEEN 0 AND 6),
    works                INTEGER CHECK (works >= 0),
    works_dp             INTEGER CHECK (works_dp BETWEEN 0 AND 6),
    services             INTEGER CHECK (services >= 0),
    services_dp          INTEGER CHECK (services_dp BETWEEN 0 AND 6),
    sme_reserved         INTEGER CHECK (sme_reserved >= 0),
    sme_reserved_dp      INTEGER CHECK (sme_reserved_dp BETWEEN 0 AND 6),
    small_micro_reserved INTEGER CHECK (small_micro_reserved >= 0),
    small_micro_reserved_dp INTEGER CHECK (small_micro_reserved_dp BETWEEN 0 AND 6)
);

CREATE TABLE assets (
    id                         INTEGER PRIMARY KEY,
    disclosure_id              INTEGER NOT NULL UNIQUE REFERENCES disclosure(id) ON DELETE CASCADE,
    as_of                      TEXT,
    building_area              INTEGER CHECK (building_area >= 0),
    building_area_dp           INTEGER CHECK (building_area_dp BETWEEN 0 AND 6),
    building_value             INTEGER CHECK (building_value >= 0),
    building_value_dp          INTEGER CHECK (building_value_dp BETWEEN 0 AND 6),
    furniture_value            INTEGER CHECK (furniture_value >= 0),
    furniture_value_dp         INTEGER CHECK (furniture_value_dp BETWEEN 0 AND 6),
    other_value                INTEGER CHECK (other_value >= 0),
    other_value_dp             INTEGER CHECK (other_value_dp BETWEEN 0 AND 6),
    equipment_over_50          INTEGER CHECK (equipment_over_50 >= 0),
    equipment_over_100         INTEGER CHECK (equipment_over_100 >= 0),
    planned_vehicle_purchase   INTEGER CHECK (planned_vehicle_purchase >= 0),
    planned_vehicle_purchase_dp INTEGER CHECK (planned_vehicle_purchase_dp BETWEEN 0 AND 6),
    planned_equipment_over_50  INTEGER CHECK (planned_equipment_over_50 >= 0),
    planned_equipment_over_100 INTEGER CHECK (planned_equipment_over_100 >= 0),
    planned_vehicles           INTEGER CHECK (planned_vehicles >= 0)
);

CREATE TABLE asset_vehicle (
    assets_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind = 'total' OR kind = 'general' OR kind = 'enforcement' OR
                                   kind = 'other' OR kind = 'ministerial' OR kind = 'leader' OR
                                   kind = 'confidential' OR kind = 'emergency' OR kind = 'special' OR
                                   kind = 'retiree'),
    label     TEXT NOT NULL,
    count     INTEGER NOT NULL CHECK (count >= 0),
    value     INTEGER CHECK (value >= 0),
    value_dp  INTEGER CHECK (value_dp BETWEEN 0 AND 6),
    PRIMARY KEY (assets_id, kind)
) WITHOUT ROWID;

CREATE TABLE performance_summary (
    id            INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL UNIQUE REFERENCES disclosure(id) ON DELETE CASCADE,
    project_count INTEGER NOT NULL CHECK (project_count >= 0),
    amount        INTEGER NOT NULL CHECK (amount >= 0),
    amount_dp     INTEGER CHECK (amount_dp BETWEEN 0 AND 6),
    text          TEXT
);

-- 名词解释 ------------------------------------------------------------------------------------
CREATE TABLE glossary_term (
    id            INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL REFERENCES disclosure(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    number        TEXT,
    term          TEXT NOT NULL,
    definition    TEXT NOT NULL,
    UNIQUE (disclosure_id, position)
);

-- 核对 ---------------------------------------------------------------------------------------
-- What the audit rules found in this disclosure (issue 12), written by budgetctl import with
-- the disclosure. body is the finding as JSON text, exactly as the engine gave it; rule,
-- family and severity are copies of its members for filtering. The store knows no rule.
CREATE TABLE finding (
    id            INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL REFERENCES disclosure(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    rule          TEXT NOT NULL CHECK (length(rule) BETWEEN 1 AND 32),
    family        TEXT NOT NULL CHECK (family = 'table' OR family = 'cross' OR family = 'text' OR
                                       family = 'document'),
    severity      TEXT NOT NULL CHECK (severity = 'error' OR severity = 'warning' OR
                                       severity = 'info'),
    body          TEXT NOT NULL CHECK (json_valid(body)),
    UNIQUE (disclosure_id, position)
);
CREATE INDEX finding_filter ON finding (severity, rule);

-- The version is set by derived.sql, run after this file.
