# The GPU service: one NVIDIA L4 per instance, scale to zero, only the tasks identity may call it.
resource "google_cloud_run_v2_service" "gpu" {
  name                = "${local.name}-gpu"
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL" # Cloud Tasks reaches it over the internet; IAM + OIDC guard it
  deletion_protection = false

  template {
    service_account                  = google_service_account.gpu.email
    max_instance_request_concurrency = var.gpu_concurrency
    timeout                          = "1800s" # Cloud Tasks' longest dispatch deadline
    gpu_zonal_redundancy_disabled    = true

    scaling {
      min_instance_count = 0
      max_instance_count = var.gpu_max_instances
    }

    node_selector {
      accelerator = "nvidia-l4"
    }

    containers {
      image = var.gpu_image

      resources {
        limits = {
          cpu              = "8"
          memory           = "32Gi"
          "nvidia.com/gpu" = "1"
        }
        cpu_idle          = false # GPU instances keep their CPU
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = local.gpu_env
        content {
          name  = env.key
          value = env.value
        }
      }
      env {
        name = "GEMINI_API_KEY"
        value_source {
          secret_key_ref {
            secret  = google_secret_manager_secret.gemini_api_key.secret_id
            version = "latest"
          }
        }
      }

      # Models load before the first task: the probe waits for /healthz.
      startup_probe {
        initial_delay_seconds = 5
        period_seconds        = 5
        timeout_seconds       = 5
        failure_threshold     = 36
        http_get {
          path = "/healthz"
        }
      }
    }
  }

  # Deploy order: functions first (they queue work for this), then the service.
  depends_on = [
    google_project_service.apis,
    google_cloudfunctions2_function.api,
    google_secret_manager_secret_iam_member.gpu_reads_gemini_key,
  ]
}
