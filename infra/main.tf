locals {
  name    = "vidpipe-${var.environment}"
  gpu_url = "https://${local.name}-gpu-${data.google_project.this.number}.${var.region}.run.app"

  # The queue's retry budget; the GPU service records an error on the last attempt (TASK_MAX_ATTEMPTS).
  task_max_attempts = 5

  # Tasks at once (runs, and the shards of big runs): the processing queue dispatches at most this
  # many, one per request slot of the GPU instances, so a big run's shards spread over every
  # instance the service may start. Each may keep its share of the Gemini budget in flight, so all
  # of them together stay within gemini_max_in_flight.
  max_runs             = var.gpu_max_instances * var.gpu_concurrency
  describe_concurrency = max(1, floor(var.gemini_max_in_flight / local.max_runs))

  # The name of the signed-URL key on the image backends (infra/cdn.tf).
  cdn_key_name = "${local.name}-images-1"

  # Every variable the code reads (common/gcp/config.py, gpu_service/config.py, the entry points), set
  # explicitly so a deployment never runs on a default nobody chose. tests/e2e/test_infra.py checks it.
  common_env = {
    VIDPIPE_ENV             = var.environment
    LOG_LEVEL               = "INFO"
    GOOGLE_CLOUD_PROJECT    = var.project_id
    UPLOADS_BUCKET          = google_storage_bucket.uploads.name
    DERIVED_BUCKET          = google_storage_bucket.derived.name
    SIGNING_SERVICE_ACCOUNT = google_service_account.api.email
    PUBLIC_STORAGE_URL      = "https://storage.googleapis.com"
    IMAGES_BASE_URL         = "https://${var.images_domain}"
    FIREBASE_WEB_API_KEY    = var.firebase_web_api_key # the studio's sign-in (GET /api/studio/config)
    FIREBASE_AUTH_DOMAIN    = "${var.project_id}.firebaseapp.com"
    CDN_KEY_NAME            = local.cdn_key_name
    MAX_UPLOAD_BYTES        = tostring(20 * 1024 * 1024)
    MAX_JSON_BYTES          = tostring(1024 * 1024)
    MAX_IMAGE_PIXELS        = "50000000"
    MIN_IMAGE_SIDE          = "64"
    THUMBNAIL_PX            = "512"
    SIGNED_URL_TTL_S        = tostring(12 * 3600)
    UPLOAD_URL_TTL_S        = tostring(15 * 60)
    TASKS_LOCATION          = var.region
    TASKS_QUEUE             = google_cloud_tasks_queue.processing.name
    WORKER_URL              = "${local.gpu_url}/tasks"
    TASKS_SERVICE_ACCOUNT   = google_service_account.tasks.email
    API_SERVICE_ACCOUNT     = google_service_account.api.email # calls the GPU service's /faces/embed
    PROCESSING_LEASE_S      = "120"
    SWEEP_RETENTION_DAYS    = tostring(var.sweep_retention_days)
    SWEEP_GRACE_S           = "3600"
    # A scene's reference pack (docs/api.md): Veo's asset references; the image model's images a prompt.
    REFERENCE_LIMIT_VIDEO = "3"
    REFERENCE_LIMIT_IMAGE = "3"
    # Generation prices: the GPU service charges regenerations, the api quotes repairs (docs/continuity.md).
    IMAGE_PRICE_INPUT_PER_MTOK  = "0.30"
    IMAGE_PRICE_OUTPUT_PER_MTOK = "30.0"
    VIDEO_PRICE_PER_S           = var.video_price_per_s
    # A film's budget unless its request names one, and a storyboard's price (docs/pipeline.md).
    PIPELINE_BUDGET  = tostring(var.pipeline_budget)
    STORYBOARD_PRICE = "0.02"
    # Quality check thresholds: empty means the code's own, with its sources (docs/processing.md).
    QUALITY_MIN_SIDE       = ""
    QUALITY_MIN_SHARPNESS  = ""
    QUALITY_DARK_LUMA      = ""
    QUALITY_BRIGHT_LUMA    = ""
    QUALITY_MAX_ASPECT     = ""
    QUALITY_MIN_FACE_SHARE = ""
    PIPELINE_URL           = var.pipeline_url
    PIPELINE_QUEUE         = google_cloud_tasks_queue.pipeline.name
    # Both sides judge faces by the same pack: the GPU service groups them, the api's face search
    # says which match. Identity thresholds: empty means the pack's own
    # (common/library/identity_rules.py says where each number comes from); set one to override it.
    FACE_MODEL_PACK      = "buffalo_l"
    FACE_MATCH_THRESHOLD = ""
    FACE_MIN_PX          = ""
    FACE_ID_MIN_SCORE    = ""
    FACE_MIN_SHARPNESS   = ""
    FACE_DRIFT_FLOOR     = ""
    # Face search: each api instance holds the searched owners' face indexes within this budget
    # (50,000 faces take 100 MiB); a search by image waits this long for the GPU service.
    FACE_INDEX_CACHE_MB = "160"
    EMBED_TIMEOUT_S     = "30"
  }

  gpu_env = merge(local.common_env, {
    MODEL_DIR                    = "/models"
    DETECTOR_WEIGHTS             = "detector/yolo11n.pt"
    DETECTION_CONFIDENCE         = "0.4"
    DETECTION_MAX_COVERAGE       = "0.9"
    FACE_MIN_SCORE               = "0.6"
    MIN_CROP_PX                  = "32"
    DESCRIBE_CONCURRENCY         = tostring(local.describe_concurrency)
    SHARD_SIZE                   = tostring(var.shard_size)
    DESCRIBE_MODE                = "batched"
    DESCRIBE_BATCH_ITEMS         = "16"
    DESCRIBE_PX                  = "768"
    DESCRIBE_CROP_PX             = "384"
    DESCRIBE_CLAIM_S             = "30"
    GPU_PRICE_PER_S              = tostring(var.gpu_price_per_s)
    GEMINI_MODEL                 = var.gemini_model
    GOOGLE_GENAI_USE_VERTEXAI    = var.use_vertex_ai ? "true" : "false"
    GOOGLE_CLOUD_LOCATION        = var.region
    GEMINI_RETRY_ATTEMPTS        = "5"
    GEMINI_RETRY_INITIAL_DELAY_S = "1.0"
    GEMINI_PRICE_INPUT_PER_MTOK  = "0.30"
    GEMINI_PRICE_OUTPUT_PER_MTOK = "2.50"
    IMAGE_MODEL                  = var.image_model
    VIDEO_MODEL                  = var.video_model
    VIDEO_REFERENCE_MODEL        = var.video_reference_model # a chunk made with asset references
    VIDEO_POLL_S                 = "10"
    VIDEO_TIMEOUT_S              = "900"
    TASK_MAX_ATTEMPTS            = tostring(local.task_max_attempts)
    CONTINUITY_FPS               = "2"
    CONTINUITY_MAX_FRAMES        = "48"
    CONTINUITY_DRIFT_FRAMES      = "2"
    IMAGE_CACHE_MB               = "4096"
    YOLO_OFFLINE                 = "1"
    YOLO_CONFIG_DIR              = "/tmp/ultralytics"
  })
}

resource "google_project_service" "apis" {
  for_each = toset([
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudscheduler.googleapis.com",
    "cloudtasks.googleapis.com",
    "compute.googleapis.com",
    "eventarc.googleapis.com",
    "firestore.googleapis.com",
    "firebaserules.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
    "aiplatform.googleapis.com",
    "identitytoolkit.googleapis.com",
  ])
  service            = each.value
  disable_on_destroy = false
}
