# Glue Data Catalog: the database, the Parquet table Firehose converts with
# (and Athena queries through partition projection), the raw JSON-lines table
# that keeps every field, and an optional crawler that registers partitions for
# engines that do not read projection (Redshift Spectrum, EMR, Glue ETL).
#
# The Parquet table's columns are the fields every event has after the
# gateway's enrichment (config/event-fields.json); terraform test
# (environments/dev/tests) compares the two. event_type is a partition key and so is not also declared
# as a column (Hive refuses a name that is both); its value comes from the
# event_type=... path segment, which Firehose fills from the same field.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  parquet_location = "s3://${var.bucket_name}/${var.parquet_prefix}"
  raw_location     = "s3://${var.bucket_name}/${var.raw_prefix}"

  # Shared by both tables: Athena computes partitions instead of listing them.
  projection = {
    "projection.enabled"           = "true"
    "projection.event_type.type"   = "enum"
    "projection.event_type.values" = join(",", var.event_types)
    "projection.dt.type"           = "date"
    "projection.dt.format"         = "yyyy-MM-dd"
    "projection.dt.range"          = "${var.projection_start_date},NOW"
    "projection.dt.interval"       = "1"
    "projection.dt.interval.unit"  = "DAYS"
  }

  glue_arn_prefix = "arn:${data.aws_partition.current.partition}:glue:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
}

resource "aws_glue_catalog_database" "this" {
  name        = var.database_name
  description = "streamgate events: Parquet and raw JSON zones of the data lake"
}

resource "aws_glue_catalog_table" "events" {
  name          = var.table_name
  database_name = aws_glue_catalog_database.this.name
  description   = "Common and derived event fields, Parquet, partitioned by event_type and event date (UTC)"
  table_type    = "EXTERNAL_TABLE"

  parameters = merge(local.projection, {
    "EXTERNAL"                  = "TRUE"
    "classification"            = "parquet"
    "parquet.compression"       = "SNAPPY"
    "storage.location.template" = "${local.parquet_location}event_type=$${event_type}/dt=$${dt}/"
  })

  storage_descriptor {
    location      = local.parquet_location
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      name                  = "parquet"
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
      parameters = {
        "serialization.format" = "1"
      }
    }

    columns {
      name    = "event_uuid"
      type    = "string"
      comment = "UUID, 8-4-4-4-12 hex; dedup key"
    }
    columns {
      name    = "event_name"
      type    = "string"
      comment = "parts joined by ':', e.g. payment:order:completed"
    }
    columns {
      name    = "created_at"
      type    = "double"
      comment = "Unix seconds as sent by the client"
    }
    columns {
      name    = "created_datetime"
      type    = "timestamp"
      comment = "ISO 8601 UTC of created_at (added by streamgate)"
    }
    columns {
      name    = "event_subtype"
      type    = "string"
      comment = "second part of event_name, null when absent (added by streamgate)"
    }
  }

  partition_keys {
    name    = "event_type"
    type    = "string"
    comment = "first part of event_name (added by streamgate); also the S3 partition"
  }
  partition_keys {
    name    = "dt"
    type    = "string"
    comment = "UTC date of created_at, yyyy-MM-dd (event time, not arrival time)"
  }
}

# Every field of every event, one JSON document per line, GZIP. Query the
# type-specific fields with json_extract_scalar(record, '$.amount').
resource "aws_glue_catalog_table" "events_raw" {
  name          = var.raw_table_name
  database_name = aws_glue_catalog_database.this.name
  description   = "Raw enriched events as JSON lines (all fields), partitioned like the Parquet table"
  table_type    = "EXTERNAL_TABLE"

  parameters = merge(local.projection, {
    "EXTERNAL"                  = "TRUE"
    "classification"            = "json-lines"
    "compressionType"           = "gzip"
    "storage.location.template" = "${local.raw_location}event_type=$${event_type}/dt=$${dt}/"
  })

  storage_descriptor {
    location      = local.raw_location
    input_format  = "org.apache.hadoop.mapred.TextInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

    # One column holding the whole line: the field delimiter is a control
    # character, which JSON text never contains unescaped.
    ser_de_info {
      name                  = "json-line"
      serialization_library = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
      parameters = {
        "field.delim"          = "\u0001"
        "serialization.format" = "\u0001"
      }
    }

    columns {
      name    = "record"
      type    = "string"
      comment = "the enriched event exactly as streamgate wrote it to Kinesis"
    }
  }

  partition_keys {
    name = "event_type"
    type = "string"
  }
  partition_keys {
    name = "dt"
    type = "string"
  }
}

# ---- optional crawler: registers new partitions for non-Athena engines ----------

data "aws_iam_policy_document" "crawler_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "crawler" {
  statement {
    sid     = "ReadLake"
    actions = ["s3:GetObject", "s3:ListBucket"]
    resources = [
      var.bucket_arn,
      "${var.bucket_arn}/${var.parquet_prefix}*",
      "${var.bucket_arn}/${var.raw_prefix}*",
    ]
  }

  statement {
    sid       = "DecryptLake"
    actions   = ["kms:Decrypt"]
    resources = [var.bucket_kms_key_arn]
  }

  statement {
    sid = "UpdatePartitions"
    actions = [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:UpdateTable",
      "glue:GetPartition",
      "glue:GetPartitions",
      "glue:BatchGetPartition",
      "glue:CreatePartition",
      "glue:BatchCreatePartition",
      "glue:UpdatePartition",
      "glue:BatchUpdatePartition",
    ]
    resources = [
      "${local.glue_arn_prefix}:catalog",
      "${local.glue_arn_prefix}:database/${aws_glue_catalog_database.this.name}",
      "${local.glue_arn_prefix}:table/${aws_glue_catalog_database.this.name}/*",
    ]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:/aws-glue/crawlers*"]
  }
}

resource "aws_iam_role" "crawler" {
  count = var.create_crawler ? 1 : 0

  name_prefix        = "${substr(var.database_name, 0, 20)}-crawler-"
  assume_role_policy = data.aws_iam_policy_document.crawler_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "crawler" {
  count = var.create_crawler ? 1 : 0

  name   = "crawl-data-lake"
  role   = aws_iam_role.crawler[0].id
  policy = data.aws_iam_policy_document.crawler.json
}

resource "aws_glue_crawler" "partitions" {
  count = var.create_crawler ? 1 : 0

  name          = "${var.database_name}-partitions"
  database_name = aws_glue_catalog_database.this.name
  role          = aws_iam_role.crawler[0].arn
  schedule      = var.crawler_schedule
  description   = "Adds new event_type/dt partitions to the declared tables; never changes their schema"

  catalog_target {
    database_name = aws_glue_catalog_database.this.name
    tables        = [aws_glue_catalog_table.events.name, aws_glue_catalog_table.events_raw.name]
  }

  # The tables are declared here; the crawler must not rewrite them.
  schema_change_policy {
    delete_behavior = "LOG"
    update_behavior = "LOG"
  }

  configuration = jsonencode({
    Version = 1.0
    CrawlerOutput = {
      Partitions = { AddOrUpdateBehavior = "InheritFromTable" }
    }
  })

  tags = var.tags
}
