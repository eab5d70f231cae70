"""Engine jobs: job documents, the manifest lease a run holds, queueing, and the steps of a run.

May import common.library and below (common.gcp, common.errors, common.records).
"""
