"""The generator's one error type: 'file:line: function f: what is wrong'."""

from __future__ import annotations


class GenError(Exception):
    """A user-facing error: printed as is, exit status 1, no traceback."""

    def __init__(self, file: str, line: int, message: str, function: str | None = None) -> None:
        self.file = file
        self.line = line
        self.function = function
        self.message = message
        where = f"{file}:{line}: "
        if function:
            where += f"function {function}: "
        super().__init__(where + message)


class GenErrors(Exception):
    """Several errors found in one run, reported together."""

    def __init__(self, errors: list[GenError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
