-- Event generation for the wrk scripts of the local benchmark.
--
-- The 100 event types and their fields are read from EVENT_SPEC in
-- ../k6/events.js (one list for k6 and wrk; see the generator syntax there).
-- wrk's Lua must not become the bottleneck, so each type's specific fields
-- are serialised once, FRAGMENTS variants per type, at thread start; a
-- request then only concatenates a fresh event_uuid, the time and a
-- fragment. event_uuid = <run 8 hex>-<wrk thread 4 hex>-4<3 hex>-<4 hex>-
-- <counter 12 hex>: unique across threads and runs of the same benchmark.
--
-- Environment: SG_INVALID_SHARE and SG_DUP_SHARE (fractions, default 0),
-- SG_STREAM (default events), SG_API_KEY (sent as x-api-key),
-- SG_PARTITION_KEY=1 (single route: send PartitionKey too), SG_SEED (a
-- fixed random seed: the same events every run, for the callgrind measure),
-- SG_REQUESTS (each wrk thread stops after that many answers; with -c1 the
-- workload is then a fixed count of requests one after another).
local M = {}

local FRAGMENTS = 16

M.INVALID_KINDS = {
    "missing_uuid", "bad_uuid", "missing_name", "empty_name_part",
    "created_at_ms", "created_at_string", "negative_created_at", "not_object",
}

local LISTS = {
    country = { "FR", "DE", "GB", "US", "ES", "IT", "NL", "BR", "IN", "JP", "CA", "PL" },
    currency = { "EUR", "USD", "GBP", "BRL", "INR", "JPY", "CAD", "PLN" },
    locale = { "fr-FR", "en-GB", "en-US", "de-DE", "es-ES", "pt-BR", "ja-JP", "it-IT" },
    platform = { "web", "ios", "android", "desktop" },
    words = { "intro", "advanced", "python", "design", "budget", "guitar", "spanish", "data",
        "marketing", "cloud", "security", "photo", "writing", "math", "history", "cooking" },
    tags = { "beginner", "video", "mobile", "promo", "team", "beta", "archived", "featured" },
}

-- Directory of this file, to find ../k6/events.js.
function M.dir()
    local src = debug.getinfo(1, "S").source
    return src:match("^@(.*/)") or "./"
end

local function split(s, sep)
    local out = {}
    for part in (s .. sep):gmatch("(.-)" .. sep:gsub("%p", "%%%0")) do
        out[#out + 1] = part
    end
    return out
end

-- Reads EVENT_SPEC out of k6/events.js: { { name = ..., fields = { {k, gen} } } }.
function M.load_spec()
    local path = M.dir() .. "../k6/events.js"
    local f = assert(io.open(path, "r"), "cannot open " .. path)
    local js = f:read("*a")
    f:close()
    local spec = assert(js:match("EVENT_SPEC = `(.-)`"), "EVENT_SPEC not found in " .. path)
    local types = {}
    for line in spec:gmatch("[^\n]+") do
        local name, rest = line:match("^%s*(%S+)%s*(.*)$")
        if name then
            local fields = {}
            for pair in rest:gmatch("%S+") do
                local k, gen = pair:match("^([^=]+)=(.+)$")
                assert(k, "bad field " .. pair .. " in " .. name)
                fields[#fields + 1] = { k, gen }
            end
            types[#types + 1] = { name = name, fields = fields }
        end
    end
    assert(#types == 100, "expected 100 event types, got " .. #types)
    return types
end

local function pick(list)
    return list[math.random(#list)]
end

local function q(s)
    return '"' .. s .. '"'
end

-- One JSON value per generator kind (names match events.js).
local gens = {}
gens["id"] = function(a)
    local chars, s = "0123456789abcdefghijklmnopqrstuvwxyz", {}
    for i = 1, 10 do
        local k = math.random(36)
        s[i] = chars:sub(k, k)
    end
    return q(a[1] .. "_" .. table.concat(s))
end
gens["int"] = function(a) return tostring(math.random(tonumber(a[1]), tonumber(a[2]))) end
gens["num"] = function(a)
    local lo, hi = tonumber(a[1]), tonumber(a[2])
    return string.format("%." .. a[3] .. "f", lo + math.random() * (hi - lo))
end
gens["enum"] = function(a) return q(pick(split(table.concat(a, ":"), "|"))) end
gens["bool"] = function() return math.random() < 0.5 and "true" or "false" end
gens["email"] = function() return q("user" .. math.random(999999) .. "@example.com") end
gens["ip"] = function()
    return q(pick({ "192.0.2", "198.51.100", "203.0.113" }) .. "." .. math.random(254))
end
gens["uuid"] = function()
    return q(string.format("%08x-%04x-4%03x-%04x-%06x%06x", math.random(0, 2 ^ 31),
        math.random(0, 65535), math.random(0, 4095), 0x8000 + math.random(0, 0x3fff),
        math.random(0, 2 ^ 24 - 1), math.random(0, 2 ^ 24 - 1)))
end
gens["ts"] = function() return tostring(os.time() - math.random(0, 30 * 86400)) end
gens["text"] = function(a)
    local w = {}
    for i = 1, tonumber(a[1]) do
        w[i] = pick(LISTS.words)
    end
    return q(table.concat(w, " "))
end
gens["tags"] = function()
    local t = {}
    for i = 1, math.random(0, 3) do
        t[i] = q(pick(LISTS.tags))
    end
    return "[" .. table.concat(t, ",") .. "]"
end
gens["url"] = function(a) return q("https://app.example.com/" .. a[1] .. "/" .. math.random(99999)) end
for _, list in ipairs({ "country", "currency", "locale", "platform" }) do
    gens[list] = function() return q(pick(LISTS[list])) end
end

local function value(gen)
    local parts = split(gen, ":")
    local kind = table.remove(parts, 1)
    local f = assert(gens[kind], "unknown generator " .. gen)
    return f(parts)
end

-- ',"field":value,...' for one event of type t.
local function fragment(t)
    local out = {}
    for i, kv in ipairs(t.fields) do
        out[i] = ',"' .. kv[1] .. '":' .. value(kv[2])
    end
    return table.concat(out)
end

local function env_number(name, default)
    local v = os.getenv(name)
    if v == nil or v == "" then
        return default
    end
    return assert(tonumber(v), name .. " must be a number")
end

-- A 32-bit run id from /dev/urandom (falls back on the clock).
function M.run_id()
    local f = io.open("/dev/urandom", "rb")
    if f then
        local b = f:read(4)
        f:close()
        if b and #b == 4 then
            return ((b:byte(1) * 256 + b:byte(2)) * 256 + b:byte(3)) * 256 + b:byte(4)
        end
    end
    return os.time() % 2 ^ 32
end

-- A generator for wrk thread tid of run run. next() returns json, uuid, kind.
function M.generator(run, tid)
    local seed = tonumber(os.getenv("SG_SEED") or "")
    math.randomseed(seed and seed + tid * 7919 or os.time() + tid * 7919 + run % 65536)
    local types = M.load_spec()
    local frags = {}
    for i, t in ipairs(types) do
        frags[i] = {}
        for j = 1, FRAGMENTS do
            frags[i][j] = fragment(t)
        end
    end
    local g = {
        invalid_share = env_number("SG_INVALID_SHARE", 0),
        dup_share = env_number("SG_DUP_SHARE", 0),
        generated = 0, invalid = 0, duplicates = 0,
    }
    local prefix = string.format("%08x-%04x-4%03x-%04x-", run % 2 ^ 32, tid % 65536,
        math.random(0, 4095), 0x8000 + math.random(0, 0x3fff))
    local counter, inv_acc, dup_acc = 0, 0, 0
    local last_json, last_uuid = nil, nil
    local ntypes = #types

    local function build(uuid, name, ts, frag)
        return '{"event_uuid":"' .. uuid .. '","event_name":"' .. name .. '","created_at":'
            .. ts .. frag .. "}"
    end

    local function invalid(uuid, name, ts, frag)
        local kind = M.INVALID_KINDS[math.random(#M.INVALID_KINDS)]
        local json
        if kind == "missing_uuid" then
            json = '{"event_name":"' .. name .. '","created_at":' .. ts .. frag .. "}"
        elseif kind == "bad_uuid" then
            json = build(uuid:sub(1, 30), name, ts, frag)
        elseif kind == "missing_name" then
            json = '{"event_uuid":"' .. uuid .. '","created_at":' .. ts .. frag .. "}"
        elseif kind == "empty_name_part" then
            json = build(uuid, name .. ":", ts, frag)
        elseif kind == "created_at_ms" then
            json = build(uuid, name, ts * 1000, frag)
        elseif kind == "created_at_string" then
            json = build(uuid, name, '"' .. ts .. '"', frag)
        elseif kind == "negative_created_at" then
            json = build(uuid, name, "-1", frag)
        else
            json = "[" .. build(uuid, name, ts, frag) .. "]"
        end
        return json, kind
    end

    -- One valid event whose event_uuid is prefix .. R .. pos3, R being a
    -- 9-hex request part filled in later: returns the JSON before R and after
    -- it (records.lua pre-builds its bodies from these, so a request only
    -- sets R; pos < 4096).
    g.prefix = prefix
    function g.split(pos)
        local ti = math.random(ntypes)
        local frag = frags[ti][math.random(FRAGMENTS)]
        local tail = string.format("%03x", pos)
        return '{"event_uuid":"' .. prefix, tail .. '","event_name":"' .. types[ti].name
            .. '","created_at":' .. os.time() .. frag .. "}", tail
    end

    function g.next()
        g.generated = g.generated + 1
        inv_acc = inv_acc + g.invalid_share
        dup_acc = dup_acc + g.dup_share
        if dup_acc >= 1 and last_json ~= nil then
            dup_acc = dup_acc - 1
            g.duplicates = g.duplicates + 1
            return last_json, last_uuid, "duplicate"
        end
        local ti = math.random(ntypes)
        local uuid = prefix .. string.format("%06x%06x", math.floor(counter / 16777216),
            counter % 16777216)
        counter = counter + 1
        local ts = os.time()
        local frag = frags[ti][math.random(FRAGMENTS)]
        if inv_acc >= 1 then
            inv_acc = inv_acc - 1
            g.invalid = g.invalid + 1
            local json, kind = invalid(uuid, types[ti].name, ts, frag)
            return json, uuid, kind
        end
        last_json, last_uuid = build(uuid, types[ti].name, ts, frag), uuid
        return last_json, uuid, "valid"
    end

    return g
end

-- Request headers for the gateway routes.
function M.headers()
    local h = { ["Content-Type"] = "application/json" }
    local key = os.getenv("SG_API_KEY")
    if key and key ~= "" then
        h["x-api-key"] = key
    end
    return h
end

-- Counts one answer by status, in the thread's global sg_statuses table.
-- With SG_REQUESTS set, stops the thread once it has that many answers.
sg_statuses = {}
local answers, max_answers = 0, tonumber(os.getenv("SG_REQUESTS") or "")
function M.count_status(status)
    sg_statuses[status] = (sg_statuses[status] or 0) + 1
    answers = answers + 1
    if max_answers and answers >= max_answers then
        wrk.thread:stop()
    end
end

-- Shared wrk hooks: thread numbering and the done() summary.
-- counters: names of per-thread globals summed into the summary.
local threads = {}
local next_tid = 0
local run = nil

function M.setup(thread)
    run = run or M.run_id()
    next_tid = next_tid + 1
    thread:set("sg_tid", next_tid)
    thread:set("sg_run", run)
    threads[#threads + 1] = thread
end

-- A global of the first wrk thread (from the main state, in done()).
function M.thread_value(name)
    return threads[1] and threads[1]:get(name)
end

function M.done(route, per_request, summary, latency, counters)
    local total = {}
    for _, name in ipairs(counters) do
        total[name] = 0
        for _, t in ipairs(threads) do
            total[name] = total[name] + (tonumber(t:get(name)) or 0)
        end
    end
    local secs = summary.duration / 1e6
    local e = summary.errors
    local line = {
        "SG_RESULT", "route=" .. route, "events_per_request=" .. per_request,
        "requests=" .. summary.requests, string.format("duration_s=%.3f", secs),
        string.format("requests_per_s=%.1f", summary.requests / secs),
        string.format("p50_ms=%.3f", latency:percentile(50) / 1000),
        string.format("p90_ms=%.3f", latency:percentile(90) / 1000),
        string.format("p99_ms=%.3f", latency:percentile(99) / 1000),
        string.format("max_ms=%.3f", latency.max / 1000),
        "errors_connect=" .. e.connect, "errors_read=" .. e.read, "errors_write=" .. e.write,
        "errors_timeout=" .. e.timeout, "errors_status=" .. e.status,
    }
    for _, name in ipairs(counters) do
        line[#line + 1] = name .. "=" .. string.format("%d", total[name])
    end
    -- Every status seen, e.g. statuses=200:1000,503:2 (threads' sg_statuses tables).
    local by_status, codes = {}, {}
    for _, t in ipairs(threads) do
        for code, n in pairs(t:get("sg_statuses") or {}) do
            if not by_status[code] then
                codes[#codes + 1] = code
            end
            by_status[code] = (by_status[code] or 0) + n
        end
    end
    table.sort(codes)
    local list = {}
    for i, code in ipairs(codes) do
        list[i] = code .. ":" .. string.format("%d", by_status[code])
    end
    line[#line + 1] = "statuses=" .. (#list > 0 and table.concat(list, ",") or "-")
    line[#line + 1] = string.format("events_acked_per_s=%.1f", (total.events_acked or 0) / secs)
    io.write(table.concat(line, " "), "\n")
    return total
end

return M
