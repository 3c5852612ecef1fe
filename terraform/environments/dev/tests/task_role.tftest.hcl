# The gateway task role's policy, rendered by the real AWS provider offline: a
# mock would replace aws_iam_policy_document with a stand-in. A plan of new
# resources calls no AWS API once the data sources that would (the account
# id, the VPC the ALB's addresses come from) are overridden, and the stream ARNs are fixed so the policy is known.
# streamgate calls PutRecords, PutRecord, DescribeStreamSummary and ListShards
# (server/), on its own streams only: the routes' streams and the events
# route's dead-letter stream (its bad rows).

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "offline"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

variables {
  region                = "eu-west-1"
  lake_bucket_name      = "example-streamgate-dev-lake"
  vpc_id                = "vpc-0123456789abcdef0"
  public_subnet_ids     = ["subnet-aaaa", "subnet-bbbb"]
  private_subnet_ids    = ["subnet-cccc", "subnet-dddd"]
  certificate_arn       = "arn:aws:acm:eu-west-1:123456789012:certificate/0000"
  allowed_ingress_cidrs = ["10.0.0.0/8"]
  image                 = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/streamgate@sha256:0000"
  passthrough_streams   = ["raw"]
}

override_data {
  target = module.stack.module.firehose_parquet.data.aws_caller_identity.current
  values = { account_id = "123456789012" }
}

override_data {
  target = module.stack.module.firehose_raw.data.aws_caller_identity.current
  values = { account_id = "123456789012" }
}

override_data {
  target = module.stack.module.firehose_bad.data.aws_caller_identity.current
  values = { account_id = "123456789012" }
}

override_data {
  target = module.stack.module.catalog.data.aws_caller_identity.current
  values = { account_id = "123456789012" }
}

override_data {
  target = module.stack.module.gateway.data.aws_vpc.this
  values = { cidr_block = "10.0.0.0/16" }
}

override_resource {
  target          = module.stack.module.events_stream.aws_kinesis_stream.this
  override_during = plan
  values          = { arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/streamgate-dev-events" }
}

override_resource {
  target          = module.stack.module.dead_letter_stream.aws_kinesis_stream.this
  override_during = plan
  values          = { arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/streamgate-dev-events-dead-letter" }
}

override_resource {
  target          = module.stack.module.passthrough_stream["raw"].aws_kinesis_stream.this
  override_during = plan
  values          = { arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/streamgate-dev-raw" }
}

run "task_role" {
  command = plan

  assert {
    condition = [for s in jsondecode(module.stack.gateway_task_policy).Statement : {
      effect    = s.Effect
      actions   = toset(flatten([s.Action]))
      resources = toset(flatten([s.Resource]))
      only      = length(setsubtract(keys(s), ["Sid", "Effect", "Action", "Resource"])) == 0
      }] == [{
      effect    = "Allow"
      actions   = toset(["kinesis:PutRecords", "kinesis:PutRecord", "kinesis:DescribeStreamSummary", "kinesis:ListShards"])
      resources = toset(["arn:aws:kinesis:eu-west-1:123456789012:stream/streamgate-dev-events", "arn:aws:kinesis:eu-west-1:123456789012:stream/streamgate-dev-raw", "arn:aws:kinesis:eu-west-1:123456789012:stream/streamgate-dev-events-dead-letter"])
      only      = true
    }]
    error_message = "The task role may call only the gateway's Kinesis actions on its own streams: ${module.stack.gateway_task_policy}"
  }
}
