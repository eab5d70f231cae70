"""Video projects: generation on immutable manifest snapshots, forks, invalidation and branches.

May import common.jobs, common.library and below.
"""
