-- SPDX-License-Identifier: MIT
-- wrk script for tests/bench/cachekey: with BUST=1 in the environment every request adds
-- ?zz=<random> (the cache buster of issue #13), else wrk's default request; prints the
-- BENCH line of report.lua at the end.
local bust = os.getenv("BUST") == "1"
math.randomseed(os.time())
request = function()
	if not bust then
		return wrk.format(nil, wrk.path)
	end
	return wrk.format(nil, wrk.path .. "?zz=" .. math.random(1, 2000000000))
end
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("BENCH %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f\n",
		summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
		e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
