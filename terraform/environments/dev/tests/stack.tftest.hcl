# The dev environment through modules/stack, with a mocked AWS provider: what
# the rest of the repository relies on, as Terraform itself evaluates it.
#   - deploy/local (layout.mjs) reads the Firehose prefixes, error prefixes,
#     partition query and JSON engine from this Terraform and rebuilds the lake
#     with them; the literals below are that contract.
#   - The Glue Parquet table's columns are the enriched event fields of
#     config/event-fields.json, computed from that file here (tables built from
#     config/catalog/*.json would be checked the same way: fileset() and
#     jsondecode(file()), never a copied list).
# Run: scripts/check_terraform.sh (or terraform init -backend=false &&
# terraform test in this environment, with the provider installed).

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  region                = "eu-west-1"
  lake_bucket_name      = "example-streamgate-dev-lake"
  vpc_id                = "vpc-0123456789abcdef0"
  public_subnet_ids     = ["subnet-aaaa", "subnet-bbbb"]
  private_subnet_ids    = ["subnet-cccc", "subnet-dddd"]
  certificate_arn       = "arn:aws:acm:eu-west-1:123456789012:certificate/0000"
  allowed_ingress_cidrs = ["10.0.0.0/8"]
  image                 = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/streamgate@sha256:0000"
  event_types           = ["payment", "order"]
  passthrough_streams   = ["raw"]
  stream_aggregation    = { events = "kpl" }
}

# One apply of the mocked environment, every assertion on it (each run costs a
# whole plan and apply).
run "dev" {
  # ---- Firehose: the S3 layout both delivery streams write and deploy/local reproduces.
  assert {
    condition     = module.stack.firehose_destinations.parquet.prefix == "parquet/events/event_type=!{partitionKeyFromQuery:event_type}/dt=!{partitionKeyFromQuery:dt}/"
    error_message = "Parquet prefix is ${module.stack.firehose_destinations.parquet.prefix}"
  }
  assert {
    condition     = module.stack.firehose_destinations.raw.prefix == "raw/events/event_type=!{partitionKeyFromQuery:event_type}/dt=!{partitionKeyFromQuery:dt}/"
    error_message = "raw prefix is ${module.stack.firehose_destinations.raw.prefix}"
  }
  assert {
    condition     = module.stack.firehose_destinations.parquet.error_output_prefix == "errors/parquet/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"
    error_message = "Parquet error prefix is ${module.stack.firehose_destinations.parquet.error_output_prefix}"
  }
  assert {
    condition     = module.stack.firehose_destinations.raw.error_output_prefix == "errors/raw/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"
    error_message = "raw error prefix is ${module.stack.firehose_destinations.raw.error_output_prefix}"
  }

  # The partition keys come from the record (event time), by the same jq query on both streams.
  assert {
    condition = alltrue([for zone, d in module.stack.firehose_destinations : {
      for p in one(d.processing_configuration).processors[*] : p.type => { for kv in p.parameters : kv.parameter_name => kv.parameter_value }...
      }["MetadataExtraction"] == [{
        JsonParsingEngine       = "JQ-1.6"
        MetadataExtractionQuery = "{event_type: .event_type, dt: .created_datetime[0:10]}"
    }]])
    error_message = "Both delivery streams must extract {event_type, dt} with JQ-1.6 as deploy/local does."
  }
  assert {
    condition = alltrue([for zone, d in module.stack.firehose_destinations :
      one(d.dynamic_partitioning_configuration).enabled && one(d.processing_configuration).enabled && one(d.cloudwatch_logging_options).enabled
    ])
    error_message = "Dynamic partitioning, record processing and error logging must be on for both delivery streams."
  }

  # Parquet: converted through the Glue table; raw: GZIP JSON lines, converted by nothing.
  assert {
    condition = (
      one(module.stack.firehose_destinations.parquet.data_format_conversion_configuration).enabled &&
      length(one(one(one(module.stack.firehose_destinations.parquet.data_format_conversion_configuration).output_format_configuration).serializer).parquet_ser_de) == 1 &&
      one(one(module.stack.firehose_destinations.parquet.data_format_conversion_configuration).schema_configuration).table_name == "events" &&
      module.stack.firehose_destinations.parquet.compression_format == "UNCOMPRESSED"
    )
    error_message = "The Parquet delivery stream must convert to Parquet through the Glue table events."
  }
  assert {
    condition = (
      length(module.stack.firehose_destinations.raw.data_format_conversion_configuration) == 0 &&
      module.stack.firehose_destinations.raw.compression_format == "GZIP" &&
      contains(one(module.stack.firehose_destinations.raw.processing_configuration).processors[*].type, "AppendDelimiterToRecord")
    )
    error_message = "The raw delivery stream must write GZIP JSON lines, unconverted."
  }

  # ---- Glue. Columns: every enriched field of config/event-fields.json, in order, except
  # the partition keys (Hive refuses a name that is both).
  assert {
    condition = module.stack.glue_tables.events.columns == [
      for f in flatten([for group, fields in jsondecode(file("../../../config/event-fields.json")) : fields if !startswith(group, "_")]) :
      { name = f.name, type = f.type } if !contains(module.stack.glue_tables.events.partition_keys[*].name, f.name)
    ]
    error_message = "Glue events columns ${jsonencode(module.stack.glue_tables.events.columns)} differ from config/event-fields.json."
  }
  assert {
    condition = module.stack.glue_tables.events.partition_keys == [
      one([for f in jsondecode(file("../../../config/event-fields.json")).derived : { name = f.name, type = f.type } if f.name == "event_type"]),
      { name = "dt", type = "string" },
    ]
    error_message = "Glue events partition keys must be event_type (as in config/event-fields.json) and dt."
  }
  # Athena's projection finds exactly the partitions the delivery streams write.
  assert {
    condition = alltrue([for t in ["events", "events_raw"] :
      module.stack.glue_tables[t].location_template == "${module.stack.glue_tables[t].location}${join("/", [for k in module.stack.glue_tables[t].partition_keys : "${k.name}=$${${k.name}}"])}/"
    ])
    error_message = "The projection's storage.location.template must be the location followed by the partition keys."
  }
  assert {
    condition = alltrue([for t, zone in { events = "parquet", events_raw = "raw" } :
      module.stack.firehose_destinations[zone].prefix == "${trimprefix(module.stack.glue_tables[t].location, "s3://${module.stack.lake_bucket}/")}${join("/", [for k in module.stack.glue_tables[t].partition_keys : "${k.name}=!{partitionKeyFromQuery:${k.name}}"])}/"
    ])
    error_message = "Each delivery stream must write below its table's location, partitioned by the table's partition keys."
  }
  assert {
    condition = (
      module.stack.glue_tables.events.location == "s3://${module.stack.lake_bucket}/parquet/events/" &&
      module.stack.glue_tables.events_raw.location == "s3://${module.stack.lake_bucket}/raw/events/" &&
      module.stack.glue_tables.events_raw.columns == [{ name = "record", type = "string" }]
    )
    error_message = "The Glue tables must read the prefixes the delivery streams write."
  }

  # ---- Encryption at rest.
  assert {
    condition     = length(module.stack.stream_encryption) == 2 && alltrue([for s, e in module.stack.stream_encryption : e.encryption_type == "KMS" && e.kms_key_id != null])
    error_message = "Every stream (events and raw) must be KMS-encrypted: ${jsonencode(module.stack.stream_encryption)}"
  }
  assert {
    condition = (
      module.stack.lake_bucket_encryption.sse_algorithm == "aws:kms" &&
      startswith(module.stack.lake_bucket_encryption.kms_master_key_id, "arn:aws:kms:") &&
      module.stack.lake_bucket_encryption.bucket_key_enabled
    )
    error_message = "The lake bucket must default to SSE-KMS with its key and a bucket key."
  }

  # ---- Alarms. FailedConversion only exists for the delivery stream that converts.
  assert {
    condition     = contains(module.stack.alarm_names, "streamgate-dev-firehose-streamgate-dev-events-parquet-conversion-failed")
    error_message = "The Parquet delivery stream needs its FailedConversion alarm."
  }
  assert {
    condition     = length([for a in module.stack.alarm_names : a if endswith(a, "-conversion-failed")]) == 1
    error_message = "Only the Parquet delivery stream converts: ${jsonencode(module.stack.alarm_names)}"
  }
}
