resource "google_artifact_registry_repository" "images" {
  #checkov:skip=CKV_GCP_84:Images hold no customer data; Google-managed encryption is sufficient here.
  repository_id = "vidpipe"
  location      = var.region
  format        = "DOCKER"
  description   = "vidpipe container images (the GPU service)"

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 10
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret" "gemini_api_key" {
  #checkov:skip=CKV_GCP_128:Secret Manager encrypts with Google-managed keys; no CMEK mandate here.
  secret_id = "${local.name}-gemini-api-key"
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}
