"""Continuity: whether each generated beat image and chunk clip shows the project's cast.

Queueing checks and asking for them again (checks.py), writing their reports onto versions
(reports.py), the check's job (jobs.py) and how a report steers a repair (steering.py). The report
itself is what every version carries, so it lives with the versions (common/checkpoints/report.py):
continuity sits above checkpoints and is never imported by it.
"""
