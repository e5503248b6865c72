"""Synthetic posts for benchmarks: deterministic, and shaped like the real ones.

``generate(n)`` returns ``n`` posts from a seeded random generator: 800 to 1500
words in several paragraphs, one or two section headings, a link to an earlier
post, one to three of a dozen tags, one of a few categories, and a date between
2014 and 2025 (always in the past). The same seed gives the same posts, and the
first ``n`` posts are the same whatever the total, so a run at N=300 builds a
subset of the run at N=3000.

``write_site(dest, posts)`` copies the site's own files (conf.py, the pages,
``_static``, ``_templates``, ``healedheart/``) and writes the posts as the site
stores them: ``posts/YYYY/slug.md`` in MyST markdown with YAML front matter.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SEED = 8  # issue 8

# What a copy of the site needs besides its posts (missing ones are skipped).
SITE_FILES = (
    "conf.py",
    "index.md",
    "about.md",
    "ethics.md",
    "subscribe.md",
    "_static",
    "_templates",
    "healedheart",
)

TAGS = (
    "attachment",
    "psychotherapy",
    "therapeutic relationship",
    "healing",
    "grief",
    "anxiety",
    "self-compassion",
    "boundaries",
    "trauma",
    "couples",
    "supervision",
    "childhood",
)
CATEGORIES = ("Reflections", "Practice", "Theory", "Letters to clients")
FIRST_DAY = dt.date(2014, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)
WORDS_PER_POST = (800, 1400)  # the last paragraph overshoots: 800 to 1500 words

# The phrase bank the prose is drawn from.
_TOPICS = (
    "grief",
    "trust",
    "shame",
    "anger",
    "envy",
    "loneliness",
    "attachment",
    "silence",
    "endings",
    "beginnings",
    "boundaries",
    "hope",
    "love",
    "fear",
    "memory",
    "repair",
    "rupture",
    "dependency",
    "resilience",
    "self-worth",
    "longing",
    "forgiveness",
    "ambivalence",
    "holding",
    "containment",
    "play",
    "rest",
    "courage",
    "belonging",
    "change",
)
_TITLE_PATTERNS = (
    "On {a} and {b}",
    "When {a} meets {b}",
    "What {a} teaches us about {b}",
    "Notes on {a}",
    "The quiet work of {a}",
    "Between {a} and {b}",
    "Living with {a}",
    "Why {a} returns",
    "A letter about {a}",
    "Learning {a} after {b}",
)
_SUBJECTS = (
    "A client",
    "The therapist",
    "Every relationship",
    "The infant",
    "Each defence",
    "The analytic frame",
    "A good enough mother",
    "Supervision",
    "The unconscious",
    "A couple in crisis",
    "Long-term therapy",
    "The body",
    "Grief",
    "Transference",
    "The consulting room",
)
_VERBS = (
    "slowly reveals",
    "quietly holds",
    "resists at first",
    "tends to repeat",
    "learns to tolerate",
    "cannot simply erase",
    "gradually makes room for",
    "keeps returning to",
    "protects us from",
    "asks us to notice",
    "mirrors",
    "gives shape to",
)
_OBJECTS = (
    "the pain that was never named",
    "an early experience of being unseen",
    "feelings too large for a child to hold",
    "the child's wish to be understood",
    "a rage that frightens both of us",
    'the fear of being "too much"',
    "a longing that has no words yet",
    "the old pattern of pleasing others",
    "moments of genuine contact",
    "the grief beneath the anger",
    "a sense of safety that was missing",
    "the capacity to think about feelings",
)
_TAILS = (
    "",
    "",
    ", and this takes time",
    ", even when the work doesn't seem to move",
    " over many months",
    " in ways that are hard to predict",
    ", which is why patience matters",
    " long before anyone can say why",
    ", as Winnicott reminds us",
    " within the safety of the relationship",
)
_OPENINGS = (
    "",
    "",
    "",
    "In my experience, ",
    "Over time, ",
    "Sometimes ",
    "Very often ",
    "Perhaps ",
    "In the early sessions, ",
    "Years later, ",
)
_HEADINGS = (
    "What happens in the room",
    "Why change is slow",
    "A note on endings",
    "What the research suggests",
    "Holding the difficult feelings",
    "Where this leaves us",
    "A small example",
    "The role of supervision",
)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of prose; ``link`` is the index of a post it links to, if any."""

    text: str
    link: int | None = None


@dataclass(frozen=True)
class Heading:
    """A section heading inside a post (rendered one level below the title)."""

    text: str


@dataclass(frozen=True)
class Post:
    """One synthetic post: its metadata and its body."""

    index: int
    title: str
    slug: str
    date: dt.date
    tags: tuple[str, ...]
    category: str
    blocks: tuple[Paragraph | Heading, ...]

    @property
    def path(self) -> str:
        """Where the site stores it, relative to the source folder."""
        return f"posts/{self.date.year}/{self.slug}.md"

    @property
    def words(self) -> int:
        return sum(len(b.text.split()) for b in self.blocks)


def slugify(title: str) -> str:
    """A file name for a title: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def generate(n: int, seed: int = DEFAULT_SEED) -> list[Post]:
    """``n`` posts, the same for the same seed; each links to an earlier one."""
    rng = random.Random(seed)
    days = (LAST_DAY - FIRST_DAY).days
    posts: list[Post] = []
    slugs: set[str] = set()
    for index in range(n):
        title = _unique_title(rng, slugs)
        slugs.add(slugify(title))
        posts.append(
            Post(
                index=index,
                title=title,
                slug=slugify(title),
                date=FIRST_DAY + dt.timedelta(days=rng.randrange(days + 1)),
                tags=tuple(rng.sample(TAGS, rng.randint(1, 3))),
                category=rng.choice(CATEGORIES),
                blocks=_body(rng, link=rng.randrange(index) if index else None),
            )
        )
    return posts


def _unique_title(rng: random.Random, taken: set[str]) -> str:
    for _ in range(20):
        a, b = rng.sample(_TOPICS, 2)
        title = rng.choice(_TITLE_PATTERNS).format(a=a, b=b)
        title = title[0].upper() + title[1:]
        if slugify(title) not in taken:
            return title
    # Past a few thousand posts the patterns run out: number the rest.
    number = 2
    while slugify(f"{title} {number}") in taken:
        number += 1
    return f"{title} {number}"


def _sentence(rng: random.Random) -> str:
    opening = rng.choice(_OPENINGS)
    subject = rng.choice(_SUBJECTS)
    if opening:
        subject = subject[0].lower() + subject[1:]
    obj = rng.choice(_OBJECTS)
    if rng.random() < 0.1:
        obj = f"*{obj}*"  # a little inline markup, as real posts have
    return f"{opening}{subject} {rng.choice(_VERBS)} {obj}{rng.choice(_TAILS)}."


def _body(rng: random.Random, link: int | None) -> tuple[Paragraph | Heading, ...]:
    target = rng.randint(*WORDS_PER_POST)
    paragraphs: list[str] = []
    words = 0
    while words < target:
        text = " ".join(_sentence(rng) for _ in range(rng.randint(5, 9)))
        paragraphs.append(text)
        words += len(text.split())
    blocks: list[Paragraph | Heading] = [Paragraph(p) for p in paragraphs]
    # The link goes in a later paragraph: the first is the excerpt in post lists.
    if link is not None:
        at = rng.randrange(1, len(blocks))
        blocks[at] = Paragraph(paragraphs[at], link)
    headings = rng.sample(_HEADINGS, rng.randint(1, 2))
    spots = sorted(rng.sample(range(2, len(blocks)), len(headings)), reverse=True)
    for spot, heading in zip(spots, headings, strict=True):
        blocks.insert(spot, Heading(heading))
    return tuple(blocks)


LinkUrl = Callable[["Post", "Post"], str]


def body_markdown(post: Post, posts: list[Post], link_url: LinkUrl) -> Iterator[str]:
    """The body's Markdown blocks; ``link_url(post, target)`` spells a link's address."""
    for block in post.blocks:
        if isinstance(block, Heading):
            yield f"## {block.text}"
        elif block.link is None:
            yield block.text
        else:
            target = posts[block.link]
            link = f"[{target.title}]({link_url(post, target)})"
            yield f"{block.text} I wrote about this before in {link}."


def _myst_link(post: Post, target: Post) -> str:
    # Relative to the post's own folder, as an author writes it in the editor.
    if target.date.year == post.date.year:
        return f"{target.slug}.md"
    return f"../{target.date.year}/{target.slug}.md"


def to_myst(post: Post, posts: list[Post]) -> str:
    """The post as the site stores it: YAML front matter, a title, the body."""
    front = [
        "---",
        f"date: {post.date.isoformat()}",
        f"category: {post.category}",
        f"tags: {', '.join(post.tags)}",
        "---",
        "",
        f"# {post.title}",
    ]
    return "\n".join(front) + "\n\n" + "\n\n".join(body_markdown(post, posts, _myst_link)) + "\n"


def set_title(path: Path, title: str) -> None:
    """Change the title (the first ``# `` line) of the post file at ``path``."""
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(r"^# .*$", f"# {title}", text, count=1, flags=re.MULTILINE)
    if not count:
        raise ValueError(f"{path} has no '# ' title line")
    path.write_text(new, encoding="utf-8")


def copy_site(dest: Path, source: Path = REPO) -> None:
    """Copy the site's own files (everything but its posts) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__")
    for name in SITE_FILES:
        src = source / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore, dirs_exist_ok=True)
        elif src.is_file():
            shutil.copy2(src, dest / name)


def write_posts(dest: Path, posts: list[Post]) -> None:
    """Replace ``dest/posts`` with the synthetic posts."""
    shutil.rmtree(dest / "posts", ignore_errors=True)
    for post in posts:
        path = dest / post.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_myst(post, posts), encoding="utf-8")


def write_site(dest: Path, posts: list[Post], source: Path = REPO) -> Path:
    """A copy of the site at ``source`` whose posts are ``posts``; returns ``dest``."""
    copy_site(dest, source)
    write_posts(dest, posts)
    return dest
