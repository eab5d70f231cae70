"""Reference libraries: manifests, assets, their tags, uploaded images, copies and face embeddings.

May import common.gcp, common.errors and common.records.
"""
