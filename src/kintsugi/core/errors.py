"""Errors a user can cause, carrying where the problem is."""

from __future__ import annotations


class KintsugiError(Exception):
    """Base class: a problem the user can fix; shown as one message, never a traceback."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(KintsugiError):
    """Bad input, located by file, line and field where known."""

    status_code = 422

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        super().__init__(message)

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line:
                where += f":{self.line}"
            where += ": "
        elif self.line:
            where = f"line {self.line}: "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"

    def located(self, file: str) -> InputError:
        """The same error, naming the file it came from."""
        return InputError(self.message, file=file, line=self.line, field=self.field)


class TooLargeError(InputError):
    """A field or a request is larger than its limit (the message names the limit)."""

    status_code = 413


class TooManyRequestsError(KintsugiError):
    """One person asked for too much work in a short time; try again after ``retry_after``."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFoundError(KintsugiError):
    """The thing asked for does not exist (or the viewer may not see it)."""

    status_code = 404


class ConflictError(KintsugiError):
    """An update was based on a stale version."""

    status_code = 409

    def __init__(self, message: str, *, current: object = None) -> None:
        super().__init__(message)
        self.current = current


class PermissionDeniedError(KintsugiError):
    """The viewer is known but lacks the role for this; ``role``: the least role it needs."""

    status_code = 403

    def __init__(self, message: str, *, role: str | None = None) -> None:
        super().__init__(message)
        self.role = role


class ConfigurationError(KintsugiError):
    """Settings or the environment are wrong (exit code 2)."""

    status_code = 500


def input_error_from(exc: Exception, *, file: str | None = None) -> InputError:
    """An InputError from a pydantic ValidationError, naming the first invalid field; a text
    over its size limit gives a TooLargeError (413) naming it."""
    errors = getattr(exc, "errors", None)
    found: list[dict[str, object]] = list(errors()) if callable(errors) else []
    if not found:
        return InputError(str(exc), file=file)
    too_long = [e for e in found if e.get("type") == "string_too_long"]
    first = too_long[0] if too_long else found[0]
    loc = first.get("loc", ())
    field = ".".join(str(part) for part in loc) if isinstance(loc, tuple | list) else ""
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    if too_long:
        return TooLargeError(
            f"too large: {message[:1].lower()}{message[1:]}", file=file, field=field or None
        )
    return InputError(message, file=file, field=field or None)
