"""Ocient-style distributed tasks: ``CREATE TASK … TYPE rebuild|check_disk|rebalance`` and ``CANCEL TASK``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictBool, model_validator

from .base import REQUEST_CONFIG, PrintableName, WireModel, excerpt

SEGMENT_GROUP_MAX = 2**32 - 1
"""The largest segment group: the engine takes a segment group for a volume id (vid), which is 32 bits wide."""
SEGMENT_GROUPS_MAX_ITEMS = 1000
"""The most segment groups one rebuild may name."""
STORAGE_IDS_MAX_ITEMS = 1000
"""The most storage ids one check_disk may name; each is a name (see ``base.NAME_MAX_LENGTH``)."""

# strict: a bool, a float or a text is never taken for a segment group (True would otherwise be group 1).
SegmentGroup = Annotated[int, Field(strict=True, ge=0, le=SEGMENT_GROUP_MAX)]


class DistributedType(StrEnum):
    REBUILD = "rebuild"
    CHECK_DISK = "check_disk"
    REBALANCE = "rebalance"


class LocationKind(StrEnum):
    SYSTEM = "SYSTEM"
    CLUSTER = "CLUSTER"
    NODE = "NODE"


class Location(WireModel):
    model_config = ConfigDict(extra="forbid")

    kind: LocationKind = LocationKind.SYSTEM
    name: PrintableName | None = None

    @model_validator(mode="after")
    def _name_matches_kind(self) -> Location:
        if self.kind is LocationKind.SYSTEM and self.name:
            raise ValueError("LOCATION SYSTEM takes no name")
        if self.kind is not LocationKind.SYSTEM and not self.name:
            raise ValueError(f"LOCATION {self.kind.value} needs a {self.kind.value.lower()} name")
        return self

    def __str__(self) -> str:
        return self.kind.value if self.name is None else f"{self.kind.value} {self.name}"


class RebuildOptions(WireModel):
    model_config = ConfigDict(extra="forbid")

    node: PrintableName | None = None
    segment_groups: list[SegmentGroup] | None = Field(default=None, max_length=SEGMENT_GROUPS_MAX_ITEMS)
    table_id: PrintableName | None = None


class CheckDiskOptions(WireModel):
    model_config = ConfigDict(extra="forbid")

    fix: StrictBool = False
    sample: StrictBool = False
    only_unhealthy: StrictBool = False
    storage_ids: list[PrintableName] | None = Field(default=None, max_length=STORAGE_IDS_MAX_ITEMS)


class RebalanceOptions(WireModel):
    model_config = ConfigDict(extra="forbid")


OPTION_MODELS: dict[DistributedType, type[WireModel]] = {
    DistributedType.REBUILD: RebuildOptions,
    DistributedType.CHECK_DISK: CheckDiskOptions,
    DistributedType.REBALANCE: RebalanceOptions,
}

NODE_LOCATION_REFUSED = (DistributedType.REBUILD, DistributedType.REBALANCE)


class CreateTaskRequest(WireModel):
    """A ``CREATE TASK`` as data. ``options`` are validated against the type's option model."""

    model_config = REQUEST_CONFIG

    name: PrintableName | None = None
    type: DistributedType
    location: Location = Field(default_factory=Location)
    options: dict[str, object] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _options_fit_type(self) -> CreateTaskRequest:
        model = OPTION_MODELS[self.type]
        unknown = sorted(set(self.options) - set(model.model_fields))
        if unknown:
            allowed = ", ".join(model.model_fields) or "none"
            raise ValueError(f"unknown option '{excerpt(unknown[0])}' for {self.type.value} (allowed: {allowed})")
        self.options = model.model_validate(self.options).model_dump(exclude_none=True)
        return self

    def to_statement(self) -> str:
        # Names are quoted: unquoted, one with a space, a quote or a leading digit would not parse back.
        parts = ["CREATE TASK"]
        if self.name:
            parts.append(_sql_value(self.name))
        parts += ["TYPE", self.type.value, "LOCATION", self.location.kind.value]
        if self.location.name is not None:
            parts.append(_sql_value(self.location.name))
        if self.options:
            parts.append("OPTIONS " + ", ".join(f"{k} = {_sql_value(v)}" for k, v in self.options.items()))
        return " ".join(parts) + ";"


def _sql_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[ " + ", ".join(_sql_value(v) for v in value) + " ]"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


class CancelTaskRequest(WireModel):
    model_config = REQUEST_CONFIG

    task: Annotated[PrintableName, Field(description="the task's name or id")]


class StatementRequest(WireModel):
    model_config = REQUEST_CONFIG

    statement: str = Field(min_length=1, max_length=10_000)


class StatementResult(WireModel):
    """What running a statement did: the task it created or cancelled."""

    action: Literal["create", "cancel"] = Field(description="the statement's verb: what was done")
    task_id: str
    name: str | None = None
    message: str = ""
