output "database_name" {
  description = "Glue database name."
  value       = aws_glue_catalog_database.this.name
}

output "table_name" {
  description = "Parquet table name (the Firehose conversion schema)."
  value       = aws_glue_catalog_table.events.name
}

output "raw_table_name" {
  description = "Raw JSON-lines table name."
  value       = aws_glue_catalog_table.events_raw.name
}

output "table_arn" {
  description = "Parquet table ARN."
  value       = aws_glue_catalog_table.events.arn
}

output "crawler_name" {
  description = "Crawler name, or null when no crawler is created."
  value       = var.create_crawler ? aws_glue_crawler.partitions[0].name : null
}

output "bad_table_name" {
  description = "Bad-row table name (refused events)."
  value       = aws_glue_catalog_table.bad_events.name
}

output "event_types" {
  description = "The event_type values partition projection knows, from the catalog."
  value       = local.event_types
}

output "view_names" {
  description = "event_name -> its Athena view (first copy per event_uuid, typed columns)."
  value       = { for n, t in local.catalog_types : n => aws_glue_catalog_table.type_view[n].name }
}

output "tables" {
  description = "Each table by name: its location, the partition projection's location template, columns and partition keys (name and type), as applied."
  value = {
    for t in [aws_glue_catalog_table.events, aws_glue_catalog_table.events_raw, aws_glue_catalog_table.bad_events] : t.name => {
      location          = t.storage_descriptor[0].location
      location_template = t.parameters["storage.location.template"]
      columns           = [for c in t.storage_descriptor[0].columns : { name = c.name, type = c.type }]
      partition_keys    = [for c in t.partition_keys : { name = c.name, type = c.type }]
    }
  }
}
