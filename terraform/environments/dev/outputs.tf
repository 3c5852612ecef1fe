output "gateway_url" {
  description = "Load balancer DNS name; point the public host name at it."
  value       = "https://${module.gateway.alb_dns_name}"
}

output "events_stream_arn" {
  description = "ARN of the events stream."
  value       = module.events_stream.arn
}

output "lake_bucket" {
  description = "Data-lake bucket name."
  value       = module.lake_bucket.bucket_id
}

output "glue_database" {
  description = "Glue database with the events (Parquet) and events_raw (JSON) tables."
  value       = module.catalog.database_name
}

output "dashboard" {
  description = "CloudWatch dashboard name."
  value       = module.monitoring.dashboard_name
}

output "redshift_workgroup" {
  description = "Redshift Serverless workgroup, or null when Redshift is disabled."
  value       = var.enable_redshift ? module.redshift[0].workgroup_name : null
}
