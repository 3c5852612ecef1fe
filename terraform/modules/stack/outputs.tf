output "gateway_url" {
  description = "Load balancer DNS name as an https URL; point the public host name at it."
  value       = "https://${module.gateway.alb_dns_name}"
}

output "alb_dns_name" {
  description = "Load balancer DNS name."
  value       = module.gateway.alb_dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the load balancer (for an alias record)."
  value       = module.gateway.alb_zone_id
}

output "events_stream_name" {
  description = "Name of the events stream."
  value       = module.events_stream.name
}

output "events_stream_arn" {
  description = "ARN of the events stream."
  value       = module.events_stream.arn
}

output "passthrough_stream_arns" {
  description = "ARN of each passthrough stream, by route name."
  value       = { for s, m in module.passthrough_stream : s => m.arn }
}

output "lake_bucket" {
  description = "Data-lake bucket name."
  value       = module.lake_bucket.bucket_id
}

output "lake_bucket_arn" {
  description = "Data-lake bucket ARN."
  value       = module.lake_bucket.bucket_arn
}

output "glue_database" {
  description = "Glue database with the events (Parquet) and events_raw (JSON) tables."
  value       = module.catalog.database_name
}

output "firehose_names" {
  description = "Delivery streams: Parquet first, then raw JSON, then the bad rows."
  value       = [module.firehose_parquet.name, module.firehose_raw.name, module.firehose_bad.name]
}

output "dashboard" {
  description = "CloudWatch dashboard name."
  value       = module.monitoring.dashboard_name
}

output "alarm_names" {
  description = "Every CloudWatch alarm of the environment."
  value       = module.monitoring.alarm_names
}

output "redshift_workgroup" {
  description = "Redshift Serverless workgroup, or null when Redshift is disabled."
  value       = var.enable_redshift ? module.redshift[0].workgroup_name : null
}

output "firehose_destinations" {
  description = "S3 destination of each delivery stream as applied (parquet, raw, bad): prefixes, partition query, format conversion. deploy/local reads the same settings from this Terraform."
  value = {
    parquet = module.firehose_parquet.s3_destination
    raw     = module.firehose_raw.s3_destination
    bad     = module.firehose_bad.s3_destination
  }
}

output "glue_tables" {
  description = "Glue tables by name: location, columns and partition keys."
  value       = module.catalog.tables
}

output "glue_views" {
  description = "event_name -> its Athena view (typed columns, first copy per event_uuid), one per type of the event catalog."
  value       = module.catalog.view_names
}

output "projected_event_types" {
  description = "The event_type values Athena's partition projection knows (the catalog's)."
  value       = module.catalog.event_types
}

output "dead_letter_stream" {
  description = "Kinesis stream of the bad rows (the events route's dead_letter_stream)."
  value       = module.dead_letter_stream.name
}

output "stream_encryption" {
  description = "Server-side encryption of every stream, by stream name."
  value = merge(
    { (module.events_stream.name) = module.events_stream.encryption },
    { (module.dead_letter_stream.name) = module.dead_letter_stream.encryption },
    { for s, m in module.passthrough_stream : m.name => m.encryption },
  )
}

output "lake_bucket_encryption" {
  description = "Default encryption of the lake bucket."
  value       = module.lake_bucket.encryption
}

output "gateway_task_policy" {
  description = "The gateway task role's inline policy (JSON)."
  value       = module.gateway.task_policy
}

output "gateway_config" {
  description = "The gateway's configuration as the task receives it (routes, catalog, dead-letter stream, trusted proxies)."
  value       = module.gateway.gateway_config
}
