output "gateway_url" {
  description = "Load balancer DNS name; point the public host name at it."
  value       = module.stack.gateway_url
}

output "events_stream_arn" {
  description = "ARN of the events stream."
  value       = module.stack.events_stream_arn
}

output "lake_bucket" {
  description = "Data-lake bucket name."
  value       = module.stack.lake_bucket
}

output "glue_database" {
  description = "Glue database with the events (Parquet) and events_raw (JSON) tables."
  value       = module.stack.glue_database
}

output "dashboard" {
  description = "CloudWatch dashboard name."
  value       = module.stack.dashboard
}

output "redshift_workgroup" {
  description = "Redshift Serverless workgroup, or null when Redshift is disabled."
  value       = module.stack.redshift_workgroup
}
