"""Reference libraries: manifests, assets and their views, tags, uploaded images, copies, face
embeddings, the owner's face index and face search, and the identity rules both sides share.

May import common.gcp, common.errors and common.records.
"""
