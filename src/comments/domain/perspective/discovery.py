"""A Google API discovery document for our Comment Analyzer, so that Google's client libraries (Python's
`googleapiclient.discovery.build(..., discoveryServiceUrl=...)`, Node's `google.discoverAPI(url)`) work
against this service unchanged. The schemas are generated from the msgspec messages we parse."""

from __future__ import annotations

import functools
from typing import Any

import msgspec
from msgspec import inspect

from comments.domain.perspective import schemas as s

MESSAGES: tuple[type[msgspec.Struct], ...] = (
    s.AnalyzeCommentRequest,
    s.AnalyzeCommentResponse,
    s.SuggestCommentScoreRequest,
    s.SuggestCommentScoreResponse,
    s.TextEntry,
    s.Context,
    s.ArticleAndParentComment,
    s.AttributeParameters,
    s.AttributeScores,
    s.Score,
    s.SpanScore,
)


def _schema_of(info: inspect.Type) -> dict[str, Any]:
    if isinstance(info, inspect.UnionType):  # X | None
        [inner] = [t for t in info.types if not isinstance(t, inspect.NoneType)]
        return _schema_of(inner)
    if isinstance(info, inspect.StrType):
        return {"type": "string"}
    if isinstance(info, inspect.BoolType):
        return {"type": "boolean"}
    if isinstance(info, inspect.IntType):
        return {"type": "integer", "format": "int32"}
    if isinstance(info, inspect.FloatType):
        return {"type": "number", "format": "float"}
    if isinstance(info, inspect.ListType):
        return {"type": "array", "items": _schema_of(info.item_type)}
    if isinstance(info, inspect.DictType):
        return {"type": "object", "additionalProperties": _schema_of(info.value_type)}
    if isinstance(info, inspect.StructType):
        return {"$ref": info.cls.__name__}
    raise TypeError(f"no discovery schema for {info!r}")


def _message(cls: type[msgspec.Struct]) -> dict[str, Any]:
    info = inspect.type_info(cls)
    assert isinstance(info, inspect.StructType)
    return {
        "id": cls.__name__,
        "type": "object",
        "description": (cls.__doc__ or cls.__name__).strip().splitlines()[0],
        "properties": {field.encode_name: _schema_of(field.type) for field in info.fields},
    }


def _method(name: str, request: str, response: str, description: str) -> dict[str, Any]:
    return {
        "id": f"commentanalyzer.comments.{name}",
        "path": f"v1alpha1/comments:{name}",
        "flatPath": f"v1alpha1/comments:{name}",
        "httpMethod": "POST",
        "description": description,
        "parameters": {},
        "parameterOrder": [],
        "request": {"$ref": request},
        "response": {"$ref": response},
    }


@functools.cache
def _schemas() -> dict[str, Any]:
    return {cls.__name__: _message(cls) for cls in MESSAGES}


def discovery_document(root_url: str) -> dict[str, Any]:
    """The discovery document, with `root_url` (ending in `/perspective/`) as where clients send requests."""
    root = root_url if root_url.endswith("/") else root_url + "/"
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": "commentanalyzer:v1alpha1",
        "name": "commentanalyzer",
        "canonicalName": "Comment Analyzer",
        "version": "v1alpha1",
        "title": "Perspective Comment Analyzer API (served by comments)",
        "description": "Perspective's Comment Analyzer API answered by this service's own toxicity model.",
        "protocol": "rest",
        "rootUrl": root,
        "servicePath": "",
        "basePath": "",
        "baseUrl": root,
        "batchPath": "batch",
        "parameters": {
            "key": {
                "type": "string",
                "location": "query",
                "description": "API key (`comments perspective-key create`).",
            },
            "alt": {"type": "string", "location": "query", "default": "json", "enum": ["json"]},
            "prettyPrint": {"type": "boolean", "location": "query", "default": "true"},
        },
        "resources": {
            "comments": {
                "methods": {
                    "analyze": _method(
                        "analyze",
                        "AnalyzeCommentRequest",
                        "AnalyzeCommentResponse",
                        "Analyzes the provided text and returns scores for requested attributes.",
                    ),
                    "suggestscore": _method(
                        "suggestscore",
                        "SuggestCommentScoreRequest",
                        "SuggestCommentScoreResponse",
                        "Suggest comment scores as training data.",
                    ),
                }
            }
        },
        "schemas": _schemas(),
    }
