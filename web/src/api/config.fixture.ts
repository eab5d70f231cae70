// For tests: GET /api/studio/config as the local stack serves it (tests/unit/test_studio_rules.py
// holds the server to these rules; here they stand in for the answer).
import type { Schemas } from "./client";

export const SERVED_CONFIG: Schemas["StudioConfig"] = {
  project_id: "demo-vidpipe",
  api_key: "local-emulator",
  auth_domain: "demo-vidpipe.firebaseapp.com",
  auth_emulator_url: "http://127.0.0.1:9099",
  rules: {
    steps: ["detection", "faces", "reverse_prompting", "tags", "contact_sheet"],
    category_asset_types: {
      CHARACTERS: "CHARACTER",
      ENVIRONMENTS: "ENVIRONMENT",
      OBJECTS: "OBJECT",
      STYLES: "STYLE",
      MIXED: "CHARACTER",
    },
    image_types: [
      { content_type: "image/jpeg", name: "JPEG", extension: "jpg" },
      { content_type: "image/png", name: "PNG", extension: "png" },
      { content_type: "image/webp", name: "WebP", extension: "webp" },
    ],
    terminal_project_statuses: ["complete", "failed", "stopped"],
    repairable_statuses: ["missing", "unsure", "unknown", "drift"],
    repair_attempts: [1, 2, 3, 4],
    default_repair_attempts: 3,
  },
};

export const SERVED_RULES = SERVED_CONFIG.rules;
