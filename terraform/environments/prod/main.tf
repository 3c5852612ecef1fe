# streamgate prod: the whole environment is modules/stack. This file holds
# only what differs from the other environments; account-specific values come
# from terraform.tfvars (variables.tf).

locals {
  environment = "prod"

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
  expected_events_per_second = 600
  stream_retention_hours     = 168
  passthrough_streams        = var.passthrough_streams
  stream_aggregation         = var.stream_aggregation

  # lake
  lake_bucket_name                  = var.lake_bucket_name
  lake_force_destroy                = false
  raw_glacier_after_days            = 90
  raw_expire_after_days             = null
  create_crawler                    = true
  firehose_buffering_size_mib       = 128
  firehose_parquet_interval_seconds = 300
  firehose_raw_interval_seconds     = 900

  # Redshift
  enable_redshift                  = true
  redshift_monthly_rpu_hours_limit = null
  redshift_subnet_ids              = var.redshift_subnet_ids
  redshift_security_group_ids      = var.redshift_security_group_ids

  # gateway
  vpc_id                  = var.vpc_id
  public_subnet_ids       = var.public_subnet_ids
  private_subnet_ids      = var.private_subnet_ids
  certificate_arn         = var.certificate_arn
  allowed_ingress_cidrs   = var.allowed_ingress_cidrs
  image                   = var.image
  task_cpu                = 1024
  task_memory             = 2048
  gateway_threads         = 2
  min_tasks               = 3
  max_tasks               = 80
  log_level               = "info"
  alb_deletion_protection = true

  # 1000x volume (about 280k events/s): provisioned shards sized from the
  # rate, bigger tasks, more of them:
  #   stream_capacity_mode = "PROVISIONED", expected_events_per_second = 280000,
  #   task_cpu = 2048, task_memory = 4096, gateway_threads = 4, max_tasks = 60

  # monitoring
  alarm_topic_arns = var.alarm_topic_arns
}
