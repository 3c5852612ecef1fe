# Glue Data Catalog: the database, the Parquet table Firehose converts with
# (and Athena queries through partition projection), the raw JSON-lines table
# that keeps every field, one Athena view per event type of the catalog, the
# bad-row table over the dead-letter zone, and an optional crawler that
# registers partitions for engines that do not read projection (Redshift
# Spectrum, EMR, Glue ETL).
#
# The Parquet table's columns are the fields every event has after the
# gateway's enrichment (config/event-fields.json; terraform test in
# environments/dev/tests compares the two), then one column per field of the
# event catalog (var.catalog_dir, read here with fileset + jsondecode: nothing
# is copied by hand). event_type is a partition key and so is not also declared
# as a column (Hive refuses a name that is both); its value comes from the
# event_type=... path segment, which Firehose fills from the same field.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  parquet_location = "s3://${var.bucket_name}/${var.parquet_prefix}"
  raw_location     = "s3://${var.bucket_name}/${var.raw_prefix}"

  # Shared by both tables: Athena computes partitions instead of listing them.
  # The event_type values are the catalog's.
  projection = {
    "projection.enabled"           = "true"
    "projection.event_type.type"   = "enum"
    "projection.event_type.values" = join(",", local.event_types)
    "projection.dt.type"           = "date"
    "projection.dt.format"         = "yyyy-MM-dd"
    "projection.dt.range"          = "${var.projection_start_date},NOW"
    "projection.dt.interval"       = "1"
    "projection.dt.interval.unit"  = "DAYS"
  }

  bad_location = "s3://${var.bucket_name}/${var.bad_prefix}"

  glue_arn_prefix = "arn:${data.aws_partition.current.partition}:glue:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
}

# ---- the event catalog ------------------------------------------------------------
#
# JSON Schema type -> Glue (Hive) column type; a string with a format of
# catalog_glue_formats takes that type instead; an array is array<the type of
# its items>; "null" in a type list only makes the column nullable (every
# column is). deploy/local/layout.mjs reads these two maps from this file, so
# the local lake types a field as Athena does. Why these types:
# docs/architecture.md, "Typed tables per event type".
locals {
  catalog_glue_types = {
    string  = "string"
    integer = "bigint"
    number  = "double"
    boolean = "boolean"
  }
  catalog_glue_formats = {
    "date-time" = "timestamp"
    date        = "date"
  }
  # Glue (Hive) type -> the type Athena's view metadata names (Presto).
  presto_types = {
    string    = "varchar"
    bigint    = "bigint"
    double    = "double"
    boolean   = "boolean"
    timestamp = "timestamp"
    date      = "date"
  }
  # Columns of every event (event-fields.json) and the partition keys: no
  # catalog field may take one of these names.
  reserved_names = ["event_uuid", "event_name", "created_at", "created_datetime", "event_type", "event_subtype", "dt"]

  # "payment.order.completed.json" -> "payment:order:completed" -> its schema.
  catalog = {
    for f in fileset(var.catalog_dir, "*.json") :
    replace(trimsuffix(f, ".json"), ".", ":") => jsondecode(file("${var.catalog_dir}/${f}"))
  }

  # One entry per (type, field) with its column type. Conditionals evaluate
  # both branches, so every map access is a lookup with "" for "no type"
  # (refused by the preconditions of aws_glue_catalog_table.events).
  catalog_fields = flatten([
    for event_name, doc in local.catalog : [
      for field, p in try(doc.properties, {}) : {
        event_name = event_name
        field      = field
        comment    = substr(try(tostring(p.description), ""), 0, 255)
        type = (
          one([for t in flatten([try(p.type, "")]) : t if t != "null"]) == "array"
          ? format("array<%s>", (
            one([for t in flatten([try(p.items.type, "")]) : t if t != "null"]) == "string"
            ? lookup(local.catalog_glue_formats, try(p.items.format, ""), "string")
            : lookup(local.catalog_glue_types, one([for t in flatten([try(p.items.type, "")]) : t if t != "null"]), "")
          ))
          : (
            one([for t in flatten([try(p.type, "")]) : t if t != "null"]) == "string"
            ? lookup(local.catalog_glue_formats, try(p.format, ""), "string")
            : lookup(local.catalog_glue_types, one([for t in flatten([try(p.type, "")]) : t if t != "null"]), "")
          )
        )
      }
    ]
  ])

  # field -> every (type, field) entry that declares it.
  catalog_field_decls = { for c in local.catalog_fields : c.field => c... }
  # field -> {type, comment}: one column per field name (keys sorted).
  catalog_columns = {
    for field, decls in local.catalog_field_decls : field => {
      type    = decls[0].type
      comment = decls[0].comment != "" ? decls[0].comment : "declared by ${join(", ", distinct([for d in decls : d.event_name]))}"
    }
  }

  # event_name -> its view and its own fields (sorted).
  catalog_types = {
    for event_name, doc in local.catalog : event_name => {
      event_type = split(":", event_name)[0]
      view       = replace(event_name, ":", "_")
      fields     = sort([for c in local.catalog_fields : c.field if c.event_name == event_name])
    }
  }
  event_types = sort(distinct([for t in values(local.catalog_types) : t.event_type]))

  # Each view: the table's own columns that are not catalog fields (the common
  # and derived ones, in the table's order), the type's fields, the partition
  # keys.
  base_columns = [for c in aws_glue_catalog_table.events.storage_descriptor[0].columns : c if !contains(keys(local.catalog_columns), c.name)]
  view_columns = {
    for event_name, t in local.catalog_types : event_name => concat(
      [for c in local.base_columns : { name = c.name, type = c.type }],
      [for f in t.fields : { name = f, type = local.catalog_columns[f].type }],
      [for k in aws_glue_catalog_table.events.partition_keys : { name = k.name, type = k.type }],
    )
  }
  view_sql = {
    for event_name, t in local.catalog_types : event_name => templatefile("${path.module}/type_view.sql.tftpl", {
      columns    = join(", ", [for c in local.view_columns[event_name] : "\"${c.name}\""])
      table      = var.table_name
      event_type = t.event_type
      event_name = event_name
    })
  }
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

    # The catalog's fields, sorted by name. Parquet columns are read by name,
    # so a field added anywhere in the order reads as null in older files.
    dynamic "columns" {
      for_each = local.catalog_columns
      content {
        name    = columns.key
        type    = columns.value.type
        comment = columns.value.comment
      }
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

  lifecycle {
    precondition {
      condition     = length(local.catalog) > 0
      error_message = "catalog_dir ${var.catalog_dir} has no *.json event type."
    }
    precondition {
      condition     = alltrue([for n in keys(local.catalog) : can(regex("^[a-z0-9_]{1,64}(:[a-z0-9_]{1,64})*$", n))])
      error_message = "Catalog file names must be <event name with ':' as '.'>.json, parts of [a-z0-9_]: ${join(", ", [for n in keys(local.catalog) : n if !can(regex("^[a-z0-9_]{1,64}(:[a-z0-9_]{1,64})*$", n))])}."
    }
    precondition {
      condition     = alltrue([for c in local.catalog_fields : c.type != "" && !strcontains(c.type, "<>")])
      error_message = "Catalog fields without a column type (type must be string, integer, number, boolean or an array of one of those): ${join(", ", [for c in local.catalog_fields : "${c.event_name} ${c.field}" if c.type == "" || strcontains(c.type, "<>")])}."
    }
    precondition {
      condition     = alltrue([for f, decls in local.catalog_field_decls : length(distinct([for d in decls : d.type])) == 1])
      error_message = "A field name has one column type in the whole catalog: ${join("; ", [for f, decls in local.catalog_field_decls : "${f} is ${join(" and ", distinct([for d in decls : "${d.type} (${d.event_name})"]))}" if length(distinct([for d in decls : d.type])) > 1])}."
    }
    precondition {
      condition     = length(setintersection(keys(local.catalog_columns), local.reserved_names)) == 0
      error_message = "Catalog fields may not take the name of a common or partition column: ${join(", ", setintersection(keys(local.catalog_columns), local.reserved_names))}."
    }
    precondition {
      condition     = length(distinct([for t in values(local.catalog_types) : t.view])) == length(local.catalog_types) && length(setintersection([for t in values(local.catalog_types) : t.view], [var.table_name, var.raw_table_name, var.bad_table_name])) == 0
      error_message = "Two event types have the same view name (':' becomes '_'), or a view would take a table's name."
    }
  }
}

# One view per event type: its columns, its rows, the first copy of each
# event_uuid (a client's retry is two Kinesis records and so two rows of
# events). A Glue table of type VIRTUAL_VIEW in the encoding Athena writes for
# CREATE VIEW ("Presto View": the base64 of a JSON document with the SQL and
# the column types), so terraform apply makes and updates them, plan shows
# their SQL, and terraform test asserts them. The SQL template is shared with
# the local lake (deploy/local/lake.mjs). Why not named queries or Iceberg:
# docs/architecture.md.
resource "aws_glue_catalog_table" "type_view" {
  for_each = local.catalog_types

  name          = each.value.view
  database_name = aws_glue_catalog_database.this.name
  description   = "${each.key}: one row per event_uuid (first copy), typed columns of config/catalog"
  table_type    = "VIRTUAL_VIEW"

  view_original_text = "/* Presto View: ${base64encode(jsonencode({
    originalSql = local.view_sql[each.key]
    catalog     = "awsdatacatalog"
    schema      = aws_glue_catalog_database.this.name
    columns = [for c in local.view_columns[each.key] : {
      name = c.name
      type = startswith(c.type, "array<") ? format("array(%s)", lookup(local.presto_types, trimsuffix(trimprefix(c.type, "array<"), ">"), "")) : lookup(local.presto_types, c.type, "")
    }]
  }))} */"
  view_expanded_text = "/* Presto View */"

  parameters = {
    presto_view = "true"
    comment     = "Presto View"
  }

  storage_descriptor {
    ser_de_info {
      name                  = "-"
      serialization_library = "-"
    }

    dynamic "columns" {
      for_each = local.view_columns[each.key]
      content {
        name = columns.value.name
        type = columns.value.type
      }
    }
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

# Bad rows: one JSON object per line, GZIP, as the dead-letter stream's
# delivery writes them under bad_prefix (dt = the UTC day the gateway received
# the event). The OpenX JSON SerDe maps the members to these columns;
# payload is the refused event as sent, a JSON string.
resource "aws_glue_catalog_table" "bad_events" {
  name          = var.bad_table_name
  database_name = aws_glue_catalog_database.this.name
  description   = "Events the gateway refused (bad rows of the dead-letter stream), partitioned by the day received"
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    "EXTERNAL"                    = "TRUE"
    "classification"              = "json"
    "compressionType"             = "gzip"
    "projection.enabled"          = "true"
    "projection.dt.type"          = "date"
    "projection.dt.format"        = "yyyy-MM-dd"
    "projection.dt.range"         = "${var.projection_start_date},NOW"
    "projection.dt.interval"      = "1"
    "projection.dt.interval.unit" = "DAYS"
    "storage.location.template"   = "${local.bad_location}dt=$${dt}/"
  }

  storage_descriptor {
    location      = local.bad_location
    input_format  = "org.apache.hadoop.mapred.TextInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

    ser_de_info {
      name                  = "bad-row"
      serialization_library = "org.openx.data.jsonserde.JsonSerDe"
      parameters = {
        # A line that is not a bad row reads as nulls instead of failing the query.
        "ignore.malformed.json" = "true"
      }
    }

    columns {
      name    = "failure"
      type    = "struct<timestamp:string,reasons:array<struct<path:string,rule:string,message:string>>>"
      comment = "when (ISO 8601 UTC) and why: one reason per rule the event broke"
    }
    columns {
      name    = "event_name"
      type    = "string"
      comment = "the refused event's event_name when it had one"
    }
    columns {
      name    = "stream"
      type    = "string"
      comment = "the gateway route the event was sent to"
    }
    columns {
      name = "request_id"
      type = "string"
    }
    columns {
      name    = "api_key_id"
      type    = "string"
      comment = "null without API keys"
    }
    columns {
      name    = "received_at"
      type    = "string"
      comment = "ISO 8601 UTC, when the gateway received the request"
    }
    columns {
      name    = "payload"
      type    = "string"
      comment = "the event as sent (JSON text)"
    }
  }

  partition_keys {
    name    = "dt"
    type    = "string"
    comment = "UTC date of received_at, yyyy-MM-dd"
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
      "${var.bucket_arn}/${var.bad_prefix}*",
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
    tables        = [aws_glue_catalog_table.events.name, aws_glue_catalog_table.events_raw.name, aws_glue_catalog_table.bad_events.name]
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
