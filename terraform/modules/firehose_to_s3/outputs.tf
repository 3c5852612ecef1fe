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

output "s3_destination" {
  description = "The delivery stream's extended_s3_configuration as applied: prefix, error_output_prefix, the processors (partition query), format conversion, compression."
  value       = aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0]
}

output "format_conversion_error_prefix" {
  description = "S3 prefix of the records that failed Parquet conversion (the error-output-type format-conversion-failed), or null for JSON_GZIP, which converts nothing."
  value       = local.parquet ? "${var.error_prefix}format-conversion-failed/" : null
}
