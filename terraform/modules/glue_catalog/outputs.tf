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

output "tables" {
  description = "Each table by name: its location, the partition projection's location template, columns and partition keys (name and type), as applied."
  value = {
    for t in [aws_glue_catalog_table.events, aws_glue_catalog_table.events_raw] : t.name => {
      location          = t.storage_descriptor[0].location
      location_template = t.parameters["storage.location.template"]
      columns           = [for c in t.storage_descriptor[0].columns : { name = c.name, type = c.type }]
      partition_keys    = [for c in t.partition_keys : { name = c.name, type = c.type }]
    }
  }
}
