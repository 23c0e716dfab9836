terraform {
  backend "s3" {
    bucket                      = "tfstate"
    key                         = "my-service/terraform.tfstate"
    region                      = "us-east-1"
    dynamodb_table              = "terraform-locks"
    access_key                  = "sandbox"
    secret_key                  = "sandbox"
    endpoint                    = "http://127.0.0.1:19000"
    dynamodb_endpoint           = "http://127.0.0.1:18000"
    force_path_style            = true
    skip_credentials_validation = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
  }
}
