# The stack's own guards (variable validations and preconditions), with a
# mocked AWS provider: each must refuse the combination it exists for, and let
# the neighbouring valid one through. expect_failures can only name objects of
# the module under test, so this file tests modules/stack directly, with the
# sizing of environments/dev.

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  environment                       = "dev"
  expected_events_per_second        = 300
  stream_retention_hours            = 24
  passthrough_streams               = ["raw"]
  stream_aggregation                = {}
  lake_bucket_name                  = "example-streamgate-dev-lake"
  lake_force_destroy                = true
  raw_glacier_after_days            = 30
  raw_expire_after_days             = 180
  create_crawler                    = false
  firehose_buffering_size_mib       = 64
  firehose_parquet_interval_seconds = 60
  firehose_raw_interval_seconds     = 300
  enable_redshift                   = false
  redshift_subnet_ids               = ["subnet-dddd", "subnet-eeee", "subnet-ffff"]
  redshift_security_group_ids       = ["sg-0123456789abcdef0"]
  vpc_id                            = "vpc-0123456789abcdef0"
  public_subnet_ids                 = ["subnet-aaaa", "subnet-bbbb"]
  private_subnet_ids                = ["subnet-cccc", "subnet-dddd"]
  certificate_arn                   = "arn:aws:acm:eu-west-1:123456789012:certificate/0000"
  allowed_ingress_cidrs             = ["10.0.0.0/8"]
  image                             = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/streamgate@sha256:0000"
  task_cpu                          = 512
  task_memory                       = 1024
  gateway_threads                   = 1
  min_tasks                         = 1
  max_tasks                         = 4
  log_level                         = "debug"
  alb_deletion_protection           = false
}

# Aggregated records reach Redshift streaming ingestion as binary protobuf.
run "kpl_on_events_with_redshift_is_refused" {
  command = plan
  variables {
    enable_redshift    = true
    stream_aggregation = { events = "kpl" }
  }
  expect_failures = [terraform_data.aggregation_guard]
}

run "kpl_on_events_without_redshift_is_allowed" {
  command = plan
  variables {
    stream_aggregation = { events = "kpl", raw = "kpl" }
  }
}

run "kpl_on_passthrough_with_redshift_is_allowed" {
  command = plan
  variables {
    enable_redshift    = true
    stream_aggregation = { events = "none", raw = "kpl" }
  }
  assert {
    condition     = output.redshift_workgroup != null
    error_message = "enable_redshift must create the workgroup."
  }
}

run "aggregation_of_an_unknown_route_is_refused" {
  command = plan
  variables {
    stream_aggregation = { clicks = "kpl" }
  }
  expect_failures = [terraform_data.aggregation_guard]
}

run "unknown_aggregation_is_refused" {
  command = plan
  variables {
    stream_aggregation = { events = "zstd" }
  }
  expect_failures = [var.stream_aggregation]
}

run "latest_image_is_refused" {
  command = plan
  variables {
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/streamgate:latest"
  }
  expect_failures = [var.image]
}
