variable "project_id" {
  description = "The Google Cloud project that holds this environment."
  type        = string
}

variable "region" {
  description = "Region of the functions, the GPU service, the queue and the buckets (L4 GPUs: e.g. us-central1, europe-west4)."
  type        = string
  default     = "us-central1"
}

variable "environment" {
  description = "Short environment name (dev, staging, prod): prefixes every resource name."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}$", var.environment))
    error_message = "Use 2-15 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "firestore_location" {
  description = "Firestore location (a region or a multi-region such as nam5)."
  type        = string
  default     = "nam5"
}

variable "gpu_image" {
  description = "The GPU service image (Cloud Build pushes REGION-docker.pkg.dev/PROJECT/vidpipe/gpu-service:SHA)."
  type        = string
}

variable "gpu_max_instances" {
  description = "Upper bound on GPU instances (each holds one L4)."
  type        = number
  default     = 3
}

variable "gpu_concurrency" {
  description = "Requests one GPU instance takes at once: model calls are serialised per instance, so a few overlap I/O."
  type        = number
  default     = 2
}

variable "shard_size" {
  description = "Uploads per shard: a run with more to infer fans out into shards of this many, queued side by side on the processing queue (common/jobs/shards.py). An L4 infers and describes an image in about 1-2 s, so 100 take a few minutes, far inside the 30-minute dispatch deadline."
  type        = number
  default     = 100

  validation {
    condition     = var.shard_size >= 10 && var.shard_size <= 500
    error_message = "shard_size must be 10-500: 500 images at 2 s each still end inside half the 30-minute deadline."
  }
}

variable "pipeline_budget" {
  description = "Dollars a film's built-in run may spend unless its request says (docs/pipeline.md): its quote is checked before anything is written. The default 24 s film quotes $9.74 at the default prices."
  type        = number
  default     = 10

  validation {
    condition     = var.pipeline_budget >= 0 && var.pipeline_budget <= 10000
    error_message = "pipeline_budget must be 0-10000 dollars."
  }
}

variable "gemini_max_in_flight" {
  description = "Gemini requests in flight across every GPU instance at most: each run at once gets an equal share (DESCRIBE_CONCURRENCY); 429s beyond it are retried with backoff."
  type        = number
  default     = 20
}

variable "gpu_price_per_s" {
  description = "Dollars a second of one GPU service instance (Cloud Run: the L4 and its CPU and memory), for the cost split on manifests. Check the current price list for your region."
  type        = number
  default     = 0.00029
}

variable "images_domain" {
  description = "The host name clients load images from (Cloud CDN; point its DNS at the images_ip output)."
  type        = string
  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.images_domain))
    error_message = "Give a DNS host name such as images.example.com."
  }
}

variable "studio_domain" {
  description = "The host name of the web studio and its API (the same load balancer as images: point its DNS at the images_ip output)."
  type        = string
  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.studio_domain))
    error_message = "Give a DNS host name such as studio.example.com."
  }
}

variable "firebase_web_api_key" {
  description = "The Firebase web app's API key (an identifier the studio signs in with, not a secret)."
  type        = string
}

variable "cors_origins" {
  description = "Web origins allowed to PUT uploads straight to the uploads bucket with signed URLs."
  type        = list(string)
  default     = ["http://localhost:5173"]
}

variable "use_vertex_ai" {
  description = "Reverse-prompt through Vertex AI (service account credentials) instead of a Gemini API key."
  type        = bool
  default     = false
}

variable "pipeline_url" {
  description = "The video pipeline's hand-off endpoint for approved checkpoints (HTTPS; empty: continuations are only recorded)."
  type        = string
  default     = ""
}

variable "image_model" {
  description = "Gemini image model that regenerates storyboard beats."
  type        = string
  default     = "gemini-2.5-flash-image"
}

variable "video_model" {
  description = "Veo model that regenerates chunks (Vertex AI: set use_vertex_ai, or the API key must be a Vertex AI express key)."
  type        = string
  default     = "veo-3.0-fast-generate-001"
}

variable "video_reference_model" {
  description = "Veo model that regenerates a chunk with its scene's asset reference images (a Veo 3.1 feature)."
  type        = string
  default     = "veo-3.1-generate-preview"
}

variable "video_price_per_s" {
  description = "Dollars per generated second of video_model, recorded as the regeneration's cost."
  type        = string
  default     = "0.40"
}

variable "gemini_model" {
  description = "Model that reverse-prompts assets."
  type        = string
  default     = "gemini-2.5-flash"
}

variable "github_owner" {
  description = "GitHub owner of the repository Cloud Build deploys from; empty: no trigger is made."
  type        = string
  default     = ""
}

variable "github_repository" {
  description = "GitHub repository name for the Cloud Build trigger."
  type        = string
  default     = "vidpipe"
}

variable "sweep_schedule" {
  description = "When the sweep runs (cron, UTC)"
  type        = string
  default     = "30 3 * * *"
}

variable "sweep_dry_run" {
  description = "true: the sweep only logs what it would remove (a first week in a new environment)"
  type        = bool
  default     = false
}

variable "sweep_retention_days" {
  description = "How long soft-deleted manifests and projects are kept before the sweep removes them"
  type        = number
  default     = 30
}
