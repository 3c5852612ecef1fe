-- wrk script: PUT /streams/events/records with bodies read from files
-- (SG_BODIES: a directory of body-<n> files, SG_BODY_COUNT of them), sent
-- in turn with Content-Encoding SG_CODING (none: plain). Counts the events
-- acknowledged (batch size SG_BATCH minus FailedRecordCount) and prints
-- "SG_RESULT requests=<n> acked=<n> non200=<n>".
--   wrk -t2 -c32 -d10s -s bodies.lua http://127.0.0.1:8080
local bodies, next_i, batch = {}, 1, 500
local headers = { ["Content-Type"] = "application/json" }
acked, non200, answered = 0, 0, 0

function init(args)
    local dir, n = os.getenv("SG_BODIES"), tonumber(os.getenv("SG_BODY_COUNT"))
    batch = tonumber(os.getenv("SG_BATCH")) or 500
    local coding = os.getenv("SG_CODING")
    if coding and coding ~= "" and coding ~= "none" then
        headers["Content-Encoding"] = coding
    end
    for i = 1, n do
        local f = assert(io.open(dir .. "/body-" .. i, "rb"))
        bodies[i] = f:read("*a")
        f:close()
    end
end

function request()
    local b = bodies[next_i]
    next_i = next_i % #bodies + 1
    return wrk.format("PUT", "/streams/events/records", headers, b)
end

function response(status, hdrs, body)
    answered = answered + 1
    if status == 200 then
        local failed = tonumber(body:match('"FailedRecordCount"%s*:%s*(%d+)')) or batch
        acked = acked + batch - failed
    else
        non200 = non200 + 1
    end
end

threads_list = {}
function setup(thread)
    table.insert(threads_list, thread)
end

function done(summary, latency, requests)
    local a, n, r = 0, 0, 0
    for _, t in ipairs(threads_list) do
        a = a + t:get("acked")
        n = n + t:get("non200")
        r = r + t:get("answered")
    end
    io.write(string.format("SG_RESULT requests=%d acked=%d non200=%d p50_ms=%.1f p99_ms=%.1f\n",
        r, a, n, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
