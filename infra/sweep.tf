# The nightly sweep (common/maintenance/sweep.py): Cloud Scheduler calls a private function with an
# OIDC token; the function removes what no live record references, after the retention period.

resource "google_storage_bucket_iam_member" "sweeper_buckets" {
  for_each = {
    uploads = google_storage_bucket.uploads.name
    derived = google_storage_bucket.derived.name
  }
  bucket = each.value
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.sweeper.email}"
}

resource "google_cloudfunctions2_function" "sweep" {
  #checkov:skip=CKV_GCP_124:Cloud Scheduler calls it over its public endpoint; IAM lets only the scheduler's identity invoke it.
  name     = "${local.name}-sweep"
  location = var.region

  build_config {
    runtime     = "python311"
    entry_point = "sweep"
    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.functions_source.name
      }
    }
  }

  service_config {
    available_memory               = "1Gi"
    available_cpu                  = "1"
    timeout_seconds                = 3600
    max_instance_count             = 1 # one sweep at a time
    service_account_email          = google_service_account.sweeper.email
    ingress_settings               = "ALLOW_ALL"
    all_traffic_on_latest_revision = true
    environment_variables          = local.common_env
  }

  depends_on = [google_project_service.apis]
}

# Private: no allUsers; the scheduler's identity is the only invoker.
resource "google_cloud_run_service_iam_member" "scheduler_invokes_sweep" {
  service  = google_cloudfunctions2_function.sweep.service_config[0].service
  location = var.region
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.scheduler.email}"
}

resource "google_cloud_scheduler_job" "sweep" {
  name             = "${local.name}-sweep"
  region           = var.region
  schedule         = var.sweep_schedule
  time_zone        = "Etc/UTC"
  attempt_deadline = "1800s"

  retry_config {
    retry_count = 1
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.sweep.service_config[0].uri
    body        = base64encode(jsonencode({ dry_run = var.sweep_dry_run }))
    headers     = { "Content-Type" = "application/json" }
    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = google_cloudfunctions2_function.sweep.service_config[0].uri
    }
  }

  depends_on = [google_project_service.apis]
}
