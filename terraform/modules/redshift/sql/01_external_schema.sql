-- Kinesis as an external schema of Redshift (streaming ingestion).
-- Rendered by terraform (templatefile): ${schema}, ${iam_role_arn}.
CREATE EXTERNAL SCHEMA IF NOT EXISTS ${schema}
FROM KINESIS
IAM_ROLE '${iam_role_arn}';
