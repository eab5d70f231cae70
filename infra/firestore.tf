resource "google_firestore_database" "main" {
  name                              = "(default)"
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = "DELETE_PROTECTION_ENABLED"
  depends_on                        = [google_project_service.apis]
}

locals {
  # GET /api/manifests: owner_id ==, deleted_at == null, [category ==], [status ==], then one of the
  # four sort orders (and __name__ the same way, for the cursor). Listed literally, one per query shape.
  manifest_indexes = {
    "updated_at-all"              = { equality = ["owner_id", "deleted_at"], order = "updated_at", way = "DESCENDING" }
    "updated_at-category"         = { equality = ["owner_id", "deleted_at", "category"], order = "updated_at", way = "DESCENDING" }
    "updated_at-status"           = { equality = ["owner_id", "deleted_at", "status"], order = "updated_at", way = "DESCENDING" }
    "updated_at-category-status"  = { equality = ["owner_id", "deleted_at", "category", "status"], order = "updated_at", way = "DESCENDING" }
    "sort_name-all"               = { equality = ["owner_id", "deleted_at"], order = "sort_name", way = "ASCENDING" }
    "sort_name-category"          = { equality = ["owner_id", "deleted_at", "category"], order = "sort_name", way = "ASCENDING" }
    "sort_name-status"            = { equality = ["owner_id", "deleted_at", "status"], order = "sort_name", way = "ASCENDING" }
    "sort_name-category-status"   = { equality = ["owner_id", "deleted_at", "category", "status"], order = "sort_name", way = "ASCENDING" }
    "times_used-all"              = { equality = ["owner_id", "deleted_at"], order = "times_used", way = "DESCENDING" }
    "times_used-category"         = { equality = ["owner_id", "deleted_at", "category"], order = "times_used", way = "DESCENDING" }
    "times_used-status"           = { equality = ["owner_id", "deleted_at", "status"], order = "times_used", way = "DESCENDING" }
    "times_used-category-status"  = { equality = ["owner_id", "deleted_at", "category", "status"], order = "times_used", way = "DESCENDING" }
    "asset_count-all"             = { equality = ["owner_id", "deleted_at"], order = "asset_count", way = "DESCENDING" }
    "asset_count-category"        = { equality = ["owner_id", "deleted_at", "category"], order = "asset_count", way = "DESCENDING" }
    "asset_count-status"          = { equality = ["owner_id", "deleted_at", "status"], order = "asset_count", way = "DESCENDING" }
    "asset_count-category-status" = { equality = ["owner_id", "deleted_at", "category", "status"], order = "asset_count", way = "DESCENDING" }
  }
}

resource "google_firestore_index" "manifests" {
  for_each   = local.manifest_indexes
  database   = google_firestore_database.main.name
  collection = "manifests"

  dynamic "fields" {
    for_each = each.value.equality
    content {
      field_path = fields.value
      order      = "ASCENDING"
    }
  }
  fields {
    field_path = each.value.order
    order      = each.value.way
  }
  fields {
    field_path = "__name__"
    order      = each.value.way
  }
}

# A manifest's assets in display order (GET /manifests/{id}, every engine step).
resource "google_firestore_index" "assets_in_order" {
  database   = google_firestore_database.main.name
  collection = "assets"

  fields {
    field_path = "manifest_id"
    order      = "ASCENDING"
  }
  fields {
    field_path = "sort_order"
    order      = "ASCENDING"
  }
  fields {
    field_path = "created_at"
    order      = "ASCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "ASCENDING"
  }
}

# Whether a manifest has an image at all (POST /manifests/{id}/process): one document at most.
resource "google_firestore_index" "assets_with_an_image" {
  database   = google_firestore_database.main.name
  collection = "assets"

  fields {
    field_path = "manifest_id"
    order      = "ASCENDING"
  }
  fields {
    field_path = "image_path"
    order      = "ASCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "ASCENDING"
  }
}

# Security rules for client SDKs (the service's own identities bypass them): owners may listen to
# their manifests' progress and their jobs; nothing else is readable or writable from clients.
resource "google_firebaserules_ruleset" "firestore" {
  project = var.project_id
  source {
    files {
      name    = "firestore.rules"
      content = file("${path.module}/firestore.rules")
    }
  }
  depends_on = [google_firestore_database.main]
}

resource "google_firebaserules_release" "firestore" {
  project      = var.project_id
  name         = "cloud.firestore"
  ruleset_name = google_firebaserules_ruleset.firestore.name
}

# GET /api/projects: the caller's live projects, newest first.
resource "google_firestore_index" "projects_newest_first" {
  database   = google_firestore_database.main.name
  collection = "projects"

  fields {
    field_path = "owner_id"
    order      = "ASCENDING"
  }
  fields {
    field_path = "deleted_at"
    order      = "ASCENDING"
  }
  fields {
    field_path = "created_at"
    order      = "DESCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "DESCENDING"
  }
}

# Long texts, embeddings and opaque blobs are never filtered or sorted on: leaving them out of the
# automatic single-field indexes keeps writes (a fork copies hundreds of assets) fast and documents
# far from the 40,000 index entries one may have.
resource "google_firestore_field" "unindexed" {
  for_each = {
    "assets-description"        = { collection = "assets", field = "description" }
    "assets-reverse_prompt"     = { collection = "assets", field = "reverse_prompt" }
    "assets-visual_description" = { collection = "assets", field = "visual_description" }
    "faces-embedding"           = { collection = "faces", field = "embedding" }
    # Face index segments: 800 ids and sources and ~800 KB of vectors a document, never queried
    # by; indexed, each array would cost 800 index entries a write.
    "face_index-ids"     = { collection = "face_index", field = "ids" }
    "face_index-sources" = { collection = "face_index", field = "sources" }
    "face_index-vectors" = { collection = "face_index", field = "vectors" }
    # An asset's views are read with it, never queried by (view_paths is: array-contains).
    "assets-views"          = { collection = "assets", field = "views" }
    "chunks-data"           = { collection = "chunks", field = "data" }
    "manifests-description" = { collection = "manifests", field = "description" }
  }
  database   = google_firestore_database.main.name
  collection = each.value.collection
  field      = each.value.field

  index_config {}
}

# Claims on paid calls (gpu_service/jobs/claims.py) are only needed while two deliveries of one task
# may overlap: Firestore deletes each one after its expires_at.
resource "google_firestore_field" "paid_claims_ttl" {
  database   = google_firestore_database.main.name
  collection = "paid_claims"
  field      = "expires_at"
  ttl_config {}
}
