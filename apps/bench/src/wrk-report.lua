-- wrk script of `pnpm bench streams` (src/wrk.mjs): speaks c/pingpong.c's protocol with the runner,
-- so that the node:http rows are measured like the ping-pong rows. "MEASURE_START" as the threads
-- are set up (the runner samples the server's CPU there), "MEASURE_END" once they are done, then
-- one JSON line: a request and its response are one round trip (msgsPerSec = requests/s), with
-- wrk's latency percentiles in microseconds and its error counts (a non-2xx/3xx response is one).
local started = false

function setup(thread)
  if not started then
    started = true
    io.write("MEASURE_START\n")
    io.stdout:flush()
  end
end

function done(summary, latency, requests)
  io.write("MEASURE_END\n")
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.6f,"msgsPerSec":%.2f,"p50Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%.1f,' ..
    '"bytes":%d,"errors":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"statusErrors":%d,"timeouts":%d}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50), latency:percentile(99),
    latency.max, latency.mean, summary.bytes, e.connect + e.read + e.write + e.status + e.timeout,
    e.connect, e.read, e.write, e.status, e.timeout))
  io.stdout:flush()
end
