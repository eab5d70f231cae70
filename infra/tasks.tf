# Jobs for the GPU service: manifest runs and their shards, and films (a storyboard, one task per
# scene of a phase, the cut: docs/pipeline.md). Dispatch is capped to what the GPU instances can
# take; failed deliveries back off exponentially; the queue, not the enqueuer, decides where tasks
# go and with which identity (http_target), so a task can only ever reach the GPU service.
resource "google_cloud_tasks_queue" "processing" {
  name     = "${local.name}-processing"
  location = var.region

  rate_limits {
    # A fan-out queues all of a run's shards (or a phase's scenes) at once: they start within a second or two.
    max_dispatches_per_second = 10
    max_concurrent_dispatches = local.max_runs
  }

  retry_config {
    max_attempts       = local.task_max_attempts
    min_backoff        = "10s"
    max_backoff        = "300s"
    max_doublings      = 4
    max_retry_duration = "7200s"
  }

  http_target {
    http_method = "POST"
    uri_override {
      scheme                    = "HTTPS"
      host                      = trimprefix(local.gpu_url, "https://")
      uri_override_enforce_mode = "ALWAYS"
      path_override {
        path = "/tasks"
      }
    }
    oidc_token {
      service_account_email = google_service_account.tasks.email
      audience              = local.gpu_url
    }
  }

  lifecycle {
    precondition {
      condition     = local.max_runs * local.describe_concurrency <= var.gemini_max_in_flight
      error_message = "gemini_max_in_flight must allow one Gemini request per run at once (gpu_max_instances x gpu_concurrency)."
    }
  }

  depends_on = [google_project_service.apis]
}

# Hand-offs of approved checkpoints to the video pipeline (PIPELINE_URL). No http_target: the
# enqueuer names the pipeline's URL and the tasks identity's OIDC token (audience: that URL).
resource "google_cloud_tasks_queue" "pipeline" {
  name     = "${local.name}-pipeline-handoffs"
  location = var.region

  rate_limits {
    max_dispatches_per_second = 10
    max_concurrent_dispatches = 20
  }

  retry_config {
    max_attempts       = 20
    min_backoff        = "5s"
    max_backoff        = "600s"
    max_doublings      = 5
    max_retry_duration = "86400s"
  }

  depends_on = [google_project_service.apis]
}
