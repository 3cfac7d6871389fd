"""Write docs/cli.md: the reference of every gdprmap command, generated from its --help.

    python scripts/make_cli_docs.py            # rewrite docs/cli.md
    python scripts/make_cli_docs.py --check    # exit 1 when docs/cli.md is out of date

tests/test_docs_cli.py runs the check, so the reference cannot drift from the code.
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import version
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "cli.md"
WIDTH = 100

CLICK = ".".join(version("click").split(".")[:2])
HEADER = f"""# Command reference

Generated from `gdprmap --help` by `scripts/make_cli_docs.py` with click {CLICK}; do not edit
by hand (a test fails when this file is out of date: run `python scripts/make_cli_docs.py`).

Exit codes of every command: `0` success; `1` findings at or above `--fail-on` (report,
compare, diff, batch); `2` usage or input error (one line on stderr); `3` internal error (set
`GDPRMAP_DEBUG=1` for the traceback); `4` (batch) some captures failed, the others were done.
"""


def _commands(group: click.Command, path: tuple[str, ...]) -> list[tuple[tuple[str, ...],
                                                                           click.Command]]:
    out = [(path, group)]
    if isinstance(group, click.Group):
        for name in sorted(group.commands):
            out += _commands(group.commands[name], (*path, name))
    return out


def render() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    from gdprmap.cli import main

    parts = [HEADER]
    for path, command in _commands(main, ("gdprmap",)):
        ctx = click.Context(command, info_name=" ".join(path), terminal_width=WIDTH,
                            max_content_width=WIDTH)
        title = " ".join(path)
        parts.append(f"\n## `{title}`\n\n```text\n{command.get_help(ctx).rstrip()}\n```\n")
    return "".join(parts)


def _skeleton(text: str) -> list[str]:
    """Commands and option flags: what must match whatever click version formats the help."""
    return re.findall(r"^## `[^`]+`|(?<![\w-])--?[a-z][\w-]*", text, re.MULTILINE)


def main_() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        written_with = re.search(r"with click (\d+\.\d+)", current)
        same_click = written_with is not None and written_with.group(1) == CLICK
        # Another click release formats help differently ("[COMMAND]" in 8.5): then only the
        # commands and options must agree.
        stale = current != text if same_click else _skeleton(current) != _skeleton(text)
        if stale:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run python "
                  "scripts/make_cli_docs.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
