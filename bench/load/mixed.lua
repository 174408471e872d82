-- Mixed task traffic for wrk: list, read, create, update and delete under /api/{user}/tasks.
--
-- Run with as many connections as threads (-c = -t): each thread then has one
-- connection with one request in flight, so every response is matched to the
-- operation that asked for it. Each thread is its own user (LOAD_TOKENS, one
-- token per thread, for users load-1, load-2, ...) and keeps the ids the API
-- acknowledged; done() writes them to LOAD_RESULT for run.py to compare with
-- the database.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  local index = #threads
  local tokens = {}
  for token in string.gmatch(os.getenv("LOAD_TOKENS") or "", "[^,]+") do
    table.insert(tokens, token)
  end
  thread:set("user", "load-" .. index)
  thread:set("token", tokens[index])
  thread:set("seed", index * 7919)
end

-- Per-thread state (each thread has its own Lua state).
live = {}        -- ids the API acknowledged creating and not yet deleting, in a dense array
position = {}    -- id -> index in live, so a delete is O(1)
created = {}     -- every id whose creation was acknowledged
deleted = {}     -- every id whose deletion was acknowledged
statuses = {}    -- status -> count
pending = nil    -- the operation waiting for its response
sequence = 0

function init(args)
  math.randomseed(seed)
  headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }
  base = "/api/" .. user .. "/tasks"
end

local function forget(id)
  local i = position[id]
  local last = live[#live]
  live[i] = last
  position[last] = i
  live[#live] = nil
  position[id] = nil
end

local lists = { "?limit=20", "?status=pending&limit=20", "?search=load&limit=10", "?ordering=title&limit=20&offset=5" }

function request()
  -- A pending operation being replaced means its answer never came: wrk counts that as a socket
  -- error and reconnects. (wrk also calls request() once before the run, to check for pipelining.)
  sequence = sequence + 1
  local roll = math.random()
  local id = #live > 0 and live[math.random(#live)] or nil
  local op
  if id == nil or roll < 0.20 then
    op = "create"
  elseif roll < 0.35 then
    op = "update"
  elseif roll < 0.45 then
    op = "delete"
  elseif roll < 0.75 then
    op = "list"
  else
    op = "read"
  end
  pending = { op = op, id = id }
  if op == "create" then
    local body = string.format('{"title":"load %s %d","description":"created by wrk"}', user, sequence)
    return wrk.format("POST", base, headers, body)
  elseif op == "update" then
    if sequence % 2 == 0 then
      return wrk.format("PATCH", base .. "/" .. id, headers, string.format('{"title":"load edit %d"}', sequence))
    end
    return wrk.format("PUT", base .. "/" .. id, headers, '{"title":"load put","completed":true}')
  elseif op == "delete" then
    return wrk.format("DELETE", base .. "/" .. id, headers)
  elseif op == "list" then
    return wrk.format("GET", base .. lists[math.random(#lists)], headers)
  end
  return wrk.format("GET", base .. "/" .. id, headers)
end

function response(status, response_headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local op = pending
  pending = nil
  if op == nil then
    return
  end
  if op.op == "create" and status == 201 then
    local id = tonumber(string.match(body, '"id"%s*:%s*(%d+)'))
    if id ~= nil then
      table.insert(created, id)
      table.insert(live, id)
      position[id] = #live
    end
  elseif op.op == "delete" and status == 204 then
    table.insert(deleted, op.id)
    forget(op.id)
  end
end

local function json_list(values)
  local parts = {}
  for _, v in ipairs(values) do
    table.insert(parts, tostring(v))
  end
  return "[" .. table.concat(parts, ",") .. "]"
end

function done(summary, latency, requests)
  local users = {}
  local status_counts = {}
  for _, thread in ipairs(threads) do
    -- wrk may stop a thread with a request still in flight; the server finishes it unseen. A delete
    -- in flight leaves its row's fate unknown, so run.py does not count that row as lost.
    local in_flight = thread:get("pending")
    local unknown = (in_flight ~= nil and in_flight.op == "delete") and in_flight.id or "null"
    local creating = tostring(in_flight ~= nil and in_flight.op == "create")
    table.insert(users, string.format(
      '{"user":"%s","created":%s,"deleted":%s,"delete_in_flight":%s,"create_in_flight":%s}',
      thread:get("user"), json_list(thread:get("created")), json_list(thread:get("deleted")), unknown, creating))
    for status, count in pairs(thread:get("statuses")) do
      status_counts[status] = (status_counts[status] or 0) + count
    end
  end
  local statuses_json = {}
  for status, count in pairs(status_counts) do
    table.insert(statuses_json, string.format('"%d":%d', status, count))
  end
  local e = summary.errors
  local out = assert(io.open(os.getenv("LOAD_RESULT"), "w"))
  out:write(string.format(
    '{"duration_us":%d,"requests":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"statuses":{%s},"users":[%s]}\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    table.concat(statuses_json, ","), table.concat(users, ",")))
  out:close()
end
