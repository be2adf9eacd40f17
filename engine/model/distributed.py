"""Ocient-style distributed tasks: ``CREATE TASK … TYPE rebuild|check_disk|rebalance`` and ``CANCEL TASK``."""

from __future__ import annotations

from enum import StrEnum

from pydantic import ConfigDict, Field, model_validator

from .base import REQUEST_CONFIG, WireModel


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
    name: str | None = None

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

    node: str | None = None
    segment_groups: list[int] | None = None
    table_id: str | None = None


class CheckDiskOptions(WireModel):
    model_config = ConfigDict(extra="forbid")

    fix: bool = False
    sample: bool = False
    only_unhealthy: bool = False
    storage_ids: list[str] | None = None


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

    name: str | None = Field(default=None, min_length=1, max_length=128)
    type: DistributedType
    location: Location = Field(default_factory=Location)
    options: dict[str, object] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _options_fit_type(self) -> CreateTaskRequest:
        model = OPTION_MODELS[self.type]
        unknown = sorted(set(self.options) - set(model.model_fields))
        if unknown:
            allowed = ", ".join(model.model_fields) or "none"
            raise ValueError(f"unknown option {unknown[0]!r} for {self.type.value} (allowed: {allowed})")
        self.options = model.model_validate(self.options).model_dump(exclude_none=True)
        return self

    def to_statement(self) -> str:
        parts = ["CREATE TASK"]
        if self.name:
            parts.append(self.name)
        parts += ["TYPE", self.type.value, "LOCATION", str(self.location)]
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

    task: str = Field(min_length=1, description="the task's name or id")


class StatementRequest(WireModel):
    model_config = REQUEST_CONFIG

    statement: str = Field(min_length=1, max_length=10_000)


class StatementResult(WireModel):
    """What running a statement did: the task it created or cancelled."""

    action: str
    task_id: str
    name: str | None = None
    message: str = ""
