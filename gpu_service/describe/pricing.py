"""What a google-genai answer cost: its token counts at the configured dollars per million tokens.

Descriptions (GEMINI_PRICE_*) and beat images (IMAGE_PRICE_*) are priced here alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from google.genai import types


@dataclass(frozen=True)
class Usage:
    dollars: float
    input_tokens: int
    output_tokens: int


def usage(response: types.GenerateContentResponse, input_per_mtok: float, output_per_mtok: float) -> Usage:
    counts = response.usage_metadata
    used_in = (counts.prompt_token_count or 0) if counts else 0
    used_out = (counts.candidates_token_count or 0) if counts else 0
    return Usage((used_in * input_per_mtok + used_out * output_per_mtok) / 1e6, used_in, used_out)
