terraform {
  backend "s3" {
    bucket         = "tfstate"
    key            = "team/app/terraform.tfstate"
    region         = "us-east-1"
    dynamodb_table = "terraform-locks"
    use_lockfile   = true
    workspace_key_prefix = "envs"
    access_key     = "sandbox"
    secret_key     = "sandbox"
    endpoints = {
      s3       = "http://127.0.0.1:19000"
      dynamodb = "http://127.0.0.1:18000"
    }
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
    skip_s3_checksum            = true
  }
}

resource "terraform_data" "wait" {
  triggers_replace = timestamp()
  provisioner "local-exec" {
    command = "sleep 20"
  }
}
