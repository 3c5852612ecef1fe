output "name" {
  description = "Delivery stream name (the CloudWatch DeliveryStreamName dimension)."
  value       = aws_kinesis_firehose_delivery_stream.this.name
}

output "arn" {
  description = "Delivery stream ARN."
  value       = aws_kinesis_firehose_delivery_stream.this.arn
}

output "role_arn" {
  description = "IAM role Firehose assumes."
  value       = aws_iam_role.this.arn
}

output "s3_prefix" {
  description = "Full S3 prefix expression, partition keys included."
  value       = local.prefix
}

output "buffering_interval_seconds" {
  description = "Buffer interval (the freshness alarm is derived from it)."
  value       = var.buffering_interval_seconds
}
