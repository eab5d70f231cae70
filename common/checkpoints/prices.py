"""What one generation may cost, before it is made: the quote a repair's budget and a film's are
checked with.

Upper bounds from the prices the GPU service charges (shared settings): a beat image is one image
model call (an image out is 1290 tokens; the frame and its references in stay under
IMAGE_INPUT_TOKENS tokens), a chunk clip Veo's price by the second (a repair's: its longest clip).
"""

from __future__ import annotations

from common.checkpoints.models import ArtifactType
from common.gcp.config import settings
from common.projects.storyboard import VEO_SECONDS

IMAGE_OUTPUT_TOKENS = 1290  # Gemini image models: "each output image is 1290 tokens" (up to 1024 px)
IMAGE_INPUT_TOKENS = 8_000  # four images in (258 tokens a 768 px tile) and the prompt, with room


def per_call(artifact_type: ArtifactType, seconds: int = max(VEO_SECONDS)) -> float:
    """Dollars one generation of this kind of artifact costs at most (a clip of `seconds`)."""
    cfg = settings()
    if artifact_type == ArtifactType.CHUNK_CLIP:
        return round(seconds * cfg.video_price_per_s, 6)
    tokens_in = IMAGE_INPUT_TOKENS * cfg.image_price_input_per_mtok
    tokens_out = IMAGE_OUTPUT_TOKENS * cfg.image_price_output_per_mtok
    return round((tokens_in + tokens_out) / 1_000_000, 6)
