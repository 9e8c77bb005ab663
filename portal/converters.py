"""URL converters shared by the apps."""

from django.urls import register_converter


class UpstreamIdConverter:
    """An upstream id in a portal URL: one path segment without control characters.

    Govern, DSS and API node ids never contain them, and a NUL reaching a database query is an error on PostgreSQL:
    such a URL is a plain 404 instead.
    """

    regex = r"[^/\x00-\x1f\x7f]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UpstreamIdConverter, "uid")


class RowIdConverter:
    """A database row id in a URL: at most 18 digits, so that it always fits a 64-bit integer column (a longer one
    is a plain 404, never a database overflow)."""

    regex = r"[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(RowIdConverter, "rowid")
