# The dev environment through modules/stack, with a mocked AWS provider: what
# the rest of the repository relies on, as Terraform itself evaluates it.
#   - deploy/local (layout.mjs) reads the Firehose prefixes, error prefixes,
#     partition query and JSON engine from this Terraform and rebuilds the lake
#     with them; the literals below are that contract.
#   - The Glue Parquet table's columns are the enriched event fields of
#     config/event-fields.json, then the fields of the event catalog
#     config/catalog, computed from those files here; projection's event types
#     and the per-type views come from the catalog too.
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
    }] if zone != "bad"])
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

  # ---- The bad zone: the dead-letter stream's bad rows, GZIP JSON lines under
  # bad/events/dt=<day received>/, read by the Glue table bad_events.
  assert {
    condition     = module.stack.firehose_destinations.bad.prefix == "bad/events/dt=!{partitionKeyFromQuery:dt}/" && module.stack.firehose_destinations.bad.error_output_prefix == "errors/bad/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/"
    error_message = "bad prefix is ${module.stack.firehose_destinations.bad.prefix}"
  }
  assert {
    condition = {
      for p in one(module.stack.firehose_destinations.bad.processing_configuration).processors[*] : p.type => { for kv in p.parameters : kv.parameter_name => kv.parameter_value }...
      }["MetadataExtraction"] == [{
        JsonParsingEngine       = "JQ-1.6"
        MetadataExtractionQuery = "{dt: .received_at[0:10]}"
    }]
    error_message = "The bad rows are partitioned by the day the gateway received them."
  }
  assert {
    condition     = module.stack.firehose_destinations.bad.compression_format == "GZIP" && length(module.stack.firehose_destinations.bad.data_format_conversion_configuration) == 0 && contains(one(module.stack.firehose_destinations.bad.processing_configuration).processors[*].type, "AppendDelimiterToRecord")
    error_message = "The bad zone is GZIP JSON lines, unconverted."
  }
  assert {
    condition     = module.stack.glue_tables.bad_events.location == "s3://${module.stack.lake_bucket}/bad/events/" && module.stack.glue_tables.bad_events.partition_keys == [{ name = "dt", type = "string" }] && module.stack.glue_tables.bad_events.location_template == "s3://${module.stack.lake_bucket}/bad/events/dt=$${dt}/"
    error_message = "bad_events must read the bad zone, partitioned by dt."
  }
  assert {
    condition     = module.stack.dead_letter_stream == "streamgate-dev-events-dead-letter"
    error_message = "The dead-letter stream is events-dead-letter (config/local.json names it so)."
  }

  # ---- Glue. Columns: every enriched field of config/event-fields.json, in order, except
  # the partition keys (Hive refuses a name that is both), then every field of
  # the event catalog once, sorted by name.
  assert {
    condition = slice(module.stack.glue_tables.events.columns, 0, 5) == [
      for f in flatten([for group, fields in jsondecode(file("../../../config/event-fields.json")) : fields if !startswith(group, "_")]) :
      { name = f.name, type = f.type } if !contains(module.stack.glue_tables.events.partition_keys[*].name, f.name)
    ]
    error_message = "Glue events columns ${jsonencode(module.stack.glue_tables.events.columns)} do not start with config/event-fields.json."
  }
  assert {
    condition = jsonencode([for c in slice(module.stack.glue_tables.events.columns, 5, length(module.stack.glue_tables.events.columns)) : c.name]) == jsonencode(sort(distinct(flatten([
      for f in fileset("../../../config/catalog", "*.json") : keys(jsondecode(file("../../../config/catalog/${f}")).properties)
    ]))))
    error_message = "After the common fields, the events columns are the catalog's fields, each once, sorted."
  }
  assert {
    condition     = module.stack.projected_event_types == sort(distinct([for f in fileset("../../../config/catalog", "*.json") : split(".", f)[0]]))
    error_message = "Partition projection's event types are the first parts of the catalog's type names: ${jsonencode(module.stack.projected_event_types)}"
  }
  assert {
    condition     = module.stack.glue_views == { for f in fileset("../../../config/catalog", "*.json") : replace(trimsuffix(f, ".json"), ".", ":") => replace(trimsuffix(f, ".json"), ".", "_") }
    error_message = "One view per catalog type, named with '_' for ':'."
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
    condition     = length(module.stack.stream_encryption) == 3 && alltrue([for s, e in module.stack.stream_encryption : e.encryption_type == "KMS" && e.kms_key_id != null])
    error_message = "Every stream (events, its dead letter and raw) must be KMS-encrypted: ${jsonencode(module.stack.stream_encryption)}"
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

  # ---- The gateway validates against the same catalog and keeps refused
  # events on the dead-letter stream the bad zone is delivered from.
  assert {
    condition = [for s in module.stack.gateway_config.streams : [s.catalog, s.unknown_event_types, s.dead_letter_stream] if s.name == "events"] == [[
      "/etc/streamgate/catalog", "reject", module.stack.dead_letter_stream
    ]]
    error_message = "The events route must name the image's catalog and the dead-letter stream: ${jsonencode(module.stack.gateway_config.streams)}"
  }
  assert {
    condition     = module.stack.gateway_config.trusted_proxies == ["10.0.0.0/16"]
    error_message = "The gateway trusts X-Forwarded-For from the VPC's CIDR only: ${jsonencode(module.stack.gateway_config.trusted_proxies)}"
  }
}
