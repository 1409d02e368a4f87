-- SPDX-License-Identifier: MIT
-- wrk script for tests/bench/run: keeps wrk's default request (with the -H headers) and
-- prints one machine-readable line at the end, next to wrk's own report:
--   BENCH requests duration_us bytes connect_err read_err write_err status_err timeout_err p50_us p99_us
-- status_err counts responses with a status above 399 (wrk's "Non-2xx or 3xx responses").
done = function(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("BENCH %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f %.0f\n",
		summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
		e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
