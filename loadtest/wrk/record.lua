-- wrk script: PUT /streams/<SG_STREAM>/record, one fresh valid event per
-- request (SG_INVALID_SHARE of them invalid). Counts answers by status; an
-- event is acknowledged when answered 200 and refused when answered 4xx.
-- Prints an SG_RESULT line.
--   wrk -t2 -c64 -d10s -s loadtest/wrk/record.lua http://127.0.0.1:8080
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local events = require("events")

local gen, path, headers, with_key
status_200, status_400, status_other, events_acked, events_failed = 0, 0, 0, 0, 0
generated, generated_invalid, generated_duplicates = 0, 0, 0

function setup(thread)
    events.setup(thread)
end

function init(args)
    gen = events.generator(sg_run, sg_tid)
    path = "/streams/" .. (os.getenv("SG_STREAM") or "events") .. "/record"
    headers = events.headers()
    with_key = os.getenv("SG_PARTITION_KEY") == "1"
end

function request()
    local json, uuid = gen.next()
    generated, generated_invalid, generated_duplicates = gen.generated, gen.invalid, gen.duplicates
    local body
    if with_key then
        body = '{"Data":' .. json .. ',"PartitionKey":"' .. uuid .. '"}'
    else
        body = '{"Data":' .. json .. "}"
    end
    return wrk.format("PUT", path, headers, body)
end

function response(status, hdrs, body)
    events.count_status(status)
    if status == 200 then
        status_200 = status_200 + 1
        events_acked = events_acked + 1
    elseif status >= 400 and status < 500 then
        -- Refused (400 for a broken rule; any 4xx counts as refused).
        status_400 = status_400 + (status == 400 and 1 or 0)
        events_failed = events_failed + 1
    else
        status_other = status_other + 1
    end
end

function done(summary, latency, requests)
    events.done("record", 1, summary, latency, { "status_200", "status_400", "status_other",
        "events_acked", "events_failed", "generated", "generated_invalid",
        "generated_duplicates" })
end
