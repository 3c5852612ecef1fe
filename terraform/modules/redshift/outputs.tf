output "namespace_name" {
  description = "Redshift Serverless namespace."
  value       = aws_redshiftserverless_namespace.this.namespace_name
}

output "workgroup_name" {
  description = "Redshift Serverless workgroup."
  value       = aws_redshiftserverless_workgroup.this.workgroup_name
}

output "endpoint" {
  description = "Workgroup endpoint address."
  value       = aws_redshiftserverless_workgroup.this.endpoint[0].address
}

output "streaming_role_arn" {
  description = "IAM role used by CREATE EXTERNAL SCHEMA ... FROM KINESIS."
  value       = aws_iam_role.streaming.arn
}

output "admin_secret_arn" {
  description = "Secrets Manager secret holding the admin password."
  value       = aws_redshiftserverless_namespace.this.admin_password_secret_arn
}

output "rendered_sql" {
  description = "The SQL files rendered for this stream, in the order to run them."
  value       = local.sql
}
