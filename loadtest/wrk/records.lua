-- wrk script: PUT /streams/<SG_STREAM>/records with SG_BATCH (default 100)
-- events per request, or the number given after "--". SG_BATCH_STYLE=aws
-- sends {"Records":[{"Data","PartitionKey"}]} instead of
-- {"records":[{"data","partition-key"}]}. Counts answers by status and the
-- entries acknowledged / failed (FailedRecordCount). Prints an SG_RESULT line.
--   wrk -t2 -c32 -d10s -s loadtest/wrk/records.lua http://127.0.0.1:8080 -- 500
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local events = require("events")

local gen, path, headers, batch, open_rec, mid_rec, close_rec, head
local parts = {}
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
end

function request()
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
        local failed = tonumber(body:match('"FailedRecordCount"%s*:%s*(%d+)')) or batch
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
