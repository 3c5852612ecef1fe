output "name" {
  description = "Stream name."
  value       = aws_kinesis_stream.this.name
}

output "arn" {
  description = "Stream ARN (what IAM policies and the gateway config use)."
  value       = aws_kinesis_stream.this.arn
}

output "shard_count" {
  description = "Shard count in PROVISIONED mode, or null in ON_DEMAND mode."
  value       = local.provisioned ? local.shard_count : null
}

output "computed_shard_count" {
  description = "Shard count the expected rate calls for (for comparison even in ON_DEMAND mode)."
  value       = local.computed_shards
}

output "kms_key_arn" {
  description = "Customer managed key ARN when one is used, else null (the AWS managed key needs no IAM grant)."
  value       = startswith(var.kms_key_id, "arn:") ? var.kms_key_id : null
}

output "encryption" {
  description = "Server-side encryption of the stream as applied: encryption_type and kms_key_id."
  value = {
    encryption_type = aws_kinesis_stream.this.encryption_type
    kms_key_id      = aws_kinesis_stream.this.kms_key_id
  }
}
