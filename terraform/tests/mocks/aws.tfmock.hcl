# Mocked AWS provider values shared by the terraform test files
# (mock_provider "aws" { source = "../../tests/mocks" }). Computed values a
# mock would make random but the provider or the modules validate: ARNs, the
# account, the region, the partition, and policy documents (the mock renders
# none, so an empty valid one stands in; tests/task_role renders them for real).

mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}

mock_data "aws_partition" {
  defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
}

mock_data "aws_region" {
  defaults = { name = "eu-west-1" }
}

mock_data "aws_iam_policy_document" {
  defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
}

mock_resource "aws_kinesis_stream" {
  defaults = { arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/mock" }
}

mock_resource "aws_s3_bucket" {
  defaults = { arn = "arn:aws:s3:::mock" }
}

mock_resource "aws_kms_key" {
  defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/mock" }
}

mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mock" }
}

mock_resource "aws_lb" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/mock/0"
    arn_suffix = "app/mock/0"
  }
}

mock_resource "aws_lb_target_group" {
  defaults = {
    arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/mock/0"
    arn_suffix = "targetgroup/mock/0"
  }
}

mock_resource "aws_ecs_task_definition" {
  defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/mock:1" }
}

mock_resource "aws_redshiftserverless_workgroup" {
  defaults = { arn = "arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/mock" }
}

# The VPC whose CIDR the gateway trusts for X-Forwarded-For (gateway_service).
mock_data "aws_vpc" {
  defaults = { cidr_block = "10.0.0.0/16" }
}
