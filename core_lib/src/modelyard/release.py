"""Releasing a distribution to a package index: modelyard itself, or a model's project.

A release is refused, with a :class:`~modelyard.exceptions.ReleaseError` saying
what to do, when

* the git working tree has uncommitted changes (the version, taken from the git
  tag, would not describe what is in the files);
* the version is not a plain release (it has a local part such as ``+g1a2b3c``:
  the commit is not tagged);
* the index already has that version (versions on an index never change; tag a
  new one).

Then the sdist and the wheel are built into a fresh folder with ``python -m
build``, checked with ``twine check --strict`` and uploaded with ``twine
upload``. Credentials are never read from the repository: twine takes them from
``TWINE_USERNAME`` / ``TWINE_PASSWORD`` or from the system keyring.

The index is named twice because indexes name two places: where files are
uploaded (``repository_url``, ``$TWINE_REPOSITORY_URL``) and the simple index pip
installs from (``index_url``, ``$PIP_INDEX_URL``). For pypiserver they are
``http://host:port/`` and ``http://host:port/simple/``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from modelyard.exceptions import ReleaseError

#: File names of a wheel and of an sdist: ``name-version-...whl`` / ``name-version.tar.gz``.
_WHEEL = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)-.+\.whl$")
_SDIST = re.compile(r"^(?P<name>.+)-(?P<version>[^-]+)\.tar\.gz$")


@dataclass(frozen=True)
class Distributions:
    """The sdist and wheel of one release, and what they are."""

    name: str
    version: str
    files: tuple[Path, ...]

    @property
    def wheel(self) -> Path:
        """The wheel among ``files``."""
        return next(f for f in self.files if f.suffix == ".whl")


def normalize(name: str) -> str:
    """A project name as package indexes compare it (PEP 503): ``My_Model`` -> ``my-model``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def require_clean_tree(folder: Path | str) -> None:
    """Refuse to release from a git working tree with uncommitted changes."""
    done = _git(folder, "status", "--porcelain", "--untracked-files=no")
    if done.returncode != 0:
        raise ReleaseError(
            f"{folder} is not in a git repository; a release takes its version from a git "
            "tag, so release from a clone of the repository"
        )
    if done.stdout.strip():
        changed = ", ".join(line[3:] for line in done.stdout.splitlines()[:5])
        raise ReleaseError(
            f"the working tree has uncommitted changes ({changed}); commit or stash them, "
            "tag the commit and release again"
        )


def build(project: Path | str, out_dir: Path | str) -> Distributions:
    """Build the sdist and the wheel of ``project`` into ``out_dir`` (which must be empty)."""
    out = Path(out_dir)
    _run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(project)],
        "building the distributions",
    )
    files = tuple(sorted(out.iterdir()))
    wheels = [_WHEEL.match(f.name) for f in files if f.suffix == ".whl"]
    if len(files) != 2 or len(wheels) != 1 or wheels[0] is None:
        raise ReleaseError(
            f"building {project} gave {[f.name for f in files]}, not one sdist and one wheel"
        )
    return Distributions(normalize(wheels[0]["name"]), wheels[0]["version"], files)


def require_release_version(dists: Distributions, tag_hint: str = "vX.Y.Z") -> None:
    """Refuse a version with a local part (``0.1.1.dev3+g1a2b3c``): the commit is not tagged."""
    if "+" in dists.version or ".dev" in dists.version:
        raise ReleaseError(
            f"{dists.name} would be released as {dists.version}, which is not a release: "
            f"the commit is not tagged. Tag it (git tag {tag_hint}) and release again"
        )


def check(dists: Distributions) -> None:
    """Run ``twine check --strict`` on the distributions (metadata, README rendering)."""
    _run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dists.files)], "twine check"
    )


def published_versions(index_url: str, name: str) -> set[str]:
    """The versions of ``name`` the simple index at ``index_url`` lists (none if it has none)."""
    url = f"{index_url.rstrip('/')}/{normalize(name)}/"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            page = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return set()
        raise ReleaseError(
            f"the index answered {error.code} for {url}; check --index-url"
        ) from None
    except (urllib.error.URLError, OSError) as error:
        raise ReleaseError(f"cannot reach the index at {url}: {error}; check --index-url") from None
    return {v for file in _links(page) if (v := _version_of(file, name)) is not None}


def require_unpublished(dists: Distributions, index_url: str) -> None:
    """Refuse a version the index already has: a published version never changes."""
    if dists.version in published_versions(index_url, dists.name):
        raise ReleaseError(
            f"{dists.name} {dists.version} is already on {index_url}, and a published version "
            "never changes. Tag a new version (git tag vX.Y.Z with a higher number) and "
            "release again"
        )


def upload(dists: Distributions, repository_url: str) -> None:
    """Upload with twine; credentials come from TWINE_USERNAME/TWINE_PASSWORD or the keyring."""
    _run(
        [
            sys.executable,
            "-m",
            "twine",
            "upload",
            "--non-interactive",
            "--disable-progress-bar",
            "--repository-url",
            repository_url,
            *map(str, dists.files),
        ],
        f"uploading to {repository_url}",
    )


def release(
    project: Path | str,
    *,
    repository_url: str | None = None,
    index_url: str | None = None,
    out_dir: Path | str | None = None,
    upload_files: bool = True,
    tag_hint: str = "vX.Y.Z",
    verify: Callable[[Distributions], None] | None = None,
) -> Distributions:
    """Check the tree, build, check, refuse a published version, then upload.

    Args:
        project: the folder with the pyproject.toml to build.
        repository_url: where to upload; ``$TWINE_REPOSITORY_URL`` when None.
        index_url: the simple index to look for the version in; ``$PIP_INDEX_URL``,
            else ``repository_url`` + ``simple/`` (pypiserver's layout) when None.
        out_dir: where to keep the built files (a new temporary folder when None).
        upload_files: False builds and checks only.
        tag_hint: the tag to suggest when the commit is not tagged.
        verify: a further check of the built files, run before anything is uploaded.
    """
    require_clean_tree(project)
    repository_url = repository_url or os.environ.get("TWINE_REPOSITORY_URL")
    if upload_files and not repository_url:
        raise ReleaseError(
            "no index to upload to: pass --repository-url URL (or set TWINE_REPOSITORY_URL), "
            "and give credentials in TWINE_USERNAME and TWINE_PASSWORD or the keyring"
        )
    out = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="release-"))
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise ReleaseError(f"{out} is not empty; give an empty folder to build into")
    dists = build(project, out)
    require_release_version(dists, tag_hint)
    if verify is not None:
        verify(dists)
    check(dists)
    if upload_files:
        assert repository_url is not None
        index = (
            index_url or os.environ.get("PIP_INDEX_URL") or f"{repository_url.rstrip('/')}/simple/"
        )
        require_unpublished(dists, index)
        upload(dists, repository_url)
    return dists


def release_notes(changelog: Path | str, version: str) -> str:
    """The section of ``changelog`` for ``version``: the lines under its ``## X.Y.Z`` heading.

    Raises:
        ReleaseError: if the changelog has no section for the version (or it is empty).
    """
    path = Path(changelog)
    heading = re.compile(rf"^##\s+\[?v?{re.escape(version)}\]?(\s|$)")
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    start = next((i for i, line in enumerate(lines) if heading.match(line)), None)
    end = (
        next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        if start is not None
        else 0
    )
    notes = "\n".join(lines[start + 1 : end]).strip() if start is not None else ""
    if not notes:
        raise ReleaseError(
            f"{path} has no notes for {version}: add a section '## {version}' listing what "
            "changed, commit it, move the tag to that commit and release again"
        )
    return f"Release notes of {version}:\n{notes}"


def _version_of(file: str, name: str) -> str | None:
    match = _WHEEL.match(file) or _SDIST.match(file)
    if match is None or normalize(match["name"]) != normalize(name):
        return None
    return match["version"]


class _LinkParser(HTMLParser):
    """The file names of a simple index page: the last part of each link, before any #hash."""

    def __init__(self) -> None:
        super().__init__()
        self.files: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.files.append(unquote(href.split("#", 1)[0].rsplit("/", 1)[-1]))


def _links(page: str) -> list[str]:
    parser = _LinkParser()
    parser.feed(page)
    return parser.files


def _git(folder: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise ReleaseError(f"git is needed to release and did not run: {error}") from None


def _run(args: Sequence[str], what: str) -> None:
    done = subprocess.run(list(args), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-2000:]
        raise ReleaseError(f"{what} failed:\n{tail}")
