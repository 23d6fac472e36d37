"""Persisted queries: Apollo's automatic persisted queries (APQ) and an allow-list mode.

Why: a storefront document is ~1 KB of text sent with every request; with APQ the client sends
its SHA-256 instead (and can use GET, which a CDN caches), and in production the allow-list mode
runs only the documents the mini-program was built with, so nobody can send the shop endpoint a
document of their own making.

The protocol (Apollo's, what `@apollo/client`'s persisted query link speaks):
- `extensions.persistedQuery = {"version": 1, "sha256Hash": "<64 hex>"}`, with or without
  `query`, over POST or GET (`?extensions=...&variables=...`);
- a hash alone that the server does not know is answered with the error message
  `PersistedQueryNotFound` (code `PERSISTED_QUERY_NOT_FOUND`): the client sends the hash again
  with the query, which the server checks (`sha256(query) == hash`) and remembers;
- in allow-list mode (`PERSISTED_QUERIES=allow-list`) nothing is remembered: only the documents
  of the manifest run, by hash or by text, and anything else is refused with the code
  `PERSISTED_QUERY_NOT_REGISTERED` and a message that says so.

The manifest is the JSON file Apollo's `generate-persisted-query-manifest` writes
(`{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "name",
"type", "body"}]}`); `siyu persisted-queries` writes one from .graphql files at deploy time,
checking each document against the shop schema first.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    specified_rules,
    validate,
)

MANIFEST_FORMAT = "apollo-persisted-query-manifest"
NOT_FOUND = "PersistedQueryNotFound"
NOT_FOUND_CODE = "PERSISTED_QUERY_NOT_FOUND"
NOT_REGISTERED_CODE = "PERSISTED_QUERY_NOT_REGISTERED"
MISMATCH = "provided sha does not match query"
_HASH = re.compile(r"[0-9a-f]{64}")
# Learned documents are anyone's text: bounded by count and by characters, as parsed documents
# are (api/graphql/http.py).
LEARNED_SIZE = 512
LEARNED_CHARS = 256 * 1024


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class PersistedQueryError(Exception):
    """A request the persisted-query rules refuse: answered as a GraphQL request error with
    `extensions.code`, or with `status` when it is malformed rather than unknown."""

    def __init__(self, message: str, code: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class ManifestError(ValueError):
    """A manifest file that cannot be trusted (bad format, an id that is not its body's hash)."""


@dataclass(frozen=True)
class Operation:
    """One manifest entry: a document and its hash."""

    id: str
    name: str
    type: str
    body: str

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "type": self.type, "body": self.body}


def manifest_json(operations: Iterable[Operation]) -> str:
    """The manifest text for `operations` (sorted by name, then hash: stable across builds)."""
    ordered = sorted(operations, key=lambda o: (o.name, o.id))
    return json.dumps(
        {"format": MANIFEST_FORMAT, "version": 1, "operations": [o.as_json() for o in ordered]},
        ensure_ascii=False,
        indent=2,
    )


def operations_of(paths: Iterable[str | Path], schema: GraphQLSchema) -> list[Operation]:
    """One manifest entry per .graphql file, its text kept byte for byte (the hash is over the
    exact text the client sends). Each file holds one operation (and the fragments it uses)
    that validates against `schema` under the endpoint's limits; ManifestError names the
    first file that does not."""
    from api.graphql.limits import LIMIT_RULES, parse_document

    found = []
    for path in paths:
        try:
            body = Path(path).read_text(encoding="utf-8")
            document = parse_document(body)
        except (OSError, UnicodeDecodeError, GraphQLError) as error:
            raise ManifestError(f"{path}: {error}") from None
        errors = validate(schema, document, rules=[*specified_rules, *LIMIT_RULES])
        if errors:
            raise ManifestError(f"{path}: {errors[0].message}")
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1 or operations[0].name is None:
            raise ManifestError(f"{path}: a file must hold exactly one named operation")
        operation = operations[0]
        name = operation.name.value  # type: ignore[union-attr]  # checked above
        found.append(Operation(sha256_hex(body), name, operation.operation.value, body))
    return found


def read_manifest(path: str | Path) -> dict[str, str]:
    """hash -> document of a manifest file; ManifestError when it cannot be trusted."""
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ManifestError(f"{path}: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise ManifestError(f"{path}: not an {MANIFEST_FORMAT} (version 1)")
    documents: dict[str, str] = {}
    for entry in manifest.get("operations") or []:
        body = entry.get("body") if isinstance(entry, dict) else None
        if not isinstance(body, str) or entry.get("id") != sha256_hex(body):
            raise ManifestError(f"{path}: an operation's id is not the SHA-256 of its body")
        documents[entry["id"]] = body
    return documents


@dataclass
class PersistedQueries:
    """An endpoint's persisted documents: the manifest's, and (unless `allow_list_only`) those
    clients registered by APQ, per process (a worker that does not know a hash answers
    PersistedQueryNotFound and the client sends the text once more)."""

    registered: Mapping[str, str] = field(default_factory=dict)
    allow_list_only: bool = False
    _learned: OrderedDict[str, str] = field(default_factory=OrderedDict)
    _learned_chars: int = 0

    def document(self, params: dict[str, Any]) -> tuple[str, str | None]:
        """The query text to run and its hash when the request carried one; raises
        PersistedQueryError. `params` are the request's, `extensions` already checked to be
        an object or absent."""
        query = params.get("query")
        persisted = (params.get("extensions") or {}).get("persistedQuery")
        if persisted is None:
            if self.allow_list_only and (
                not isinstance(query, str) or sha256_hex(query) not in self.registered
            ):
                raise self._not_registered()
            return query, None  # type: ignore[return-value]  # checked by the caller
        digest = _checked_hash(persisted)
        if query is None:
            known = self.registered.get(digest) or (
                None if self.allow_list_only else self._recall(digest)
            )
            if known is None:
                if self.allow_list_only:
                    raise self._not_registered()
                raise PersistedQueryError(NOT_FOUND, NOT_FOUND_CODE)
            return known, digest
        if not isinstance(query, str) or sha256_hex(query) != digest:
            raise PersistedQueryError(MISMATCH, "PERSISTED_QUERY_HASH_MISMATCH", 400)
        if digest not in self.registered:
            if self.allow_list_only:
                raise self._not_registered()
            self._learn(digest, query)
        return query, digest

    @staticmethod
    def _not_registered() -> PersistedQueryError:
        return PersistedQueryError(
            "Only registered documents run on this endpoint (allow-list mode): send the "
            "sha256Hash of an operation the app was built with. / 仅允许已登记的查询",
            NOT_REGISTERED_CODE,
        )

    def _recall(self, digest: str) -> str | None:
        known = self._learned.get(digest)
        if known is not None:
            self._learned.move_to_end(digest)
        return known

    def _learn(self, digest: str, query: str) -> None:
        if digest in self._learned or len(query) > LEARNED_CHARS // 16:
            return
        self._learned[digest] = query
        self._learned_chars += len(query)
        while len(self._learned) > LEARNED_SIZE or self._learned_chars > LEARNED_CHARS:
            self._learned_chars -= len(self._learned.popitem(last=False)[1])


def _checked_hash(persisted: Any) -> str:
    if (
        not isinstance(persisted, dict)
        or persisted.get("version") != 1
        or not isinstance(persisted.get("sha256Hash"), str)
        or not _HASH.fullmatch(persisted["sha256Hash"])
    ):
        raise PersistedQueryError(
            "`extensions.persistedQuery` must be {version: 1, sha256Hash: <64 lowercase hex>}.",
            "BAD_REQUEST",
            400,
        )
    return persisted["sha256Hash"]  # type: ignore[no-any-return]
