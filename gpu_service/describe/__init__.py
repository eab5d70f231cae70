"""Reverse prompting: an asset's image in, text a video model can use out (Gemini, or offline)."""
