"""gdprmap: observed network traffic -> GDPR Chapter V evidence.

    >>> import gdprmap
    >>> result = gdprmap.analyze("examples/health-booking/capture.har")  # doctest: +SKIP
    >>> [r.verdict for r in result.assessment.recipients]                  # doctest: +SKIP
"""

__version__ = "0.1.0"

from .api import analyze, load  # noqa: E402
from .errors import GdprmapError, InputError, UsageError  # noqa: E402
from .models import Assessment, Verdict  # noqa: E402

__all__ = ["Assessment", "GdprmapError", "InputError", "UsageError", "Verdict", "__version__",
           "analyze", "load"]
