-- SPDX-License-Identifier: MIT
-- wrk script for tests/bench/cachekey: with BUST=1 in the environment every request adds
-- ?zz=<random> (the cache buster of issue #13), else wrk's default request; the BENCH line
-- at the end is report.lua's (loaded from beside this file).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")
local bust = os.getenv("BUST") == "1"
math.randomseed(os.time())
request = function()
	if not bust then
		return wrk.format(nil, wrk.path)
	end
	return wrk.format(nil, wrk.path .. "?zz=" .. math.random(1, 2000000000))
end
