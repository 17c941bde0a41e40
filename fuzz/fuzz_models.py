"""atheris target: arbitrary ``d`` into the event decoder, ``qqproto.models.parse_event``.

Invariant: ``parse_event(name, d, event_id=...)`` gives the event's model (an ``UnknownEvent`` for
a name it does not know) or raises a ``qqproto._errors.RemoteProtocolError`` subclass
(``InvalidModel``, ``InvalidJSON``), nothing else; a decoded model keeps its text (``raw`` is
``d``), its ``extra`` can be read, and ``to_dict()`` parses back into an equal model.

The first byte picks the event name (every known one, plus one unknown); the second the form of
``d``: the rest of the input as bytes, as text (UTF-8, bad bytes replaced), as ``msgspec.Raw``,
as the value of one of the model's fields (``{"<field>": <input>}``, which reaches the typed
fields and the mending pass at once), as a JSON string there (``{"<field>": "<input>"}``: the
time and enum spellings are strings), or as the value the standard ``json`` module decodes it to
(input it cannot decode, too deep for it included, is skipped: the harness's limit, not a
finding).
"""

from __future__ import annotations

import json
from operator import attrgetter
from typing import Any

import msgspec
from _harness import Reader, run_atheris

from qqproto._errors import RemoteProtocolError
from qqproto.models import EVENT_MODELS, Model, UnknownEvent, parse_event

NAMES = (*sorted(EVENT_MODELS), "NOT_AN_EVENT")
FIELDS = {
    name: tuple(model.__struct_fields__) if issubclass(model, Model) else ("data",)
    for name, model in EVENT_MODELS.items()
}
FORMS = ("bytes", "text", "raw", "field", "string", "value")
SKIP = object()
"""What :func:`build` gives for input the harness's own ``json`` cannot decode."""


def build(reader: Reader, name: str) -> Any:
    """``d`` in the form the next input byte picks (:data:`SKIP`: the harness cannot build it)."""
    form = reader.choice(FORMS)
    data = reader.data
    if form == "bytes":
        return data
    if form == "text":
        return data.decode("utf-8", "replace")
    if form == "raw":
        return msgspec.Raw(data)
    if form in ("field", "string"):
        field = reader.choice(FIELDS.get(name, ("id",)))
        value = reader.data
        if form == "string":
            value = json.dumps(value.decode("utf-8", "replace"), ensure_ascii=False).encode()
        return b'{"' + field.encode() + b'":' + value + b"}"
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return SKIP


def TestOneInput(data: bytes) -> None:
    reader = Reader(data)
    name = reader.choice(NAMES)
    d = build(reader, name)
    if d is SKIP:
        return
    try:
        event = parse_event(name, d, event_id="fuzz")
    except RemoteProtocolError:
        return
    model = EVENT_MODELS.get(name, UnknownEvent)
    assert isinstance(event, model), (name, type(event))
    if isinstance(event, Model):
        assert attrgetter("event_id")(event) == "fuzz"  # every event model has one
        if isinstance(d, (bytes, str, msgspec.Raw)):
            text = d.encode("utf-8") if isinstance(d, str) else bytes(d)
            assert event.raw == text
            dict(event.extra)
        assert type(event).parse(event.to_dict()) == event


def main() -> None:
    run_atheris(TestOneInput)


if __name__ == "__main__":
    main()
