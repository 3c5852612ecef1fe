-- Streaming materialized view over the events stream: every record, every
-- field, as SUPER. Nothing is dropped here, whatever the event type.
-- The first refresh starts at TRIM_HORIZON (the stream's whole retention);
-- each refresh then reads up to the newest record. It holds duplicates when the
-- gateway retried a PutRecords entry: see 03_events_dedup.sql.
-- Rendered by terraform: ${schema}, ${stream_name}, ${mv_name}.
CREATE MATERIALIZED VIEW ${mv_name}
AUTO REFRESH YES
AS
SELECT approximate_arrival_timestamp,
       partition_key,
       shard_id,
       sequence_number,
       refresh_time,
       JSON_PARSE(kinesis_data) AS payload
FROM ${schema}."${stream_name}"
WHERE CAN_JSON_PARSE(kinesis_data);
