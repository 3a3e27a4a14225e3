"""Errors a user can fix. The CLI prints them as one line and exits with code 2."""

from __future__ import annotations


class UserError(Exception):
    """A mistake in input or configuration: the message names the thing and what to do.

    Raised anywhere below the CLI; never caught to be silenced. The message must be one line.
    """

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class PartialFailure(Exception):
    """Some inputs of a multi-input command failed while the rest succeeded (exit code 1)."""

    exit_code = 1


class StorageError(UserError):
    """The disk refused a write (full, over a quota or file-size limit, read-only).

    Retrying cannot help, so it is not retried: the write was abandoned whole (see
    tasks/core/atomic.py) and the message names the file and what to do.
    """
