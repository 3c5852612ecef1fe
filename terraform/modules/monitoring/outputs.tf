output "dashboard_name" {
  description = "CloudWatch dashboard name."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "alarm_names" {
  description = "Every alarm the module creates."
  value       = [for a in aws_cloudwatch_metric_alarm.this : a.alarm_name]
}
