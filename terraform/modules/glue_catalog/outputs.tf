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
