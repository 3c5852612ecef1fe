# The Glue side of the event catalog, with a mocked provider (no AWS): the
# events table's columns, partition projection's event types and one view per
# type come from catalog_dir alone, so pointing it at a catalog with one more
# type changes them with no other edit.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

variables {
  database_name      = "sg_test_events"
  bucket_name        = "sg-test-lake"
  bucket_arn         = "arn:aws:s3:::sg-test-lake"
  bucket_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  catalog_dir        = "tests/fixtures/catalog_a"
}

run "columns_projection_and_views_from_the_catalog" {
  command = plan

  assert {
    condition = [for c in aws_glue_catalog_table.events.storage_descriptor[0].columns : "${c.name} ${c.type}"] == [
      "event_uuid string", "event_name string", "created_at double", "created_datetime timestamp", "event_subtype string",
      "coupon_id string", "delivery_on date", "gift boolean", "item_ids array<bigint>", "note string", "paid_at timestamp",
      "plan string", "tags array<string>", "total double",
    ]
    error_message = "events columns: common + derived, then the catalog's fields sorted, with their Glue types"
  }
  assert {
    condition     = aws_glue_catalog_table.events.parameters["projection.event_type.values"] == "shop,user"
    error_message = "projection's event_type values are the catalog's event types"
  }
  assert {
    condition     = aws_glue_catalog_table.events_raw.parameters["projection.event_type.values"] == "shop,user"
    error_message = "the raw table projects the same event types"
  }
  assert {
    condition     = toset(keys(aws_glue_catalog_table.type_view)) == toset(["shop:order:placed", "user"])
    error_message = "one view per catalog type"
  }
  assert {
    condition     = aws_glue_catalog_table.type_view["shop:order:placed"].name == "shop_order_placed" && aws_glue_catalog_table.type_view["shop:order:placed"].table_type == "VIRTUAL_VIEW"
    error_message = "the view of shop:order:placed is shop_order_placed, a VIRTUAL_VIEW"
  }
  assert {
    condition = [for c in aws_glue_catalog_table.type_view["user"].storage_descriptor[0].columns : "${c.name} ${c.type}"] == [
      "event_uuid string", "event_name string", "created_at double", "created_datetime timestamp", "event_subtype string",
      "plan string", "tags array<string>", "event_type string", "dt string",
    ]
    error_message = "a view has the common columns, its own fields and the partition keys, nothing of other types"
  }
  assert {
    condition = jsondecode(base64decode(trimsuffix(trimprefix(aws_glue_catalog_table.type_view["shop:order:placed"].view_original_text, "/* Presto View: "), " */"))).columns == [
      { name = "event_uuid", type = "varchar" }, { name = "event_name", type = "varchar" }, { name = "created_at", type = "double" },
      { name = "created_datetime", type = "timestamp" }, { name = "event_subtype", type = "varchar" },
      { name = "coupon_id", type = "varchar" }, { name = "delivery_on", type = "date" }, { name = "gift", type = "boolean" },
      { name = "item_ids", type = "array(bigint)" }, { name = "note", type = "varchar" }, { name = "paid_at", type = "timestamp" },
      { name = "total", type = "double" }, { name = "event_type", type = "varchar" }, { name = "dt", type = "varchar" },
    ]
    error_message = "the Presto view metadata names the same columns with Athena's types"
  }
  assert {
    condition     = strcontains(jsondecode(base64decode(trimsuffix(trimprefix(aws_glue_catalog_table.type_view["shop:order:placed"].view_original_text, "/* Presto View: "), " */"))).originalSql, "WHERE event_type = 'shop' AND event_name = 'shop:order:placed'")
    error_message = "the view selects its type's rows (and prunes to its event_type partition)"
  }
  assert {
    condition     = strcontains(jsondecode(base64decode(trimsuffix(trimprefix(aws_glue_catalog_table.type_view["user"].view_original_text, "/* Presto View: "), " */"))).originalSql, "ROW_NUMBER() OVER (PARTITION BY event_uuid ORDER BY created_datetime) AS copy_number")
    error_message = "the view keeps the first copy of each event_uuid"
  }
  assert {
    condition     = aws_glue_catalog_table.bad_events.storage_descriptor[0].location == "s3://sg-test-lake/bad/events/"
    error_message = "bad_events reads the bad zone"
  }
}

run "a_new_type_changes_columns_projection_and_views" {
  command = plan

  variables {
    catalog_dir = "tests/fixtures/catalog_b"
  }

  assert {
    condition     = contains([for c in aws_glue_catalog_table.events.storage_descriptor[0].columns : "${c.name} ${c.type}"], "reason string")
    error_message = "the new type's field is a column"
  }
  assert {
    condition     = length(aws_glue_catalog_table.events.storage_descriptor[0].columns) == 15
    error_message = "one column more (total was already declared, with the same type)"
  }
  assert {
    condition     = aws_glue_catalog_table.events.parameters["projection.event_type.values"] == "shop,user"
    error_message = "user:account:deleted is of the already projected type user"
  }
  assert {
    condition     = aws_glue_catalog_table.type_view["user:account:deleted"].name == "user_account_deleted"
    error_message = "the new type has its view"
  }
  assert {
    condition     = [for c in aws_glue_catalog_table.type_view["user:account:deleted"].storage_descriptor[0].columns : c.name] == ["event_uuid", "event_name", "created_at", "created_datetime", "event_subtype", "reason", "total", "event_type", "dt"]
    error_message = "the new view has the new type's fields"
  }
}

run "one_field_name_one_type" {
  command = plan

  variables {
    catalog_dir = "tests/fixtures/catalog_conflict"
  }

  expect_failures = [aws_glue_catalog_table.events]
}

run "the_repository_catalog" {
  command = plan

  variables {
    catalog_dir = "../../../config/catalog"
  }

  assert {
    condition     = aws_glue_catalog_table.events.parameters["projection.event_type.values"] == join(",", sort(distinct([for f in fileset("../../../config/catalog", "*.json") : split(".", f)[0]])))
    error_message = "projection lists the first part of every catalog file name"
  }
  assert {
    condition     = length(aws_glue_catalog_table.type_view) == length(fileset("../../../config/catalog", "*.json"))
    error_message = "one view per catalog file"
  }
  assert {
    condition     = contains([for c in aws_glue_catalog_table.type_view["payment:order:completed"].storage_descriptor[0].columns : "${c.name} ${c.type}"], "amount double")
    error_message = "payment_order_completed has amount as a double"
  }
}
