"""Checks that every Rust block of the Markdown files a user reads compiles somewhere.

A block fenced as ```rust (or rust,no_run, ...) is a doc test: the file must be included as
doc tests by src/lib.rs (`include_str!`). A block marked `ignore` must follow a line
`<!-- compiled in PATH -->` and be found in PATH, line for line (leading and trailing spaces
and its `use` lines aside), so that the file CI compiles shows what the Markdown shows.
Usage: python3 .ci/snippets.py FILE.md...
"""
import os
import re
import sys

MARK = re.compile(r"<!--\s*compiled in\s+(\S+)\s*-->")


def blocks(text):
    """(fence info, first line number, lines, the lines before it) of each fenced block."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^\s*```(\S*)\s*$", lines[i])
        if m and m.group(1):
            start = i
            body = []
            i += 1
            while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
                body.append(lines[i])
                i += 1
            yield m.group(1), start + 1, body, lines[max(0, start - 3):start]
        i += 1


def contains(haystack, needle):
    hay = [l.strip() for l in haystack]
    # `use` lines are at the top of the compiled file, as rustfmt leaves them.
    want = [l.strip() for l in needle if l.strip() and not l.strip().startswith("use ")]
    hay = [l for l in hay if l]
    n = len(want)
    return any(hay[k:k + n] == want for k in range(len(hay) - n + 1))


def crate_of(md):
    """The crate whose doc tests run `md`'s blocks: (its src/lib.rs, `md` relative to its root)."""
    parts = md.split("/")
    for n in range(len(parts) - 1, 0, -1):
        root = "/".join(parts[:n])
        if os.path.exists(root + "/src/lib.rs") and os.path.exists(root + "/Cargo.toml"):
            return root + "/src/lib.rs", "/".join(parts[n:])
    return "src/lib.rs", md


failures = 0
for md in sys.argv[1:]:
    lib_path, rel = crate_of(md)
    lib = open(lib_path).read()
    text = open(md).read()
    checked = 0
    for info, line, body, before in blocks(text):
        tags = info.split(",")
        if tags[0] != "rust":
            continue
        checked += 1
        if "ignore" not in tags:
            if 'include_str!("../{}")'.format(rel) not in lib:
                print("{}:{}: a doc test, but {} does not include {} as doc tests".format(md, line, lib_path, rel))
                failures += 1
            continue
        marks = [MARK.search(l) for l in before]
        marks = [m.group(1) for m in marks if m]
        if not marks:
            print("{}:{}: `ignore` block without a `<!-- compiled in PATH -->` line before it".format(md, line))
            failures += 1
            continue
        try:
            source = open(marks[-1]).read().split("\n")
        except OSError as e:
            print("{}:{}: {}".format(md, line, e))
            failures += 1
            continue
        if not contains(source, body):
            print("{}:{}: the block is not in {} as shown".format(md, line, marks[-1]))
            failures += 1
    print("{}: {} Rust blocks checked".format(md, checked))
sys.exit(1 if failures else 0)
