"""narrate-gen: emits traced versions of the C functions marked NARR_TRACE_FN."""

__version__ = "0.1.0"
