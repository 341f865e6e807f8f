"""EMULATION: the glob patterns of Glue's exclusions option, read as Java's PathMatcher reads globs."""

import re


def glob_regex(glob: str) -> re.Pattern:
    """A Unix-style glob as Java's PathMatcher reads it (classes in brackets are not emulated: an error)."""
    out, i, braces = [], 0, 0
    while i < len(glob):
        c = glob[i]
        if c == "\\":
            out.append(re.escape(glob[i + 1]))
            i += 1
        elif glob.startswith("**", i):
            out.append(".*")
            i += 1
        elif c in "*?":
            out.append("[^/]*" if c == "*" else "[^/]")
        elif c in "{}" or (c == "," and braces):
            braces += {"{": 1, "}": -1}.get(c, 0)
            out.append({"{": "(?:", "}": ")", ",": "|"}[c])
        elif c == "[":
            raise NotImplementedError(f"stand-in: glob classes are not emulated ({glob!r})")
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))
