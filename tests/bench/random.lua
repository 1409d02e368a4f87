-- SPDX-License-Identifier: MIT
-- Usage: tests/bench/urls.py STORE > urls.txt
--        URLS=urls.txt SEED=1 wrk -t1 -c8 -d10s -s tests/bench/random.lua http://127.0.0.1:PORT
-- wrk script for issue #17's random access: every request picks a disclosure at random from
-- the URL list (one line per disclosure in the store: its path, its level, its table
-- numbers; made by urls.py) and then a resource at random: one of its tables as JSON, the
-- same table as CSV (?format=csv), the disclosure itself or its project list; so the tables
-- are 18 of 20 picks and most requests ask for an answer no recent request asked for.
-- SEED fixes the sequence: thread i uses SEED + i, so every server run with the same -t and
-- SEED gets the same requests in the same order per connection-thread. Headers given with -H
-- (Accept-Encoding: gzip) are sent with every request. The BENCH line at the end is
-- report.lua's (loaded from beside this file).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

local threads = 0
setup = function(thread)
	thread:set("thread_index", threads)
	threads = threads + 1
end

local disclosures = {}

-- One line: PATH<TAB>LEVEL<TAB>N,N,... (LEVEL is department or unit).
local function load(name)
	local file = assert(io.open(name, "r"), "URLS: cannot open " .. name)
	for line in file:lines() do
		local path, level, numbers = line:match("^(%S+)\t(%S+)\t(%S+)$")
		if path then
			local tables = {}
			for n in numbers:gmatch("%d+") do
				tables[#tables + 1] = n
			end
			disclosures[#disclosures + 1] = {path = path, unit = level == "unit", tables = tables}
		end
	end
	file:close()
	assert(#disclosures > 0, "URLS: no disclosure in " .. name)
end

init = function(args)
	load(os.getenv("URLS") or "urls.txt")
	math.randomseed(tonumber(os.getenv("SEED") or "1") + (thread_index or 0))
end

-- The query string of a resource: format first, then level, as the site's links write them.
local function query(csv, unit)
	if csv and unit then return "?format=csv&level=unit" end
	if csv then return "?format=csv" end
	if unit then return "?level=unit" end
	return ""
end

request = function()
	local d = disclosures[math.random(1, #disclosures)]
	local pick = math.random(1, 2 * #d.tables + 2)
	local path
	if pick <= #d.tables then
		path = d.path .. "/tables/" .. d.tables[pick] .. query(false, d.unit)
	elseif pick <= 2 * #d.tables then
		path = d.path .. "/tables/" .. d.tables[pick - #d.tables] .. query(true, d.unit)
	elseif pick == 2 * #d.tables + 1 then
		path = d.path .. query(false, d.unit)
	else
		path = d.path .. "/projects" .. query(false, d.unit)
	end
	return wrk.format(nil, path)
end
