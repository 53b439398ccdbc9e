"""One tariff version read for review: from a file, or from a git revision (`REV:path`).

A reviewer compares what a branch says with what its base says without checking either
out: `main:tariffs/tencent-im/2026-01-01.yaml` is read with `git show`. The compiled
version keeps its `Source` (the data with line marks), so a change found later can name
the line it sits on.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from engine.core.errors import Diagnostic, TariffError
from engine.language import model as m
from engine.language.catalog import is_version_file
from engine.language.compiler import compile_version
from engine.language.schema import check_tariff
from engine.language.source import MAX_DOCUMENT_BYTES, Source, as_given, display_name, parse_yaml, read_bytes


@dataclass(frozen=True, slots=True)
class Document:
    """A compiled version with the document it came from; `spec` is as the user gave it."""

    spec: str
    version: m.TariffVersion
    source: Source


def read_document(spec: str) -> Document:
    """A version file, or `REV:path` read with `git show` when no such file exists."""
    path = Path(spec)
    if path.is_dir():
        raise TariffError([Diagnostic(message="is a directory; give one version file (YYYY-MM-DD.yaml)", rule="io", file=spec)])
    if path.exists() or ":" not in spec:
        return _named_as_given(read_bytes(path, spec), display_name(path), path, spec)
    inner = Path(spec.split(":", 1)[1])
    return _named_as_given(git_show(spec), display_name(inner), inner, spec)


def _named_as_given(raw: bytes, name: str, path: Path, spec: str) -> Document:
    """`compile_document`, its diagnostics naming the file as the user wrote it."""
    try:
        return compile_document(raw, name, path, spec)
    except TariffError as error:
        raise TariffError(as_given(error.diagnostics, {name: spec})) from None


def git_show(spec: str) -> bytes:
    """The bytes of `REV:path` as git stores them; refusals become diagnostics."""
    if spec.startswith("-"):
        raise TariffError([Diagnostic(message="a revision cannot start with '-'", rule="git", file=spec, hint=_GIT_HINT)])
    try:
        # git from PATH on a fixed argument list; `spec` cannot be read as an option (checked above).
        returncode, out, err = _bounded_run(["git", "show", spec], MAX_DOCUMENT_BYTES + 1)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise TariffError([Diagnostic(message=f"cannot run git to read it: {error}", rule="git", file=spec)]) from None
    if len(out) > MAX_DOCUMENT_BYTES:
        raise TariffError([Diagnostic(message=f"file is over the limit of {MAX_DOCUMENT_BYTES} bytes", rule="size", file=spec)])
    if returncode != 0:
        said = err.decode("utf-8", "replace").strip().splitlines()
        reason = said[0].removeprefix("fatal: ") if said else f"git show exited with {returncode}"
        raise TariffError(
            [Diagnostic(message=f"not a file, and git cannot read it as REV:path: {reason}", rule="git", file=spec, hint=_GIT_HINT)]
        )
    return out


def _bounded_run(command: list[str], limit: int) -> tuple[int, bytes, bytes]:
    """(exit status, at most `limit` bytes of stdout, the start of stderr): a huge blob is never read whole."""
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:  # noqa: S603
        assert process.stdout is not None and process.stderr is not None
        out = process.stdout.read(limit)
        if len(out) >= limit:
            process.kill()
            process.wait(timeout=60)
            return -1, out, b""
        err = process.stderr.read(65536)
        return process.wait(timeout=60), out, err


_GIT_HINT = "write a revision and a path from the repository's top, e.g. main:tariffs/tencent-im/2022-01-01.yaml"


def compile_document(raw: bytes, name: str, path: Path, spec: str | None = None) -> Document:
    """Parse, validate and compile one version document; raises `TariffError` with every problem."""
    data, problems = parse_yaml(raw, name)
    if problems:
        raise TariffError(problems)
    source = Source(name=name, raw=raw, data=data)
    problems = check_tariff(source)
    if not problems:
        version, problems = compile_version(source)
        if version is not None and is_version_file(path) and path.stem != version.effective_from.isoformat():
            problems.append(_misnamed(source, path, version))
        elif version is not None:
            return Document(spec=spec or name, version=version, source=source)
    raise TariffError(problems)


def _misnamed(source: Source, path: Path, version: m.TariffVersion) -> Diagnostic:
    return source.diagnostic(
        ["effective_from"],
        f"file {path.name} holds effective_from {version.effective_from}; a version file is named by its date",
        "version-name",
        hint=f"rename the file to {version.effective_from}.yaml, or correct effective_from",
    )
