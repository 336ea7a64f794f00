-- wrk script for bench/bench_service.py: every request is a new decision with a unique
-- application_id and Idempotency-Key (so nothing is replayed), and the outcome of every answer is
-- counted; done() prints one JSON line the bench parses. Settings come from the environment:
-- VL_MODE (decisions | bare), VL_TOKEN, VL_TAG (unique per run), VL_NATIONALITY.
local mode = os.getenv("VL_MODE") or "decisions"
local token = os.getenv("VL_TOKEN") or ""
local tag = os.getenv("VL_TAG") or "wrk"
local nationality = os.getenv("VL_NATIONALITY") or "IND"
local counter = 0
proceed, other, bad = 0, 0, 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function request()
  if mode == "bare" then
    return wrk.format("GET", "/healthz")
  end
  counter = counter + 1
  local id = tag .. "-" .. tostring(tid) .. "-" .. counter
  local body = '{"application_id":"' .. id .. '","nationality":"' .. nationality ..
    '","category":"work","application_date":"2026-03-10"}'
  return wrk.format("POST", "/v1/decisions", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = id,
  }, body)
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  elseif mode == "bare" or string.find(body, '"outcome":"proceed"', 1, true) then
    proceed = proceed + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local p, o, b = 0, 0, 0
  for _, t in ipairs(threads) do
    p = p + t:get("proceed"); o = o + t:get("other"); b = b + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"ok":%d,"other":%d,"bad_status":%d,' ..
    '"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), p, o, b,
    e.connect + e.read + e.write + e.timeout))
end
