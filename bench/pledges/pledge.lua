-- wrk script: authenticated residents pledge to one hot need. Each request carries a fresh
-- Idempotency-Key; every REPEAT_EVERY-th request re-sends the previous key (a client retry),
-- which must come back 200 with the same pledge and store nothing new.
-- Env: BENCH_PATH, BENCH_TOKENS (comma-separated), BENCH_BODY, BENCH_REPEAT_EVERY (0 = never),
-- BENCH_RUN (a prefix that makes keys unique across wrk runs).
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  path = os.getenv("BENCH_PATH")
  body = os.getenv("BENCH_BODY") or "{}"
  repeat_every = tonumber(os.getenv("BENCH_REPEAT_EVERY") or "0")
  run = os.getenv("BENCH_RUN") or "r"
  tokens = {}
  for t in string.gmatch(os.getenv("BENCH_TOKENS"), "[^,]+") do table.insert(tokens, t) end
  n, last_key, last_token = 0, nil, nil
  status_2xx_new, status_2xx_repeat, status_other, repeats_sent = 0, 0, 0, 0
end

function request()
  n = n + 1
  local key, token
  if repeat_every > 0 and last_key and n % repeat_every == 0 then
    key, token = last_key, last_token
    repeats_sent = repeats_sent + 1
  else
    key = run .. "-w" .. id .. "-" .. n
    token = tokens[(n + id) % #tokens + 1]
  end
  last_key, last_token = key, token
  return wrk.format("POST", path, {
    ["Authorization"] = "Token " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = key,
  }, body)
end

function response(status, headers, body)
  if status == 201 then status_2xx_new = status_2xx_new + 1
  elseif status == 200 then status_2xx_repeat = status_2xx_repeat + 1
  else status_other = status_other + 1 end
end

function done(summary, latency, requests)
  local new, rep, other, sent_rep = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    new = new + t:get("status_2xx_new")
    rep = rep + t:get("status_2xx_repeat")
    other = other + t:get("status_other")
    sent_rep = sent_rep + t:get("repeats_sent")
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, ' ..
    '"errors_connect": %d, "errors_read": %d, "errors_timeout": %d, "errors_status": %d, ' ..
    '"created_201": %d, "repeat_200": %d, "other_status": %d, "repeats_sent": %d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.timeout, summary.errors.status,
    new, rep, other, sent_rep))
end
