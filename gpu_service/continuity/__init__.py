"""Continuity checks: who a beat image or chunk clip shows, against the project's snapshot cast."""
