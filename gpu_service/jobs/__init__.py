"""Delivery of a Cloud Task's job: running it, deciding on a retry, claims on paid calls, progress."""
