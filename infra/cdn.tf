# Image reads: Cloud CDN in front of the two private buckets. The api signs URL prefixes (one
# record's folder) with an HMAC key; Cloud CDN checks the signature at the edge and fetches from the
# bucket as its own service agent. Reads cost no IAM call (common/gcp/cdn.py; docs/images.md).
#
#   https://{images_domain}/uploads/{object}  -> uploads bucket
#   https://{images_domain}/derived/{object}  -> derived bucket
#
# Rotating the key: add a second key (new name) to both backends, point CDN_KEY_NAME and the
# secret at it, and delete the old one after SIGNED_URL_TTL_S. Deleting a key revokes every URL
# it signed.

resource "random_id" "cdn_key" {
  byte_length = 16 # Cloud CDN keys are 128-bit
}

resource "google_secret_manager_secret" "cdn_signing_key" {
  #checkov:skip=CKV_GCP_128:Secret Manager encrypts with Google-managed keys; no CMEK mandate here.
  secret_id = "${local.name}-cdn-signing-key"
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_version" "cdn_signing_key" {
  secret      = google_secret_manager_secret.cdn_signing_key.id
  secret_data = random_id.cdn_key.b64_url
}

resource "google_compute_backend_bucket" "images" {
  for_each = {
    uploads = google_storage_bucket.uploads.name
    derived = google_storage_bucket.derived.name
  }
  name        = "${local.name}-${each.key}-images"
  bucket_name = each.value
  enable_cdn  = true
  cdn_policy {
    # Every request must carry a valid signature; a signed response may stay at the edge an hour.
    signed_url_cache_max_age_sec = 3600
    cache_mode                   = "CACHE_ALL_STATIC"
    default_ttl                  = 3600
    max_ttl                      = 86400
    serve_while_stale            = 0
  }
  depends_on = [google_project_service.apis]
}

resource "google_compute_backend_bucket_signed_url_key" "images" {
  for_each       = google_compute_backend_bucket.images
  name           = local.cdn_key_name
  key_value      = random_id.cdn_key.b64_url
  backend_bucket = each.value.name
}

# Cloud CDN fetches from the private buckets as its service agent, read-only.
resource "google_storage_bucket_iam_member" "cdn_reads_images" {
  for_each = google_compute_backend_bucket.images
  bucket   = each.value.bucket_name
  role     = "roles/storage.objectViewer"
  member   = "serviceAccount:service-${data.google_project.this.number}@cloud-cdn-fill.iam.gserviceaccount.com"
}

resource "google_compute_url_map" "images" {
  name            = "${local.name}-images"
  default_service = google_compute_backend_bucket.images["uploads"].id

  host_rule {
    hosts        = [var.images_domain]
    path_matcher = "buckets"
  }

  host_rule {
    hosts        = [var.studio_domain]
    path_matcher = "studio"
  }

  # The studio's host (infra/studio.tf): the API under /api/*, the app everywhere else, and a page
  # the bucket does not hold is the app's index.html (the app routes it).
  path_matcher {
    name            = "studio"
    default_service = google_compute_backend_bucket.studio.id
    path_rule {
      paths   = ["/api", "/api/*"]
      service = google_compute_backend_service.api.id
    }
    path_rule {
      paths   = ["/*"]
      service = google_compute_backend_bucket.studio.id
      custom_error_response_policy {
        error_response_rule {
          match_response_codes   = ["404"]
          path                   = "/index.html"
          override_response_code = 200
        }
        error_service = google_compute_backend_bucket.studio.id
      }
    }
  }

  path_matcher {
    name            = "buckets"
    default_service = google_compute_backend_bucket.images["uploads"].id
    dynamic "path_rule" {
      for_each = google_compute_backend_bucket.images
      content {
        paths   = ["/${path_rule.key}/*"]
        service = path_rule.value.id
        route_action {
          # /uploads/manifests/x/y.jpg is the object manifests/x/y.jpg in the uploads bucket.
          url_rewrite {
            path_prefix_rewrite = "/"
          }
        }
      }
    }
  }
}

resource "google_compute_managed_ssl_certificate" "images" {
  name = "${local.name}-images"
  managed {
    domains = [var.images_domain]
  }
}

resource "google_compute_ssl_policy" "images" {
  name            = "${local.name}-images"
  profile         = "RESTRICTED"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_target_https_proxy" "images" {
  name             = "${local.name}-images"
  url_map          = google_compute_url_map.images.id
  ssl_certificates = [google_compute_managed_ssl_certificate.images.id, google_compute_managed_ssl_certificate.studio.id]
  ssl_policy       = google_compute_ssl_policy.images.id
}

resource "google_compute_global_address" "images" {
  name = "${local.name}-images"
}

resource "google_compute_global_forwarding_rule" "images" {
  name                  = "${local.name}-images"
  target                = google_compute_target_https_proxy.images.id
  ip_address            = google_compute_global_address.images.address
  port_range            = "443"
  load_balancing_scheme = "EXTERNAL_MANAGED"
}

# The api signs with the key; nothing else reads it.
resource "google_secret_manager_secret_iam_member" "api_reads_cdn_key" {
  secret_id = google_secret_manager_secret.cdn_signing_key.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.api.email}"
}
