output "alb_dns_name" {
  description = "DNS name of the load balancer (point a Route 53 alias at it)."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the load balancer (for the alias record)."
  value       = aws_lb.this.zone_id
}

output "alb_arn_suffix" {
  description = "LoadBalancer dimension of the AWS/ApplicationELB metrics."
  value       = aws_lb.this.arn_suffix
}

output "target_group_arn_suffix" {
  description = "TargetGroup dimension of the AWS/ApplicationELB metrics."
  value       = aws_lb_target_group.this.arn_suffix
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = aws_ecs_cluster.this.name
}

output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.this.name
}

output "task_role_arn" {
  description = "Role streamgate runs as (PutRecords on the configured streams)."
  value       = aws_iam_role.task.arn
}

output "task_security_group_id" {
  description = "Security group of the tasks (for VPC endpoint policies)."
  value       = aws_security_group.task.id
}

output "log_group_name" {
  description = "CloudWatch log group of the tasks."
  value       = aws_cloudwatch_log_group.this.name
}

output "gateway_config" {
  description = "The gateway config the tasks run with."
  value       = local.gateway_config
}

output "task_policy" {
  description = "The task role's inline policy (JSON): what streamgate itself may call."
  value       = aws_iam_role_policy.task.policy
}
