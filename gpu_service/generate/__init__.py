"""Regenerating checkpoint media: beat images (a Gemini image model) and chunk clips (Veo), or offline."""
