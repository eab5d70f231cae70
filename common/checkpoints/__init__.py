"""Checkpoints of a project's pipeline: versioned artifacts, edits, regeneration, continuation, media.

May import common.projects, common.jobs, common.library and below.
"""
