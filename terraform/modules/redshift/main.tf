# Redshift Serverless with streaming ingestion from the events stream:
# namespace + workgroup, the IAM role Redshift assumes to read Kinesis, and the
# SQL (kept in sql/*.sql, rendered here) for the external schema, the
# auto-refresh materialized view and the deduplicated table/merge.
#
# The SQL is applied with the Redshift Data API when apply_sql = true, or by a
# migration tool from the rendered_sql output otherwise. CREATE MATERIALIZED
# VIEW has no IF NOT EXISTS, so the statements are created once and replaced
# only when the SQL text changes.

locals {
  mv_name = "${var.local_schema}.${var.table_name}_stream_mv"

  sql = {
    "01_external_schema" = templatefile("${path.module}/sql/01_external_schema.sql", {
      schema       = var.kinesis_schema
      iam_role_arn = aws_iam_role.streaming.arn
    })
    "02_events_stream_mv" = templatefile("${path.module}/sql/02_events_stream_mv.sql", {
      schema      = var.kinesis_schema
      stream_name = var.stream_name
      mv_name     = local.mv_name
    })
    "03_events_dedup" = templatefile("${path.module}/sql/03_events_dedup.sql", {
      mv_name    = local.mv_name
      table_name = "${var.local_schema}.${var.table_name}"
    })
  }
}

# ---- IAM: streaming ingestion reads the stream -------------------------------------

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "streaming" {
  statement {
    sid = "ReadEventsStream"
    actions = [
      "kinesis:DescribeStreamSummary",
      "kinesis:DescribeStream",
      "kinesis:GetShardIterator",
      "kinesis:GetRecords",
      "kinesis:ListShards",
    ]
    resources = [var.stream_arn]
  }

  dynamic "statement" {
    for_each = var.stream_kms_key_arn == null ? [] : [var.stream_kms_key_arn]
    content {
      sid       = "DecryptEventsStream"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "streaming" {
  name_prefix        = "${substr(var.name, 0, 24)}-kds-"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "streaming" {
  name   = "read-events-stream"
  role   = aws_iam_role.streaming.id
  policy = data.aws_iam_policy_document.streaming.json
}

# ---- Redshift Serverless -------------------------------------------------------------

resource "aws_redshiftserverless_namespace" "this" {
  namespace_name        = var.name
  db_name               = var.db_name
  admin_username        = var.admin_username
  manage_admin_password = true
  iam_roles             = [aws_iam_role.streaming.arn]
  default_iam_role_arn  = aws_iam_role.streaming.arn
  tags                  = var.tags
}

resource "aws_redshiftserverless_workgroup" "this" {
  workgroup_name       = var.name
  namespace_name       = aws_redshiftserverless_namespace.this.namespace_name
  base_capacity        = var.base_capacity_rpu
  max_capacity         = var.max_capacity_rpu
  subnet_ids           = var.subnet_ids
  security_group_ids   = var.security_group_ids
  publicly_accessible  = false
  enhanced_vpc_routing = true
  tags                 = var.tags
}

# Cost guard: auto-refresh keeps the workgroup busy, so cap the RPU-hours.
resource "aws_redshiftserverless_usage_limit" "compute" {
  count = var.monthly_rpu_hours_limit == null ? 0 : 1

  resource_arn  = aws_redshiftserverless_workgroup.this.arn
  usage_type    = "serverless-compute"
  amount        = var.monthly_rpu_hours_limit
  period        = "monthly"
  breach_action = "log"
}

# ---- SQL -------------------------------------------------------------------------------

resource "aws_redshiftdata_statement" "external_schema" {
  count = var.apply_sql ? 1 : 0

  workgroup_name = aws_redshiftserverless_workgroup.this.workgroup_name
  database       = var.db_name
  sql            = local.sql["01_external_schema"]

  depends_on = [aws_iam_role_policy.streaming]
}

resource "aws_redshiftdata_statement" "stream_mv" {
  count = var.apply_sql ? 1 : 0

  workgroup_name = aws_redshiftserverless_workgroup.this.workgroup_name
  database       = var.db_name
  sql            = local.sql["02_events_stream_mv"]

  depends_on = [aws_redshiftdata_statement.external_schema]
}

resource "aws_redshiftdata_statement" "dedup" {
  count = var.apply_sql ? 1 : 0

  workgroup_name = aws_redshiftserverless_workgroup.this.workgroup_name
  database       = var.db_name
  sql            = local.sql["03_events_dedup"]

  depends_on = [aws_redshiftdata_statement.stream_mv]
}
