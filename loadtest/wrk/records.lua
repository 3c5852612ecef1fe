-- wrk script: PUT /streams/<SG_STREAM>/records with SG_BATCH (default 100)
-- events per request, or the number given after "--". SG_BATCH_STYLE=aws
-- sends {"Records":[{"Data","PartitionKey"}]} instead of
-- {"records":[{"data","partition-key"}]}. Counts answers by status and the
-- entries acknowledged / failed (FailedRecordCount). Prints an SG_RESULT line.
-- With only valid events (SG_INVALID_SHARE and SG_DUP_SHARE unset) the bodies
-- are built once at start (TEMPLATES of them) and a request only puts a fresh
-- 9-hex request part into each event_uuid and partition key, so wrk's CPU per
-- event stays far below the gateway's (issue 21: the generator bounded the
-- figure); the answer is read only up to its FailedRecordCount.
--   wrk -t2 -c32 -d10s -s loadtest/wrk/records.lua http://127.0.0.1:8080 -- 500
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local events = require("events")

local gen, path, headers, batch, open_rec, mid_rec, close_rec, head
local parts = {}
local TEMPLATES = 8
local templates, request_no = nil, 0
status_200, status_400, status_other, events_acked, events_failed = 0, 0, 0, 0, 0
generated, generated_invalid, generated_duplicates = 0, 0, 0

local function batch_size(args)
    return tonumber(args and args[1]) or tonumber(os.getenv("SG_BATCH")) or 100
end

function setup(thread)
    events.setup(thread)
end

function init(args)
    batch = batch_size(args)
    sg_batch = batch
    gen = events.generator(sg_run, sg_tid)
    path = "/streams/" .. (os.getenv("SG_STREAM") or "events") .. "/records"
    headers = events.headers()
    if os.getenv("SG_BATCH_STYLE") == "aws" then
        head, open_rec, mid_rec, close_rec = '{"Records":[', '{"Data":', ',"PartitionKey":"', '"}'
    else
        head, open_rec, mid_rec, close_rec = '{"records":[', '{"data":', ',"partition-key":"', '"}'
    end
    local plain = (tonumber(os.getenv("SG_INVALID_SHARE") or "") or 0) == 0
        and (tonumber(os.getenv("SG_DUP_SHARE") or "") or 0) == 0
    if plain and batch < 4096 then
        templates = {}
        for k = 1, TEMPLATES do
            -- pieces: static at odd indices, the request part at even ones.
            local t, static = {}, head
            for i = 1, batch do
                local before, after, tail = gen.split(i - 1)
                t[#t + 1] = static .. (i > 1 and "," or "") .. open_rec .. before
                t[#t + 1] = ""
                t[#t + 1] = after .. mid_rec .. gen.prefix
                t[#t + 1] = ""
                static = tail .. close_rec
            end
            t[#t + 1] = static .. "]}"
            templates[k] = t
        end
    end
end

-- A pre-built body with a fresh request part in every event_uuid.
local function templated()
    request_no = request_no + 1
    local t = templates[(request_no - 1) % TEMPLATES + 1]
    local r = string.format("%09x", request_no)
    for i = 2, #t, 2 do
        t[i] = r
    end
    generated = generated + batch
    return wrk.format("PUT", path, headers, table.concat(t))
end

function request()
    if templates then
        return templated()
    end
    for i = 1, batch do
        local json, uuid = gen.next()
        parts[i] = open_rec .. json .. mid_rec .. uuid .. close_rec
    end
    generated, generated_invalid, generated_duplicates = gen.generated, gen.invalid, gen.duplicates
    return wrk.format("PUT", path, headers, head .. table.concat(parts, ",", 1, batch) .. "]}")
end

function response(status, hdrs, body)
    events.count_status(status)
    if status == 200 then
        status_200 = status_200 + 1
        -- FailedRecordCount opens the answer: no scan of its 55 KB.
        local failed = tonumber(body:sub(1, 64):match('"FailedRecordCount"%s*:%s*(%d+)'))
            or tonumber(body:match('"FailedRecordCount"%s*:%s*(%d+)')) or batch
        events_failed = events_failed + failed
        events_acked = events_acked + batch - failed
    elseif status == 400 then
        status_400 = status_400 + 1
    else
        status_other = status_other + 1
    end
end

function done(summary, latency, requests)
    events.done("records", events.thread_value("sg_batch"), summary, latency, { "status_200",
        "status_400", "status_other", "events_acked", "events_failed", "generated",
        "generated_invalid", "generated_duplicates" })
end
