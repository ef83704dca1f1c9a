"""Files people import, read as text by one rule: UTF-8 (with or without a byte-order mark), never binary."""


def utf8_text(data, file_name, *, error, expected="", save_as="UTF-8"):
    """The file's text; raises `error` saying why a binary or non-UTF-8 file cannot be read."""
    if b"\x00" in data:
        raise error(f"{file_name} is not a text file{f': {expected} is expected' if expected else ''}.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as failure:
        raise error(
            f"{file_name} is not UTF-8 text (byte {data[failure.start]:#04x} at position {failure.start}). "
            f"Save it as {save_as}."
        ) from None
