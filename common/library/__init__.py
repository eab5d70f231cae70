"""Reference libraries: manifests, assets and their views, tags, uploaded images, copies, face
embeddings, the owner's face index and face search, and the identity rules both sides share.

May import common.gcp and the base modules (common.errors, records, ids, cursors, owned); never
common.jobs or above (tests/unit/test_layers.py checks).
"""
