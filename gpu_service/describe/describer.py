"""Reverse-prompting: turn an asset's image into text a video model can use.

With Gemini (or Vertex AI) configured, google-genai asks for structured JSON that a pydantic
model validates; the library retries 429 and 5xx answers with exponential backoff. Without
credentials, the offline describer writes the fields from what the engine measured in the image
itself (detections, faces, colours, light, size) and marks them `offline`.

Batched (the default, DESCRIBE_MODE=batched): one request describes an uploaded image and the crops
cut from it together. The source goes once, at up to DESCRIBE_PX; the crops at low detail, four to a
numbered 2 x 2 grid of DESCRIBE_CROP_PX (384 px: Gemini 2.x counts an image whose sides are both
<= 384 px as one 258-token tile, and any larger image as 4 to 6 tiles or more, whatever its size),
at most DESCRIBE_BATCH_ITEMS items a request. The answer is a list of keyed items;
each is validated on its own and matched back by key. An item that is missing, malformed or
unknown is asked again alone, and a batch that fails as a whole falls back to one call per asset.
A batch's cost is shared evenly by the items it described.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import TYPE_CHECKING

from pydantic import ValidationError

from gpu_service.config import worker_settings
from gpu_service.describe import batch, gemini, pricing, prompts
from gpu_service.describe.offline import OfflineDescriber
from gpu_service.describe.subject import (
    DescribeFailed,
    Describer,
    Description,
    Result,
    ReversePrompt,
    Subject,
    attempt,
)

if TYPE_CHECKING:
    from google import genai
    from google.genai import types
    from PIL import Image

log = logging.getLogger(__name__)

MALFORMED_RETRIES = 2  # a model can answer badly once; asking again usually fixes it


@cache
def describer() -> Describer:
    if worker_settings().gemini_configured:
        return GeminiDescriber()
    log.info("no Gemini or Vertex AI credentials configured: reverse prompts come from the offline describer")
    return OfflineDescriber()


class GeminiDescriber:
    paid = True

    def __init__(self) -> None:
        from google.genai import types

        cfg = worker_settings()
        self.client: genai.Client = gemini.client()
        self.model = cfg.gemini_model
        self.config = types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=ReversePrompt, temperature=0.2
        )
        self.batch_config = types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=batch.BatchAnswer, temperature=0.2
        )

    def describe(self, subject: Subject) -> Description:
        from google.genai import errors

        cfg = worker_settings()
        contents: list[types.PartUnionDict] = [
            batch.part(subject.image, cfg.describe_px),
            prompts.single(subject),
        ]
        cost, tokens_in, tokens_out, problem = 0.0, 0, 0, ""
        for _ in range(1 + MALFORMED_RETRIES):
            try:
                response = self.client.models.generate_content(
                    model=self.model, contents=contents, config=self.config
                )
            except errors.APIError as exc:
                raise DescribeFailed(f"Gemini answered {exc.code}: {exc.message}") from exc
            spent = _priced(response)
            cost, tokens_in = cost + spent.dollars, tokens_in + spent.input_tokens
            tokens_out += spent.output_tokens
            try:
                text = ReversePrompt.model_validate_json(response.text or "")
            except ValidationError as exc:
                problem = f"Gemini's answer did not match the schema: {exc.errors()[0]['msg']}"
                log.warning("malformed Gemini answer; asking again", extra={"asset": subject.name})
                continue
            return Description(text, "gemini", cost, tokens_in, tokens_out)
        raise DescribeFailed(problem)

    def describe_group(self, source: Image.Image, subjects: list[Subject]) -> list[Result]:
        cfg = worker_settings()
        if cfg.describe_mode != "batched":
            return [attempt(self.describe, s) for s in subjects]
        results: list[Result] = []
        for start in range(0, len(subjects), cfg.describe_batch_items):
            chunk = subjects[start : start + cfg.describe_batch_items]
            answers, spent = self._ask_batch(source, chunk)
            shares = max(1, len(answers))
            ins, outs = batch.split(spent.input_tokens, shares), batch.split(spent.output_tokens, shares)
            for i, subject in enumerate(chunk):
                answer = answers.get(str(i + 1))
                if answer is None:  # missing, malformed or the batch failed: asked again alone
                    results.append(attempt(self.describe, subject))
                    continue
                results.append(Description(answer, "gemini", spent.dollars / shares, ins.pop(), outs.pop()))
        return results

    def _ask_batch(
        self, source: Image.Image, chunk: list[Subject]
    ) -> tuple[dict[str, ReversePrompt], pricing.Usage]:
        """One request for a chunk: the valid answers by key, and what it cost (dollars, tokens)."""
        from google.genai import errors

        cfg = worker_settings()
        contents: list[types.PartUnionDict] = [prompts.BATCH, "Source:", batch.part(source, cfg.describe_px)]
        crops = [(key, s) for key, s in enumerate(chunk, start=1) if s.image is not source]
        for key, subject in enumerate(chunk, start=1):
            if subject.image is source:
                contents.append(f"Item {key}: the source image itself. {prompts.facts(subject)}")
        for first in range(0, len(crops), batch.GRID_CELLS):
            cells = crops[first : first + batch.GRID_CELLS]
            grid = first // batch.GRID_CELLS + 1
            for cell, (key, subject) in enumerate(cells, start=1):
                contents.append(f"Item {key} (grid {grid}, cell {cell}): {prompts.facts(subject)}")
            image = batch.grid([subject.image for _, subject in cells], cfg.describe_crop_px)
            contents += [f"Grid {grid}:", batch.part(image, cfg.describe_crop_px)]
        try:
            response = self.client.models.generate_content(
                model=self.model, contents=contents, config=self.batch_config
            )
        except errors.APIError as exc:
            log.warning("a batched description failed; one call per asset", extra={"error": str(exc)})
            return {}, pricing.Usage(0.0, 0, 0)
        asked = {str(k) for k in range(1, len(chunk) + 1)}
        return batch.keyed(response.text or "", asked), _priced(response)


def _priced(response: types.GenerateContentResponse) -> pricing.Usage:
    cfg = worker_settings()
    return pricing.usage(response, cfg.price_input_per_mtok, cfg.price_output_per_mtok)
