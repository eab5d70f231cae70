"""What the tiers share: the API client and inbox, engine and checkpoint helpers, the Gemini stand-in."""
