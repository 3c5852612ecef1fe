# One Firehose delivery stream reading a Kinesis stream and writing to the
# data-lake bucket, with dynamic partitioning on the record's own fields:
#   <prefix>event_type=<event_type>/dt=<yyyy-MM-dd of created_datetime>/
# (or, for the bad rows of the dead-letter stream, partitioning =
# "received_date": <prefix>dt=<yyyy-MM-dd of received_at>/).
# output_format PARQUET converts through the Glue table; JSON_GZIP keeps the
# records as they are (newline-delimited), which is the raw zone.
#
# Partitioning uses the event date from the record, not Firehose's
# !{timestamp:...} (the arrival time of the oldest record in the buffer), so a
# late event lands in the partition of the day it happened.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  parquet = var.output_format == "PARQUET"

  # jq over the record, by var.partitioning:
  #   event          an enriched event: created_datetime is
  #                  "YYYY-MM-DDThh:mm:ss[.sss]Z" (always UTC, four-digit
  #                  year), so its first ten characters are the date;
  #   received_date  a bad row of the dead-letter stream: the day the gateway
  #                  received it (received_at, ISO 8601 UTC).
  partition_queries = {
    event         = "{event_type: .event_type, dt: .created_datetime[0:10]}"
    received_date = "{dt: .received_at[0:10]}"
  }
  partition_paths = {
    event         = "event_type=!{partitionKeyFromQuery:event_type}/dt=!{partitionKeyFromQuery:dt}/"
    received_date = "dt=!{partitionKeyFromQuery:dt}/"
  }
  partition_query = local.partition_queries[var.partitioning]

  prefix       = "${var.prefix}${local.partition_paths[var.partitioning]}"
  error_prefix = "${var.error_prefix}!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"

  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  glue_arns = local.parquet ? [
    "arn:${data.aws_partition.current.partition}:glue:${local.region}:${local.account_id}:catalog",
    "arn:${data.aws_partition.current.partition}:glue:${local.region}:${local.account_id}:database/${var.glue_database_name}",
    "arn:${data.aws_partition.current.partition}:glue:${local.region}:${local.account_id}:table/${var.glue_database_name}/${var.glue_table_name}",
  ] : []
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/kinesisfirehose/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_cloudwatch_log_stream" "s3" {
  name           = "DestinationDelivery"
  log_group_name = aws_cloudwatch_log_group.this.name
}

# ---- IAM ------------------------------------------------------------------------

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "delivery" {
  statement {
    sid = "ReadSourceStream"
    actions = [
      "kinesis:DescribeStream",
      "kinesis:DescribeStreamSummary",
      "kinesis:GetShardIterator",
      "kinesis:GetRecords",
      "kinesis:ListShards",
    ]
    resources = [var.source_stream_arn]
  }

  statement {
    sid = "WriteBucket"
    actions = [
      "s3:AbortMultipartUpload",
      "s3:GetBucketLocation",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:ListBucketMultipartUploads",
      "s3:PutObject",
    ]
    resources = [
      var.bucket_arn,
      "${var.bucket_arn}/${var.prefix}*",
      "${var.bucket_arn}/${var.error_prefix}*",
    ]
  }

  statement {
    sid       = "EncryptObjects"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.bucket_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }

  dynamic "statement" {
    for_each = var.source_stream_kms_key_arn == null ? [] : [var.source_stream_kms_key_arn]
    content {
      sid       = "DecryptSourceStream"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = local.parquet ? [1] : []
    content {
      sid       = "ReadConversionSchema"
      actions   = ["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"]
      resources = local.glue_arns
    }
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:log-stream:*"]
  }
}

resource "aws_iam_role" "this" {
  name_prefix        = "${substr(var.name, 0, 30)}-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "deliver-to-s3"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.delivery.json
}

# ---- delivery stream ---------------------------------------------------------------

resource "aws_kinesis_firehose_delivery_stream" "this" {
  name        = var.name
  destination = "extended_s3"

  kinesis_source_configuration {
    kinesis_stream_arn = var.source_stream_arn
    role_arn           = aws_iam_role.this.arn
  }

  extended_s3_configuration {
    role_arn            = aws_iam_role.this.arn
    bucket_arn          = var.bucket_arn
    prefix              = local.prefix
    error_output_prefix = local.error_prefix
    buffering_size      = var.buffering_size_mib
    buffering_interval  = var.buffering_interval_seconds
    # Parquet compresses its pages itself (SNAPPY); raw JSON is gzipped.
    compression_format = local.parquet ? "UNCOMPRESSED" : "GZIP"
    kms_key_arn        = var.bucket_kms_key_arn

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = aws_cloudwatch_log_group.this.name
      log_stream_name = aws_cloudwatch_log_stream.s3.name
    }

    dynamic_partitioning_configuration {
      enabled        = true
      retry_duration = var.retry_duration_seconds
    }

    processing_configuration {
      enabled = true

      processors {
        type = "MetadataExtraction"

        parameters {
          parameter_name  = "JsonParsingEngine"
          parameter_value = "JQ-1.6"
        }
        parameters {
          parameter_name  = "MetadataExtractionQuery"
          parameter_value = local.partition_query
        }
      }

      # Raw zone: one JSON document per line, so Athena reads it line by line.
      dynamic "processors" {
        for_each = local.parquet ? [] : [1]
        content {
          type = "AppendDelimiterToRecord"
        }
      }
    }

    dynamic "data_format_conversion_configuration" {
      for_each = local.parquet ? [1] : []
      content {
        enabled = true

        input_format_configuration {
          deserializer {
            open_x_json_ser_de {}
          }
        }

        output_format_configuration {
          serializer {
            parquet_ser_de {
              compression = "SNAPPY"
            }
          }
        }

        schema_configuration {
          database_name = var.glue_database_name
          table_name    = var.glue_table_name
          role_arn      = aws_iam_role.this.arn
          region        = local.region
          version_id    = "LATEST"
        }
      }
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = !local.parquet || (var.glue_database_name != null && var.glue_table_name != null)
      error_message = "output_format PARQUET needs glue_database_name and glue_table_name."
    }
    precondition {
      condition     = !(local.parquet && var.partitioning != "event")
      error_message = "output_format PARQUET converts events through the events table: partitioning must be \"event\"."
    }
  }

  depends_on = [aws_iam_role_policy.this]
}
