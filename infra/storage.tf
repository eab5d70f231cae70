# Reference images (uploads) and what the service derives from them (contact sheets). Access is
# uniform and never public: clients read through signed URLs and upload through signed PUT URLs.

resource "google_storage_bucket" "access_logs" {
  #checkov:skip=CKV_GCP_62:This is the access-log sink itself; logging it into itself would loop.
  name                        = "${var.project_id}-${local.name}-access-logs"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  versioning {
    enabled = true
  }
  lifecycle_rule {
    condition {
      age = 90
    }
    action {
      type = "Delete"
    }
  }
}

resource "google_storage_bucket" "uploads" {
  name                        = "${var.project_id}-${local.name}-uploads"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  # Replaced reference images stay recoverable for a week; the service tracks generations anyway.
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
  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }
  cors {
    origin          = concat(["https://${var.studio_domain}"], var.cors_origins)
    method          = ["PUT", "GET", "HEAD"]
    response_header = ["Content-Type", "x-goog-content-length-range"]
    max_age_seconds = 3600
  }
  logging {
    log_bucket = google_storage_bucket.access_logs.name
  }
}

resource "google_storage_bucket" "derived" {
  name                        = "${var.project_id}-${local.name}-derived"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }
  # Each run writes a new contact sheet and deletes the previous one; keep deleted ones 3 days.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 3
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
  cors {
    origin          = concat(["https://${var.studio_domain}"], var.cors_origins)
    method          = ["GET", "HEAD"]
    response_header = ["Content-Type"]
    max_age_seconds = 3600
  }
  logging {
    log_bucket = google_storage_bucket.access_logs.name
  }
}

# Function source archives (uploaded by terraform apply).
resource "google_storage_bucket" "sources" {
  name                        = "${var.project_id}-${local.name}-sources"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  versioning {
    enabled = true
  }
  lifecycle_rule {
    condition {
      num_newer_versions = 5
      with_state         = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
  logging {
    log_bucket = google_storage_bucket.access_logs.name
  }
}
