# streamgate dev: the whole environment is modules/stack. This file holds
# only what differs from the other environments; account-specific values come
# from terraform.tfvars (variables.tf).

locals {
  environment = "dev"

  # Also the provider's default_tags (versions.tf); the stack adds the same two.
  tags = merge(var.tags, {
    project     = "streamgate"
    environment = local.environment
  })
}

module "stack" {
  source = "../../modules/stack"

  environment = local.environment
  tags        = var.tags

  # stream
  expected_events_per_second = 300
  stream_retention_hours     = 24
  passthrough_streams        = var.passthrough_streams
  stream_aggregation         = var.stream_aggregation

  # lake
  lake_bucket_name                  = var.lake_bucket_name
  lake_force_destroy                = true
  raw_glacier_after_days            = 30
  raw_expire_after_days             = 180
  create_crawler                    = false
  firehose_buffering_size_mib       = 64
  firehose_parquet_interval_seconds = 60
  firehose_raw_interval_seconds     = 300

  # Redshift
  enable_redshift                  = false
  redshift_monthly_rpu_hours_limit = 200
  redshift_subnet_ids              = var.redshift_subnet_ids
  redshift_security_group_ids      = var.redshift_security_group_ids

  # gateway
  vpc_id                  = var.vpc_id
  public_subnet_ids       = var.public_subnet_ids
  private_subnet_ids      = var.private_subnet_ids
  certificate_arn         = var.certificate_arn
  allowed_ingress_cidrs   = var.allowed_ingress_cidrs
  image                   = var.image
  task_cpu                = 512
  task_memory             = 1024
  gateway_threads         = 1
  min_tasks               = 1
  max_tasks               = 4
  log_level               = "debug"
  alb_deletion_protection = false

  # monitoring
  alarm_topic_arns = var.alarm_topic_arns
}
