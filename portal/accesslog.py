"""gunicorn's access log without secrets: the token in a wall screen's address (`/wall/<token>/`) is written as
`/wall/…/`, so a log file never holds a working wall link. Used by `gunicorn.conf.py` (`logger_class`)."""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

# A wall screen's token: 20 or more URL-safe characters after /wall/ ("screens" and "feed" are shorter pages).
_WALL_TOKEN = re.compile(r"(/wall/)[A-Za-z0-9_-]{20,}")


def redact(text: str) -> str:
    return _WALL_TOKEN.sub(r"\1…", text)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
