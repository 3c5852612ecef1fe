-- Deduplication on event_uuid.
-- Duplicates come from retries: a client re-sending after a timeout, and the
-- gateway re-sending PutRecords entries that failed or whose response was
-- lost. Each copy has its own sequence number and the same event_uuid.
-- Rendered by terraform: ${mv_name}, ${table_name}.

-- 1. Ad-hoc view: the first copy of each event that the MV has seen.
CREATE OR REPLACE VIEW ${table_name}_dedup_v AS
SELECT event_uuid, event_name, event_type, event_subtype, created_at,
       created_datetime, approximate_arrival_timestamp, payload
FROM (
    SELECT payload.event_uuid::VARCHAR(36)       AS event_uuid,
           payload.event_name::VARCHAR(256)      AS event_name,
           payload.event_type::VARCHAR(128)      AS event_type,
           payload.event_subtype::VARCHAR(128)   AS event_subtype,
           payload.created_at::DOUBLE PRECISION  AS created_at,
           payload.created_datetime::VARCHAR(32)::TIMESTAMP AS created_datetime,
           approximate_arrival_timestamp,
           payload,
           ROW_NUMBER() OVER (PARTITION BY payload.event_uuid::VARCHAR(36)
                              ORDER BY approximate_arrival_timestamp, sequence_number) AS copy_no
    FROM ${mv_name}
) AS numbered
WHERE copy_no = 1;

-- 2. The deduplicated table analysts use; payload keeps the type-specific fields.
CREATE TABLE IF NOT EXISTS ${table_name} (
    event_uuid                    VARCHAR(36) NOT NULL,
    event_name                    VARCHAR(256),
    event_type                    VARCHAR(128),
    event_subtype                 VARCHAR(128),
    created_at                    DOUBLE PRECISION,
    created_datetime              TIMESTAMP,
    approximate_arrival_timestamp TIMESTAMP,
    payload                       SUPER
)
DISTKEY (event_uuid)
SORTKEY (created_datetime);

-- 3. Incremental merge, run on a schedule (Redshift scheduled query or
--    EventBridge + Redshift Data API). MERGE needs a duplicate-free source, hence
--    ROW_NUMBER; the look-back window also catches copies that arrive after
--    the first one was merged.
CREATE OR REPLACE PROCEDURE ${table_name}_merge(lookback_hours INT)
AS $$
BEGIN
    MERGE INTO ${table_name}
    USING (
        SELECT event_uuid, event_name, event_type, event_subtype, created_at,
               created_datetime, approximate_arrival_timestamp, payload
        FROM (
            SELECT payload.event_uuid::VARCHAR(36)       AS event_uuid,
                   payload.event_name::VARCHAR(256)      AS event_name,
                   payload.event_type::VARCHAR(128)      AS event_type,
                   payload.event_subtype::VARCHAR(128)   AS event_subtype,
                   payload.created_at::DOUBLE PRECISION  AS created_at,
                   payload.created_datetime::VARCHAR(32)::TIMESTAMP AS created_datetime,
                   approximate_arrival_timestamp,
                   payload,
                   ROW_NUMBER() OVER (PARTITION BY payload.event_uuid::VARCHAR(36)
                                      ORDER BY approximate_arrival_timestamp, sequence_number) AS copy_no
            FROM ${mv_name}
            WHERE approximate_arrival_timestamp > DATEADD(hour, -lookback_hours, GETDATE())
        ) AS numbered
        WHERE copy_no = 1 AND event_uuid IS NOT NULL
    ) AS s
    ON ${table_name}.event_uuid = s.event_uuid
    WHEN MATCHED THEN UPDATE SET event_name = ${table_name}.event_name
    WHEN NOT MATCHED THEN INSERT VALUES (
        s.event_uuid, s.event_name, s.event_type, s.event_subtype, s.created_at,
        s.created_datetime, s.approximate_arrival_timestamp, s.payload);
END;
$$ LANGUAGE plpgsql;
