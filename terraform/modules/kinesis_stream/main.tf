# One Kinesis data stream. On-demand by default; in provisioned mode the shard
# count is derived from the expected peak rate so nobody has to do the
# arithmetic in a tfvars file.

locals {
  provisioned = var.capacity_mode == "PROVISIONED"

  # A shard takes 1,000 records/s and 1 MiB/s of writes; keep the busiest
  # dimension under 1/headroom of the limit.
  shards_for_records = ceil(var.expected_records_per_second * var.shard_headroom / 1000)
  shards_for_bytes   = ceil(var.expected_records_per_second * var.average_record_bytes * var.shard_headroom / 1048576)
  computed_shards    = max(1, local.shards_for_records, local.shards_for_bytes)
  shard_count        = var.shard_count_override != null ? var.shard_count_override : local.computed_shards
}

resource "aws_kinesis_stream" "this" {
  name             = var.name
  shard_count      = local.provisioned ? local.shard_count : null
  retention_period = var.retention_hours

  stream_mode_details {
    stream_mode = var.capacity_mode
  }

  encryption_type     = "KMS"
  kms_key_id          = var.kms_key_id
  shard_level_metrics = var.shard_level_metrics

  # Firehose and Redshift read with GetRecords (shared throughput), not with
  # registered enhanced fan-out consumers; never delete consumers silently.
  enforce_consumer_deletion = false

  tags = var.tags
}
