"""Starting a new post: ``python -m healedheart new "Title" --tags a,b --category C``
writes ``posts/<year>/<slug>.md``, a draft that passes ``check``; never overwrites."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import checks, frontmatter, publishing

POSTS = "posts"
MAX_SLUG = 60

GUIDANCE = checks.GUIDANCE

# Letters that Unicode does not split into a plain letter and an accent; apostrophes go.
_LETTERS = str.maketrans("øØłŁđĐðı", "oOlLdDdi", "'\u2019")
_LETTERS |= str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "&": " and "}
)


class NewPostError(Exception):
    """The post could not be created; the message says why, as a sentence."""


@dataclass(frozen=True)
class Created:
    path: Path
    message: str  # what to tell the author: the file, any adjustment, the next step


def slugify(title: str) -> str:
    """A readable, safe file name for a title: "Café à la mode" -> "cafe-a-la-mode",
    cut at a word to at most 60 characters; "untitled" if it has no letters."""
    text = unicodedata.normalize("NFKD", title.translate(_LETTERS))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", text)
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > MAX_SLUG:
            break
        slug = longer
    if not slug and words:  # one word longer than the limit
        slug = words[0][:MAX_SLUG]
    return slug or "untitled"


def yaml_value(text: str) -> str:
    """``text`` as a YAML value: bare when YAML reads it back unchanged, else quoted."""
    try:
        plain = yaml.safe_load(f"value: {text}") == {"value": text}
    except yaml.YAMLError:
        plain = False
    # JSON's double-quoted strings are YAML's too.
    return text if plain and text == text.strip() else json.dumps(text, ensure_ascii=False)


def _names(text: str) -> list[str]:
    return [" ".join(part.split()) for part in text.split(",") if part.strip()]


def _spellings(root: Path, settings: checks.Settings) -> dict[str, dict[str, str]]:
    """The spelling the existing posts use most for each tag and category."""
    counts: dict[str, dict[str, Counter[str]]] = {
        "tags": defaultdict(Counter),
        "category": defaultdict(Counter),
    }
    for path in publishing.post_paths(root, list(settings.post_patterns)):
        try:
            matter = frontmatter.read(path)
        except (frontmatter.PostError, OSError):
            continue  # `check` reports it; a new post does not depend on it
        for key, found in counts.items():
            for name in frontmatter.as_list(matter.fields.get(key)):
                found[checks.label_key(name)][name] += 1
    return {
        key: {label: spellings.most_common(1)[0][0] for label, spellings in found.items()}
        for key, found in counts.items()
    }


def _free_path(folder: Path, slug: str) -> Path:
    """``folder/slug.md``, or ``slug-2.md``, ``slug-3.md``...: a name no file or page has."""
    taken = {p.name.casefold().removesuffix(".md") for p in folder.iterdir()}
    names = (slug if number == 1 else f"{slug}-{number}" for number in itertools.count(1))
    return folder / f"{next(name for name in names if name.casefold() not in taken)}.md"


def create(
    root: Path,
    title: str,
    *,
    tags: str = "",
    category: str = "",
    date: str = "",
    settings: checks.Settings | None = None,
) -> Created:
    """Create a new draft post under ``root``; never overwrite a file."""
    settings = settings or checks.Settings()
    title = " ".join(title.split())
    if not title:
        raise NewPostError(
            'The post needs a title: nox -s new -- "Title of the post" (with the quotes).'
        )
    if date:
        try:
            day = dt.date.fromisoformat(date.strip())
        except ValueError:
            raise NewPostError(
                f'The date "{date}" is not a date written year-month-day, like 2025-09-01.'
            ) from None
    else:
        day = publishing.today(settings.timezone)

    notes = []
    known = _spellings(root, settings)
    values: dict[str, list[str]] = {}
    for key, given in (("tags", tags), ("category", category)):
        values[key] = []
        for name in _names(given):
            existing = known[key].get(checks.label_key(name))
            if not checks.label_key(name):
                raise NewPostError(
                    f'The {key.removesuffix("s")} "{name}" has no letters or numbers. '
                    "Use words, for example --tags attachment,therapy."
                )
            if existing and existing != name:
                notes.append(
                    f'Using the {key.removesuffix("s")} "{existing}", as the other posts '
                    f'spell it (you wrote "{name}").'
                )
                name = existing
            if name not in values[key]:
                values[key].append(name)

    lines = ["---", f"date: {day.isoformat()}"]
    lines += [f"{key}: {yaml_value(', '.join(names))}" for key, names in values.items() if names]
    lines += ["draft: true", "---", "", f"# {title}", "", GUIDANCE, ""]
    text = "\n".join(lines)

    folder = root / POSTS / str(day.year)
    folder.mkdir(parents=True, exist_ok=True)
    slug = slugify(title)
    while True:
        path = _free_path(folder, slug)
        try:
            with path.open("x", encoding="utf-8", newline="\n") as file:
                file.write(text)
            break
        except FileExistsError:  # created meanwhile: pick the next free name
            continue
    rel = path.relative_to(root).as_posix()
    if path.stem != slug:
        notes.insert(
            0,
            f"There is already a post called {POSTS}/{day.year}/{slug}.md, so this one is {rel}.",
        )
    message = "\n".join(
        [
            f"Created {rel} (a draft).",
            *notes,
            "",
            "Next: write your post in that file, in place of the line of guidance.",
            "Preview it with: nox -s serve   (then open http://127.0.0.1:8000)",
            'When it is ready, remove the line "draft: true" and commit.',
        ]
    )
    return Created(path, message)
