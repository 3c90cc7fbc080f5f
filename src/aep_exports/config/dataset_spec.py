"""A declared dataset: the body of ``POST /data/foundation/catalog/dataSets``, plus ``protect``."""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import Field, SerializerFunctionWrapHandler, StrictBool, model_serializer

from aep_exports.config.policies import Labels, without_default_policies
from aep_exports.config.strict import StrictModel
from aep_exports.config.values import FreeText, NonEmptyText, TagName, TagValue

PROFILE_UNION_SCHEMA: Final = "https://ns.adobe.com/xdm/context/profile__union"
XED_CONTENT_TYPE: Final = "application/vnd.adobe.xed+json;version=1"


class SchemaRef(StrictModel):
    """A profile-export target must be based on the profile union schema."""

    id: Literal["https://ns.adobe.com/xdm/context/profile__union"] = PROFILE_UNION_SCHEMA
    contentType: Literal["application/vnd.adobe.xed+json;version=1"] = XED_CONTENT_TYPE


class FileDescription(StrictModel):
    """Profile exports write parquet batches into a persisted dataset."""

    persisted: Literal[True] = True
    containerFormat: Literal["parquet"] = "parquet"
    format: Literal["parquet"] = "parquet"


class DatasetSpec(StrictModel):
    """A dataset to create and keep: an export target in the data lake."""

    name: NonEmptyText = Field(description="The dataset's name on the platform.")
    description: FreeText | None = None
    tags: dict[TagName, list[TagValue]] = Field(
        default_factory=dict, description="Catalog tags, {name: [values]}."
    )
    schemaRef: SchemaRef = Field(default_factory=SchemaRef)
    fileDescription: FileDescription = Field(default_factory=FileDescription)
    aspect: Literal["production"] = "production"
    protect: StrictBool = Field(
        default=False, description="Never delete this dataset, even when its declaration is removed."
    )
    labels: Labels = Field(default_factory=dict, description="{name: value}, for --select name=value.")

    @model_serializer(mode="wrap")
    def _stored_form(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        dumped: dict[str, Any] = handler(self)
        return without_default_policies(dumped)  # no labels: as before they existed

    def request_body(self) -> dict[str, Any]:
        """The JSON body for ``POST /data/foundation/catalog/dataSets`` (``protect``, ``labels``: ours)."""
        body: dict[str, Any] = {"name": self.name}
        if self.description is not None:
            body["description"] = self.description
        if self.tags:
            body["tags"] = {name: list(values) for name, values in self.tags.items()}
        body["schemaRef"] = self.schemaRef.model_dump()
        body["fileDescription"] = self.fileDescription.model_dump()
        body["aspect"] = self.aspect
        return body
