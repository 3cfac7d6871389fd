"""gdprmap: observed network traffic -> GDPR Chapter V evidence.

    >>> import gdprmap
    >>> a = gdprmap.analyze("examples/health-booking/capture.har")  # doctest: +SKIP
    >>> [(r.id, str(r.verdict)) for r in a.recipients][:1]           # doctest: +SKIP
    [('org:aws-emea-sarl', 'unlawful')]
    >>> a.graph.recipients_of("https://w3id.org/dpv/pd#Health")     # doctest: +SKIP
    >>> gdprmap.run_query(a, "SELECT ?r WHERE { ?r gm:verdict 'unlawful' }")  # doctest: +SKIP

See docs/python.md for the guide. Every name in ``__all__`` is stable.
"""

__version__ = "0.1.0"

# Names are imported on first use (PEP 562), so that `import gdprmap` - and so `gdprmap
# --help` - does not pay for pydantic models, networkx, rdflib and the classifiers (issue #9).
# ``batch`` is bound eagerly (a light module): importing the submodule ``gdprmap.batch`` later
# would otherwise rebind the package attribute ``batch`` from the function to the module.
from typing import TYPE_CHECKING

from .batch import BatchResult, batch

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time ``__getattr__`` imports lazily
    from .api import (analyze, compare_captures, diff_assessments, export_assessment, load,
                      load_assessment, open_assessment, run_query)
    from .compare import Comparison, compare_register
    from .diff import AssessmentDiff
    from .errors import GdprmapError, InputError, UsageError
    from .graph import FlowGraph
    from .models import Assessment, Finding, Recipient, Transfer
    from .query import QueryResult
    from .register import Register
    from .verdicts import Verdict

_LAZY = {
    "analyze": "api", "load": "api", "compare_captures": "api", "diff_assessments": "api",
    "export_assessment": "api", "load_assessment": "api", "open_assessment": "api",
    "run_query": "api", "fetch_dpf_list": "api", "Comparison": "compare", "compare_register": "compare",
    "AssessmentDiff": "diff", "GdprmapError": "errors", "InputError": "errors",
    "UsageError": "errors", "FlowGraph": "graph", "Assessment": "models", "Finding": "models",
    "Recipient": "models", "Transfer": "models", "Verdict": "verdicts", "QueryResult": "query",
    "Register": "register",
}


def __getattr__(name: str) -> object:
    import importlib

    module = _LAZY.get(name)
    if module is None:
        try:  # a submodule not imported yet, e.g. ``gdprmap.api`` after ``import gdprmap``
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = ["Assessment", "AssessmentDiff", "BatchResult", "Comparison", "Finding", "FlowGraph",
           "GdprmapError", "InputError", "QueryResult", "Recipient", "Register", "Transfer",
           "UsageError", "Verdict", "__version__", "analyze", "batch", "compare_captures",
           "compare_register", "diff_assessments", "export_assessment", "fetch_dpf_list", "load",
           "load_assessment", "open_assessment", "run_query"]
