output "bucket_id" {
  description = "Bucket name."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "Bucket ARN."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the bucket (writers need kms:GenerateDataKey, readers kms:Decrypt)."
  value       = local.kms_key_arn
}

output "encryption" {
  description = "Default encryption of the bucket as applied: sse_algorithm, kms_master_key_id and bucket_key_enabled."
  value = merge(
    one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default),
    { bucket_key_enabled = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled },
  )
}
