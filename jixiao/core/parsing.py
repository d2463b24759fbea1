"""Reading ids and numbers out of URLs, query strings and forms."""


def parse_int(value: object) -> int | None:
    """The integer written in value, or None when it is empty, missing or not a whole number."""
    try:
        return int(str(value))
    except ValueError:
        return None
