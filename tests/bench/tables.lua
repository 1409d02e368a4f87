-- SPDX-License-Identifier: MIT
-- wrk script for tests/bench/scale: every request is a table of a disclosure picked at
-- random in a store made by gen.py (departments dept-00001..DEPARTMENTS, budget years
-- FIRST_YEAR..LAST_YEAR, tables 1..TABLES, from the environment); SEED fixes the sequence
-- of each wrk thread. The BENCH line at the end is report.lua's (loaded from beside this file).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")
local departments = tonumber(os.getenv("DEPARTMENTS") or "2000")
local first_year = tonumber(os.getenv("FIRST_YEAR") or "2017")
local last_year = tonumber(os.getenv("LAST_YEAR") or "2021")
local tables = tonumber(os.getenv("TABLES") or "9")
local width = math.max(5, #tostring(departments))
local format = "/api/v1/departments/dept-%0" .. width .. "d/budgets/%d/tables/%d"
math.randomseed(tonumber(os.getenv("SEED") or "1"))
request = function()
	local path = string.format(format, math.random(1, departments),
		math.random(first_year, last_year), math.random(1, tables))
	return wrk.format(nil, path)
end
