-- Loaded by wrk for every workload of the benchmark (bench/src/main.rs).
-- args: workload ("read", "page", "write", "write-tx", "mixed", "deep-read",
-- "shallow-page" or "deep-page"),
-- a nonce unique to the run, and the number of users of the deep list.
local workload, nonce, deep = "read", "0", 1000000
local counter = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  workload, nonce, deep = args[1] or "read", args[2] or "0", tonumber(args[3] or "1000000")
  math.randomseed(os.time() * 1000 + (tid or 0))
end

local function post_user(path)
  counter = counter + 1
  local name = string.format("w%s_%d_%d", nonce, tid or 0, counter)
  return wrk.format("POST", path or "/users", { ["Content-Type"] = "application/json" },
    string.format('{"name":"%s","email":"%s@bench.example"}', name, name))
end

function request()
  if workload == "write" or (workload == "mixed" and math.random(10) == 1) then
    return post_user()
  elseif workload == "write-tx" then
    -- Only the peers serve it: their create inside BEGIN … COMMIT.
    return post_user("/tx/users")
  elseif workload == "page" then
    return wrk.format("GET", "/users?page=" .. math.random(50) .. "&per_page=20")
  elseif workload == "deep-read" then
    return wrk.format("GET", "/users/" .. math.random(deep))
  elseif workload == "shallow-page" then
    return wrk.format("GET", "/users?after=" .. math.random(1000) .. "&per_page=20")
  elseif workload == "deep-page" then
    -- Anywhere in the last tenth of the list: 900,000 rows deep and more.
    return wrk.format("GET", "/users?after=" .. (deep - math.random(math.floor(deep / 10))) .. "&per_page=20")
  else
    return wrk.format("GET", "/users/" .. math.random(1000))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
