"""The one exception base the job runner reads: an input's own problem, which no retry can fix.

Every step's input error derives from `Permanent` (an unreadable image or clip, an asset that cannot
be described, a generation the model refuses): the delivery records it and acknowledges the task,
instead of letting Cloud Tasks retry it. A job another delivery holds is common/jobs/lease.Busy
(answered 503, failing nothing). Anything else is presumed transient and retried.
"""


class Permanent(Exception):
    """Retrying cannot help: the job fails with this message."""
