"""What the jobs need while they run: claims on paid calls, a run's progress. Imports no other package
of gpu_service but config (delivery, which runs the jobs, lives beside the entry point).
"""
