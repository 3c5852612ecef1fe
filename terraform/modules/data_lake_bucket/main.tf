# The data-lake bucket: SSE-KMS with a bucket key, every public access path
# blocked, TLS-only policy, versioning, and lifecycle rules per zone
# (raw JSON, Parquet, Firehose errors).

locals {
  create_key  = var.kms_key_arn == null
  kms_key_arn = local.create_key ? aws_kms_key.this[0].arn : var.kms_key_arn
}

resource "aws_kms_key" "this" {
  count = local.create_key ? 1 : 0

  description             = "SSE-KMS key of the ${var.bucket_name} data-lake bucket"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  count = local.create_key ? 1 : 0

  name          = "alias/${var.bucket_name}"
  target_key_id = aws_kms_key.this[0].key_id
}

resource "aws_s3_bucket" "this" {
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
    # One data key per bucket instead of one KMS call per object: at 1000x
    # volume Firehose writes thousands of objects an hour.
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  # Raw JSON is the replay source: keep it, but move it to colder storage.
  rule {
    id     = "raw-zone"
    status = "Enabled"

    filter {
      prefix = var.raw_prefix
    }

    transition {
      days          = var.raw_glacier_after_days
      storage_class = "GLACIER_IR"
    }

    dynamic "expiration" {
      for_each = var.raw_expire_after_days == null ? [] : [var.raw_expire_after_days]
      content {
        days = expiration.value
      }
    }
  }

  # Parquet is what people query; access patterns vary, so let S3 tier it.
  rule {
    id     = "parquet-zone"
    status = "Enabled"

    filter {
      prefix = var.parquet_prefix
    }

    transition {
      days          = var.parquet_tiering_after_days
      storage_class = "INTELLIGENT_TIERING"
    }
  }

  # Bad rows hold the refused events' payloads as sent: kept long enough to
  # fix the client or the catalog and replay them, then deleted.
  rule {
    id     = "bad-zone"
    status = "Enabled"

    filter {
      prefix = var.bad_prefix
    }

    expiration {
      days = var.bad_expire_after_days
    }
  }

  rule {
    id     = "firehose-errors"
    status = "Enabled"

    filter {
      prefix = var.error_prefix
    }

    expiration {
      days = var.error_expire_after_days
    }
  }

  rule {
    id     = "noncurrent-versions-and-uploads"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_expire_after_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this.arn,
      "${aws_s3_bucket.this.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid     = "DenyOldTls"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this.arn,
      "${aws_s3_bucket.this.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  depends_on = [aws_s3_bucket_public_access_block.this]
}
