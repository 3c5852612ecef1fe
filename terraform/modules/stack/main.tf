# streamgate, one whole environment: gateway on ECS -> Kinesis -> Firehose
# (Parquet and raw JSON) -> S3 -> Glue -> Athena, and optionally Redshift
# streaming ingestion, plus the monitoring. The environments under
# terraform/environments/ call this module once each; what differs between
# them (sizes, retention, Redshift on/off) and what is account-specific comes
# in through variables.

locals {
  name = "${var.name_prefix}-${var.environment}"
  tags = merge(var.tags, {
    project     = "streamgate"
    environment = var.environment
  })

  # Repository root, independent of where the calling root module lives.
  repo_root = "${path.module}/../../.."
}

module "events_stream" {
  source = "../kinesis_stream"

  name                        = "${local.name}-events"
  capacity_mode               = var.stream_capacity_mode
  expected_records_per_second = var.expected_events_per_second
  average_record_bytes        = var.average_event_bytes
  retention_hours             = var.stream_retention_hours
  tags                        = local.tags
}

# Events the gateway refuses, one bad row each (the events route's
# dead_letter_stream); delivered to the bad/ zone by firehose_bad.
module "dead_letter_stream" {
  source = "../kinesis_stream"

  name            = "${local.name}-events-dead-letter"
  capacity_mode   = "ON_DEMAND"
  retention_hours = var.stream_retention_hours
  tags            = local.tags
}

module "passthrough_stream" {
  source   = "../kinesis_stream"
  for_each = toset(var.passthrough_streams)

  name            = "${local.name}-${each.value}"
  capacity_mode   = "ON_DEMAND"
  retention_hours = var.stream_retention_hours
  tags            = local.tags
}

module "lake_bucket" {
  source = "../data_lake_bucket"

  bucket_name            = var.lake_bucket_name
  force_destroy          = var.lake_force_destroy
  raw_glacier_after_days = var.raw_glacier_after_days
  raw_expire_after_days  = var.raw_expire_after_days
  tags                   = local.tags
}

module "catalog" {
  source = "../glue_catalog"

  database_name      = replace("${local.name}_events", "-", "_")
  bucket_name        = module.lake_bucket.bucket_id
  bucket_arn         = module.lake_bucket.bucket_arn
  bucket_kms_key_arn = module.lake_bucket.kms_key_arn
  parquet_prefix     = "parquet/events/"
  raw_prefix         = "raw/events/"
  bad_prefix         = "bad/events/"
  catalog_dir        = coalesce(var.catalog_dir, "${local.repo_root}/config/catalog")
  create_crawler     = var.create_crawler
  tags               = local.tags
}

module "firehose_parquet" {
  source = "../firehose_to_s3"

  name                       = "${local.name}-events-parquet"
  source_stream_arn          = module.events_stream.arn
  source_stream_kms_key_arn  = module.events_stream.kms_key_arn
  bucket_arn                 = module.lake_bucket.bucket_arn
  bucket_kms_key_arn         = module.lake_bucket.kms_key_arn
  output_format              = "PARQUET"
  prefix                     = "parquet/events/"
  error_prefix               = "errors/parquet/"
  glue_database_name         = module.catalog.database_name
  glue_table_name            = module.catalog.table_name
  buffering_size_mib         = var.firehose_buffering_size_mib
  buffering_interval_seconds = var.firehose_parquet_interval_seconds
  tags                       = local.tags
}

module "firehose_raw" {
  source = "../firehose_to_s3"

  name                       = "${local.name}-events-raw"
  source_stream_arn          = module.events_stream.arn
  source_stream_kms_key_arn  = module.events_stream.kms_key_arn
  bucket_arn                 = module.lake_bucket.bucket_arn
  bucket_kms_key_arn         = module.lake_bucket.kms_key_arn
  output_format              = "JSON_GZIP"
  prefix                     = "raw/events/"
  error_prefix               = "errors/raw/"
  buffering_size_mib         = var.firehose_buffering_size_mib
  buffering_interval_seconds = var.firehose_raw_interval_seconds
  tags                       = local.tags
}

# The bad rows as they are (GZIP JSON lines), under bad/events/dt=<day received>/,
# read by the Glue table bad_events.
module "firehose_bad" {
  source = "../firehose_to_s3"

  name                       = "${local.name}-events-bad"
  source_stream_arn          = module.dead_letter_stream.arn
  source_stream_kms_key_arn  = module.dead_letter_stream.kms_key_arn
  bucket_arn                 = module.lake_bucket.bucket_arn
  bucket_kms_key_arn         = module.lake_bucket.kms_key_arn
  output_format              = "JSON_GZIP"
  partitioning               = "received_date"
  prefix                     = "bad/events/"
  error_prefix               = "errors/bad/"
  buffering_size_mib         = var.firehose_buffering_size_mib
  buffering_interval_seconds = var.firehose_raw_interval_seconds
  tags                       = local.tags
}

module "redshift" {
  source = "../redshift"
  count  = var.enable_redshift ? 1 : 0

  name                    = local.name
  base_capacity_rpu       = var.redshift_base_capacity_rpu
  monthly_rpu_hours_limit = var.redshift_monthly_rpu_hours_limit
  subnet_ids              = var.redshift_subnet_ids
  security_group_ids      = var.redshift_security_group_ids
  stream_name             = module.events_stream.name
  stream_arn              = module.events_stream.arn
  stream_kms_key_arn      = module.events_stream.kms_key_arn
  apply_sql               = var.redshift_apply_sql
  tags                    = local.tags
}

module "gateway" {
  source = "../gateway_service"

  name                       = local.name
  vpc_id                     = var.vpc_id
  public_subnet_ids          = var.public_subnet_ids
  private_subnet_ids         = var.private_subnet_ids
  certificate_arn            = var.certificate_arn
  allowed_ingress_cidrs      = var.allowed_ingress_cidrs
  image                      = var.image
  cpu                        = var.task_cpu
  memory                     = var.task_memory
  gateway_threads            = var.gateway_threads
  min_count                  = var.min_tasks
  max_count                  = var.max_tasks
  target_requests_per_target = var.target_requests_per_task_minute
  log_level                  = var.log_level
  deletion_protection        = var.alb_deletion_protection
  task_definition_template   = "${local.repo_root}/deploy/ecs/task-definition.json.tftpl"

  streams = concat(
    [{
      name          = "events"
      stream_arn    = module.events_stream.arn
      mode          = "event"
      partition_key = "event_uuid"
      aggregation   = lookup(var.stream_aggregation, "events", "none")
      # The image carries config/catalog there (deploy/Dockerfile): the same
      # catalog the Glue columns and views above come from.
      catalog                = "/etc/streamgate/catalog"
      unknown_event_types    = "reject"
      dead_letter_stream     = module.dead_letter_stream.name
      dead_letter_stream_arn = module.dead_letter_stream.arn
    }],
    [for s in var.passthrough_streams : {
      name          = s
      stream_arn    = module.passthrough_stream[s].arn
      mode          = "passthrough"
      partition_key = "client"
      aggregation   = lookup(var.stream_aggregation, s, "none")
    }],
  )

  tags = local.tags
}

# Aggregated records reach Redshift streaming ingestion as they are (binary
# protobuf): it does not de-aggregate as Firehose and KCL do.
resource "terraform_data" "aggregation_guard" {
  lifecycle {
    precondition {
      condition     = !(var.enable_redshift && lookup(var.stream_aggregation, "events", "none") == "kpl")
      error_message = "stream_aggregation: the events stream must stay \"none\" while enable_redshift is true (Redshift streaming ingestion does not de-aggregate KPL records)."
    }
    precondition {
      condition     = alltrue([for k in keys(var.stream_aggregation) : k == "events" || contains(var.passthrough_streams, k)])
      error_message = "stream_aggregation names a route that is neither \"events\" nor one of passthrough_streams."
    }
  }
}

module "monitoring" {
  source = "../monitoring"

  name                                = local.name
  stream_names                        = concat([module.events_stream.name, module.dead_letter_stream.name], [for s in var.passthrough_streams : module.passthrough_stream[s].name])
  firehose_names                      = [module.firehose_parquet.name, module.firehose_raw.name, module.firehose_bad.name]
  firehose_buffering_interval_seconds = max(var.firehose_parquet_interval_seconds, var.firehose_raw_interval_seconds)
  alb_arn_suffix                      = module.gateway.alb_arn_suffix
  target_group_arn_suffix             = module.gateway.target_group_arn_suffix
  ecs_cluster_name                    = module.gateway.cluster_name
  ecs_service_name                    = module.gateway.service_name
  alarm_actions                       = var.alarm_topic_arns
  tags                                = local.tags

  # Only the Parquet stream converts, so only it gets a FailedConversion alarm.
  conversion_error_prefixes = {
    for f in [module.firehose_parquet, module.firehose_raw, module.firehose_bad] : f.name => f.format_conversion_error_prefix
    if f.format_conversion_error_prefix != null
  }
}
