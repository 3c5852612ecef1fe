-- wrk script: drives fake_kinesis (or any PutRecords endpoint) directly, to
-- measure the endpoint's own capacity. POST / Kinesis_20131202.PutRecords
-- with SG_BATCH (default 500) records per call, or the number after "--".
-- Each record's Data is the base64 of an event with a fresh event_uuid; the
-- SigV4 headers are well formed but the signature is not computed (the fake
-- endpoint checks the shape only). Prints an SG_RESULT line.
--   wrk -t1 -c16 -d10s -s loadtest/wrk/putrecords.lua http://127.0.0.1:PORT -- 500
--
-- Cheap base64: the event starts with '{"event_uuid":"' (15 bytes) and the
-- uuid's first 24 characters are fixed per thread, so the bytes before the
-- counter are a multiple of 3 long; the base64 of the event is then
-- b64(head .. prefix) .. b64(counter 12 hex) .. b64(rest), and the counter
-- is four 3-digit groups whose hex and base64 forms come from tables.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local events = require("events")
local bit = require("bit")

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local batch, headers, head64, prefix, tails = nil, nil, nil, nil, {}
local parts = {}
local counter = 0
status_200, status_400, status_other, events_acked, events_failed = 0, 0, 0, 0, 0

local function b64(s)
    local out = {}
    for i = 1, #s, 3 do
        local a, b, c = s:byte(i, i + 2)
        local n = bit.bor(bit.lshift(a, 16), bit.lshift(b or 0, 8), c or 0)
        local k = #out
        out[k + 1] = B64:sub(bit.rshift(n, 18) + 1, bit.rshift(n, 18) + 1)
        out[k + 2] = B64:sub(bit.band(bit.rshift(n, 12), 63) + 1, bit.band(bit.rshift(n, 12), 63) + 1)
        out[k + 3] = b and B64:sub(bit.band(bit.rshift(n, 6), 63) + 1, bit.band(bit.rshift(n, 6), 63) + 1) or "="
        out[k + 4] = c and B64:sub(bit.band(n, 63) + 1, bit.band(n, 63) + 1) or "="
    end
    return table.concat(out)
end

function setup(thread)
    events.setup(thread)
end

function init(args)
    batch = tonumber(args and args[1]) or tonumber(os.getenv("SG_BATCH")) or 500
    sg_batch = batch
    local g = events.generator(sg_run, sg_tid)
    -- Tails: the rest of real generated events, after their uuid.
    for i = 1, 64 do
        local json = g.next()
        tails[i] = b64(json:sub(52))
    end
    local json, uuid = g.next()
    prefix = uuid:sub(1, 24)
    head64 = b64('{"event_uuid":"' .. prefix)
    local date = os.date("!%Y%m%dT%H%M%SZ")
    headers = {
        ["Content-Type"] = "application/x-amz-json-1.1",
        ["X-Amz-Target"] = "Kinesis_20131202.PutRecords",
        ["X-Amz-Date"] = date,
        ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDBENCHMARK/" .. date:sub(1, 8)
            .. "/us-east-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;"
            .. "x-amz-target, Signature=" .. string.rep("0123456789abcdef", 4),
    }
end

-- Per 12-bit group of the counter: its 3 hex digits, and their base64.
local HEX3, B64HEX3 = {}, {}
for v = 0, 4095 do
    HEX3[v] = string.format("%03x", v)
    B64HEX3[v] = b64(HEX3[v])
end

function request()
    for i = 1, batch do
        local c = counter
        local g1, g2 = math.floor(c / 68719476736) % 4096, math.floor(c / 16777216) % 4096
        local g3, g4 = math.floor(c / 4096) % 4096, c % 4096
        counter = c + 1
        parts[i] = '{"Data":"' .. head64 .. B64HEX3[g1] .. B64HEX3[g2] .. B64HEX3[g3]
            .. B64HEX3[g4] .. tails[c % 64 + 1] .. '","PartitionKey":"' .. prefix .. HEX3[g1]
            .. HEX3[g2] .. HEX3[g3] .. HEX3[g4] .. '"}'
    end
    return wrk.format("POST", "/", headers,
        '{"StreamName":"events","Records":[' .. table.concat(parts, ",", 1, batch) .. "]}")
end

function response(status, hdrs, body)
    events.count_status(status)
    if status == 200 then
        status_200 = status_200 + 1
        events_acked = events_acked + batch
    elseif status == 400 then
        status_400 = status_400 + 1
    else
        status_other = status_other + 1
    end
end

function done(summary, latency, requests)
    events.done("putrecords", events.thread_value("sg_batch"), summary, latency,
        { "status_200", "status_400", "status_other", "events_acked" })
end
