"""Continuity: whether each generated beat image and chunk clip shows the project's cast.

`report.py` imports only common.records (every checkpoint version carries a report); the rest may
import common.checkpoints, common.projects, common.jobs, common.library and below.
"""
