# Cloud Build on pushes to main (when a GitHub repository is configured): test, build the GPU image,
# deploy with `terraform apply` (cloudbuild.yaml). Applying this configuration manages IAM bindings,
# so the deploy identity is necessarily powerful: only pushes to main run it, and nothing else may
# act as it.
resource "google_service_account" "build" {
  account_id   = "${local.name}-build"
  display_name = "vidpipe Cloud Build: tests, builds and deploys"
}

resource "google_project_iam_member" "build_roles" {
  #checkov:skip=CKV_GCP_49:The deploy identity applies this configuration, which creates the service accounts and binds them.
  for_each = toset([
    "roles/cloudfunctions.developer",
    "roles/run.admin",
    "roles/artifactregistry.writer",
    "roles/storage.admin",
    "roles/logging.logWriter",
    "roles/cloudtasks.admin",
    "roles/datastore.indexAdmin",
    "roles/eventarc.admin",
    "roles/secretmanager.admin",
    "roles/iam.serviceAccountAdmin",
    "roles/resourcemanager.projectIamAdmin",
    "roles/serviceusage.serviceUsageAdmin",
    "roles/compute.loadBalancerAdmin", # the image load balancer and Cloud CDN (cdn.tf)
    "roles/compute.securityAdmin",     # its SSL policy and certificate
  ])
  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.build.email}"
}

resource "google_service_account_iam_member" "build_deploys_as" {
  for_each = {
    api      = google_service_account.api.name
    trigger  = google_service_account.trigger.name
    gpu      = google_service_account.gpu.name
    eventarc = google_service_account.eventarc.name
  }
  service_account_id = each.value
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.build.email}"
}

resource "google_cloudbuild_trigger" "main" {
  count           = var.github_owner == "" ? 0 : 1
  name            = "${local.name}-deploy"
  location        = var.region
  filename        = "cloudbuild.yaml"
  service_account = google_service_account.build.id

  github {
    owner = var.github_owner
    name  = var.github_repository
    push {
      branch = "^main$"
    }
  }

  substitutions = {
    _REGION               = var.region
    _ENVIRONMENT          = var.environment
    _REPOSITORY           = google_artifact_registry_repository.images.repository_id
    _IMAGES_DOMAIN        = var.images_domain
    _STUDIO_DOMAIN        = var.studio_domain
    _FIREBASE_WEB_API_KEY = var.firebase_web_api_key
  }
}
