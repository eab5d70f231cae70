output "api_url" {
  description = "Base URL of the api function (the frontend calls {api_url}/api/...)."
  value       = google_cloudfunctions2_function.api.service_config[0].uri
}

output "gpu_service_url" {
  value = google_cloud_run_v2_service.gpu.uri
}

output "uploads_bucket" {
  value = google_storage_bucket.uploads.name
}

output "derived_bucket" {
  value = google_storage_bucket.derived.name
}

output "tasks_queue" {
  value = google_cloud_tasks_queue.processing.id
}

output "images_ip" {
  description = "The Cloud CDN load balancer's address: the A record for images_domain."
  value       = google_compute_global_address.images.address
}

output "studio_bucket" {
  description = "Where Cloud Build copies the built studio (web/dist)."
  value       = google_storage_bucket.studio.name
}

output "studio_url" {
  value = "https://${var.studio_domain}"
}
