# The Cloud Functions (gen2), deployed from source: common/ and functions/ zipped with a root
# main.py that re-exports the targets, and functions/requirements.txt as the requirements.

data "archive_file" "functions" {
  type        = "zip"
  output_path = "${path.module}/.build/functions.zip"

  dynamic "source" {
    for_each = setunion(fileset("${path.module}/..", "common/**/*.py"), fileset("${path.module}/..", "functions/**/*.py"))
    content {
      content  = file("${path.module}/../${source.value}")
      filename = source.value
    }
  }
  source {
    content  = file("${path.module}/../functions/requirements.txt")
    filename = "requirements.txt"
  }
  source {
    content  = "from functions.main import api, on_upload_finalized, sweep  # noqa: F401 - the deployed targets\n"
    filename = "main.py"
  }
}

resource "google_storage_bucket_object" "functions_source" {
  name   = "functions-${data.archive_file.functions.output_md5}.zip"
  bucket = google_storage_bucket.sources.name
  source = data.archive_file.functions.output_path
}

resource "google_cloudfunctions2_function" "api" {
  #checkov:skip=CKV_GCP_124:Browsers call the API directly; every request must carry a Firebase ID token the code verifies.
  name     = "${local.name}-api"
  location = var.region

  build_config {
    runtime     = "python311"
    entry_point = "api"
    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.functions_source.name
      }
    }
  }

  service_config {
    available_memory                 = "512M"
    available_cpu                    = "1"
    timeout_seconds                  = 60
    max_instance_count               = 100
    max_instance_request_concurrency = 20
    service_account_email            = google_service_account.api.email
    ingress_settings                 = "ALLOW_ALL"
    all_traffic_on_latest_revision   = true
    environment_variables            = local.common_env
    # The key that signs image URLs (infra/cdn.tf), read from Secret Manager at instance start.
    secret_environment_variables {
      key        = "CDN_SIGNING_KEY"
      project_id = var.project_id
      secret     = google_secret_manager_secret.cdn_signing_key.secret_id
      version    = "latest"
    }
  }

  depends_on = [
    google_project_service.apis,
    google_secret_manager_secret_version.cdn_signing_key,
    google_secret_manager_secret_iam_member.api_reads_cdn_key,
  ]
}

resource "google_cloudfunctions2_function" "on_upload_finalized" {
  name     = "${local.name}-on-upload-finalized"
  location = var.region

  build_config {
    runtime     = "python311"
    entry_point = "on_upload_finalized"
    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.functions_source.name
      }
    }
  }

  service_config {
    available_memory               = "512M"
    timeout_seconds                = 120
    max_instance_count             = 20
    service_account_email          = google_service_account.trigger.email
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true
    environment_variables          = local.common_env
  }

  event_trigger {
    trigger_region        = var.region
    event_type            = "google.cloud.storage.object.v1.finalized"
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.eventarc.email
    event_filters {
      attribute = "bucket"
      value     = google_storage_bucket.uploads.name
    }
  }

  depends_on = [google_project_service.apis, google_project_iam_member.gcs_agent_publishes]
}
