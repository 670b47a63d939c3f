"""What makes a fenced block labelled python wrong: it does not parse, or it carries TypeScript.

Shared by .ci/check-wheel.py (PyPI's description) and .ci/check-python-docs.py (Construct Hub's Python docs).
"""
import ast
import io
import re
import tokenize

# TypeScript that must never sit in a ```python block (each also fails to parse, or means the wrong thing).
TYPESCRIPT = [
    (re.compile(r"\bnew [A-Z]"), "new"),
    (re.compile(r"^\s*(const|let|var) \w", re.M), "const/let/var"),
    (re.compile(r"=>"), "=>"),
    (re.compile(r"^\s*import\s*(\{|\*)", re.M), "import {"),
    (re.compile(r"===|!=="), "=== / !=="),
    (re.compile(r"&&|\|\|"), "&& / ||"),
    (re.compile(r"\bString\(|process\.env|\bundefined\b|\bthis\."), "a JavaScript built-in"),
    # JavaScript's list.join(separator); Python joins with separator.join(list), or Fn.join(separator, list) in CDK.
    (re.compile(r"[\w\])]\.join\(\"\"\)"), "list.join(separator)"),
    (re.compile(r";\s*$", re.M), "a statement ending in ;"),
]


def without_strings(code: str) -> str:
    """The code with its string literals blanked to "" and comments removed, all else as written
    (a Lambda's inline JavaScript is a string). tokenize.untokenize would respace the code."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type in (tokenize.STRING, tokenize.COMMENT)]
    except (tokenize.TokenError, SyntaxError):
        return code
    lines = code.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    out, at = [], 0
    for token in tokens:
        start = offsets[token.start[0] - 1] + token.start[1]
        end = offsets[token.end[0] - 1] + token.end[1]
        out.append(code[at:start])
        out.append('""' if token.type == tokenize.STRING else "")
        at = end
    out.append(code[at:])
    return "".join(out)


def typescript_in(code: str) -> list:
    """What is wrong with a block that should be Python: it does not parse, or it has TypeScript in it."""
    try:
        ast.parse(code)
    except SyntaxError as error:
        return [f"does not parse as Python: {error}"]
    return [f"has TypeScript ({what})" for pattern, what in TYPESCRIPT if pattern.search(without_strings(code))]


def code_blocks(markdown: str) -> list:
    """(info string, code, line) of every fenced block."""
    return [(m.group(1).strip(), m.group(2), markdown.count("\n", 0, m.start()) + 1)
            for m in re.finditer(r"^```([^\n]*)\n(.*?)^```$", markdown, re.M | re.S)]
