terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.63, < 7.0"
    }
  }

  # Partial configuration: terraform init -backend-config=backend.hcl
  # (copy backend.hcl.example; the state bucket lives in the same account).
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}
