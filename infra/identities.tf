# One identity per workload, each with only what its code does.

resource "google_service_account" "api" {
  account_id   = "${local.name}-api"
  display_name = "vidpipe api function: Firestore, uploads, signing URLs, queueing jobs"
}

resource "google_service_account" "trigger" {
  account_id   = "${local.name}-trigger"
  display_name = "vidpipe upload trigger function: attaches uploaded objects to assets"
}

resource "google_service_account" "eventarc" {
  account_id   = "${local.name}-eventarc"
  display_name = "vidpipe Eventarc: delivers storage events to the trigger"
}

resource "google_service_account" "tasks" {
  account_id   = "${local.name}-tasks"
  display_name = "vidpipe Cloud Tasks: the OIDC identity of every task sent to the GPU service"
}

resource "google_service_account" "gpu" {
  account_id   = "${local.name}-gpu"
  display_name = "vidpipe GPU service: processes manifests"
}

resource "google_service_account" "sweeper" {
  account_id   = "${local.name}-sweeper"
  display_name = "vidpipe sweep function: removes unreferenced documents and objects"
}

resource "google_service_account" "scheduler" {
  account_id   = "${local.name}-scheduler"
  display_name = "vidpipe Cloud Scheduler: the OIDC identity that calls the sweep"
}

# Firestore: the workloads that read and write documents.
resource "google_project_iam_member" "firestore_users" {
  for_each = {
    api     = google_service_account.api.email
    trigger = google_service_account.trigger.email
    gpu     = google_service_account.gpu.email
    sweeper = google_service_account.sweeper.email
  }
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${each.value}"
}

# Objects: the api writes and deletes uploads, and derived objects too (checkpoint media the
# pipeline records and people upload; it signs URLs for all of them).
resource "google_storage_bucket_iam_member" "api_uploads" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.api.email}"
}

resource "google_storage_bucket_iam_member" "api_derived" {
  bucket = google_storage_bucket.derived.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.api.email}"
}

resource "google_storage_bucket_iam_member" "trigger_uploads" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.trigger.email}"
}

resource "google_storage_bucket_iam_member" "gpu_buckets" {
  for_each = {
    uploads = google_storage_bucket.uploads.name
    derived = google_storage_bucket.derived.name
  }
  bucket = each.value
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.gpu.email}"
}

# Signed URLs without a key: the api signs as itself through the IAM credentials API.
resource "google_service_account_iam_member" "api_signs_as_itself" {
  service_account_id = google_service_account.api.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.api.email}"
}

# Queueing: the api creates tasks that carry an OIDC token of the tasks identity.
resource "google_cloud_tasks_queue_iam_member" "api_enqueues" {
  name     = google_cloud_tasks_queue.processing.name
  location = var.region
  role     = "roles/cloudtasks.enqueuer"
  member   = "serviceAccount:${google_service_account.api.email}"
}

resource "google_cloud_tasks_queue_iam_member" "api_hands_off" {
  name     = google_cloud_tasks_queue.pipeline.name
  location = var.region
  role     = "roles/cloudtasks.enqueuer"
  member   = "serviceAccount:${google_service_account.api.email}"
}

resource "google_service_account_iam_member" "api_acts_as_tasks" {
  service_account_id = google_service_account.tasks.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.api.email}"
}

# Cloud Tasks' own agent mints the OIDC tokens for the tasks identity.
resource "google_service_account_iam_member" "tasks_agent_mints_tokens" {
  service_account_id = google_service_account.tasks.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-cloudtasks.iam.gserviceaccount.com"
}

# Only the tasks identity may call the GPU service.
resource "google_cloud_run_v2_service_iam_member" "tasks_invoke_gpu" {
  name     = google_cloud_run_v2_service.gpu.name
  location = var.region
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.tasks.email}"
}

# Face search by image: the api asks the GPU service to embed the query's face (/faces/embed).
resource "google_cloud_run_v2_service_iam_member" "api_invokes_gpu" {
  name     = google_cloud_run_v2_service.gpu.name
  location = var.region
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.api.email}"
}

# The GPU service reads the Gemini key, or calls Vertex AI as itself.
resource "google_secret_manager_secret_iam_member" "gpu_reads_gemini_key" {
  secret_id = google_secret_manager_secret.gemini_api_key.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.gpu.email}"
}

resource "google_project_iam_member" "gpu_vertex" {
  count   = var.use_vertex_ai ? 1 : 0
  project = var.project_id
  role    = "roles/aiplatform.user"
  member  = "serviceAccount:${google_service_account.gpu.email}"
}

# Storage events: the Cloud Storage agent publishes them; Eventarc delivers them as its identity.
data "google_storage_project_service_account" "gcs_agent" {}

resource "google_project_iam_member" "gcs_agent_publishes" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs_agent.email_address}"
}

resource "google_project_iam_member" "eventarc_receives" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.eventarc.email}"
}

resource "google_cloud_run_service_iam_member" "eventarc_invokes_trigger" {
  service  = google_cloudfunctions2_function.on_upload_finalized.service_config[0].service
  location = var.region
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.eventarc.email}"
}

# The API is public at the network level: every request carries a Firebase ID token that the code
# verifies (functions/api/auth.py), as a browser frontend requires.
resource "google_cloud_run_service_iam_member" "api_public" {
  #checkov:skip=CKV_GCP_102:The public API authenticates each request itself (Firebase ID tokens); IAM cannot, for browsers.
  service  = google_cloudfunctions2_function.api.service_config[0].service
  location = var.region
  role     = "roles/run.invoker"
  member   = "allUsers"
}
