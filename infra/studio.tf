# The studio (web/): its built files in a private bucket behind the images load balancer, on a host
# of its own where /api/* goes to the api function through a serverless NEG, so the app and the
# API share one origin (no CORS for the API). Cloud Build builds the app and copies web/dist here
# (cloudbuild.yaml); hashed files under assets/ are cached for a year, index.html never.
#
#   https://{studio_domain}/api/*   -> the api function
#   https://{studio_domain}/*       -> the studio bucket; a missing page is index.html (client routes)

locals {
  # The CSP that devstack/studio.py sends locally, with this environment's hosts.
  studio_csp = join("; ", [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob: https://${var.images_domain} https://storage.googleapis.com",
    "media-src 'self' blob: https://${var.images_domain} https://storage.googleapis.com",
    "connect-src 'self' https://storage.googleapis.com https://identitytoolkit.googleapis.com https://securetoken.googleapis.com",
    "frame-src https://*.firebaseapp.com",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ])
}

resource "google_storage_bucket" "studio" {
  name                        = "${var.project_id}-${local.name}-studio"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced" # read by the load balancer's CDN fill agent only
  force_destroy               = true       # rebuilt by every deploy
  versioning {
    enabled = true
  }
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 7
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
  logging {
    log_bucket = google_storage_bucket.access_logs.name
  }
}

resource "google_storage_bucket_iam_member" "cdn_reads_studio" {
  bucket = google_storage_bucket.studio.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:service-${data.google_project.this.number}@cloud-cdn-fill.iam.gserviceaccount.com"
}

# Cloud Build copies the built app into the bucket.
resource "google_storage_bucket_iam_member" "build_writes_studio" {
  bucket = google_storage_bucket.studio.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.build.email}"
}

resource "google_compute_backend_bucket" "studio" {
  name        = "${local.name}-studio"
  bucket_name = google_storage_bucket.studio.name
  enable_cdn  = true
  cdn_policy {
    cache_mode        = "USE_ORIGIN_HEADERS" # the Cache-Control each file was uploaded with
    serve_while_stale = 0
  }
  custom_response_headers = [
    "Content-Security-Policy: ${local.studio_csp}",
    "Strict-Transport-Security: max-age=31536000; includeSubDomains",
    "X-Content-Type-Options: nosniff",
    "Referrer-Policy: strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy: same-origin-allow-popups",
  ]
  depends_on = [google_project_service.apis]
}

resource "google_compute_region_network_endpoint_group" "api" {
  name                  = "${local.name}-api"
  region                = var.region
  network_endpoint_type = "SERVERLESS"
  cloud_function {
    function = google_cloudfunctions2_function.api.name
  }
}

resource "google_compute_backend_service" "api" {
  name                  = "${local.name}-api"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"
  enable_cdn            = false # every answer is per user
  log_config {
    enable = true
  }
  backend {
    group = google_compute_region_network_endpoint_group.api.id
  }
}

resource "google_compute_managed_ssl_certificate" "studio" {
  name = "${local.name}-studio"
  managed {
    domains = [var.studio_domain]
  }
}
