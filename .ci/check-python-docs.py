"""Checks the Python documentation Construct Hub shows: `jsii-docgen -l python --readme` output.

jsii-docgen translates every ```ts block of the README and every @example of the API with jsii-rosetta.
A block rosetta cannot compile comes out as "Example automatically generated from non-compiling source",
often with TypeScript left in it. So: no such block, and every ```python block parses as Python and has
no TypeScript in it (see python_blocks.py). Blocks that are not CDK code (a jest test, Node.js client
code) are labelled `tsx` in the README, which rosetta leaves alone.

    python3 .ci/check-python-docs.py <rendered markdown>
"""
import pathlib
import sys

from python_blocks import code_blocks, typescript_in

NON_COMPILING = "non-compiling source"


API_REFERENCE = "# API Reference"
EXAMPLE = "*Example*"


def examples(markdown: str, blocks: list) -> list:
    """(code, line) of the ```python blocks that are examples: the README's (before the API reference)
    and each @example (under *Example*). The API reference's own signature blocks are not Python to run."""
    lines = markdown.splitlines()
    reference = next((i + 1 for i, text in enumerate(lines) if text.startswith(API_REFERENCE)), len(lines) + 1)
    chosen = []
    for info, code, line in blocks:
        if info.split(" ")[0] != "python":
            continue
        before = [text for text in lines[: line - 1] if text.strip()]
        if line < reference or (before and before[-1].strip() == EXAMPLE):
            chosen.append((code, line))
    return chosen


def problems(markdown: str) -> list:
    errors = []
    blocks = code_blocks(markdown)
    python = examples(markdown, blocks)
    if not python:
        errors.append("no ```python example (was the README included? jsii-docgen --readme)")
    for code, line in python:
        if NON_COMPILING in code.lower():
            errors.append(f"line {line}: a ```python block generated from non-compiling source: {code.splitlines()[1] if len(code.splitlines()) > 1 else ''}")
        errors.extend(f"line {line}: a ```python block {problem}" for problem in typescript_in(code))
    for index, text in enumerate(markdown.splitlines(), 1):
        if NON_COMPILING in text.lower() and not any(start <= index <= start + code.count("\n") + 1 for _, code, start in blocks):
            errors.append(f"line {index}: {text.strip()}")
    typescript = [line for info, _, line in blocks if info.split(" ")[0] in ("ts", "typescript")]
    if typescript:
        errors.append(f"```ts blocks left untranslated in the Python docs at lines {typescript}")
    return errors


def main(path: str) -> int:
    markdown = pathlib.Path(path).read_text()
    errors = problems(markdown)
    blocks = code_blocks(markdown)
    print(f"{path}: {len(examples(markdown, blocks))} python examples checked (the README's and each @example), {len(errors)} problems")
    # The check has teeth: what rosetta produces from the README's old app and from a jest test is caught.
    for bad in ['"CACHE_READERS": cache.replica_hostnames.join(","),\n', "# " + NON_COMPILING.capitalize() + "\nx = 1\n",
                "expect.add_snapshot_serializer(\n    test=lambda value: typeof value === \"string\"\n)\n"]:
        if not problems(f"```python\nenv = {{\n{bad}}}\n```\n" if bad.startswith('"') else f"```python\n{bad}```\n"):
            errors.append(f"self-test: {bad.strip()!r} in a python block was not caught")
    for error in errors:
        print(f"{path}: error: {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
