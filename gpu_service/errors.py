"""The exceptions the job runner reads: an input's own problem, which no retry can fix, and a job
another delivery is working, which a later delivery finds done.

Every step's input error derives from `Permanent` (an unreadable image or clip, an asset that cannot
be described, a generation the model refuses): the delivery records it and acknowledges the task,
instead of letting Cloud Tasks retry it. `Busy` is answered 503 (Cloud Tasks delivers it again
later) and fails nothing. Anything else is presumed transient and retried.
"""


class Permanent(Exception):
    """Retrying cannot help: the job fails with this message."""


class Busy(Exception):
    """Another delivery of this job holds it: this one does nothing and is delivered again later."""
