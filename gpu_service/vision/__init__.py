"""Pixels and models: decoding, detectors, faces (detect, align, embed), clustering, identity, clips.

Nothing here writes to Firestore or Cloud Storage: images come in as bytes, answers go out as values.
"""
