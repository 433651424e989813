#!/usr/bin/env python3
"""An independent reader of rootkey answers files (docs/formats.md, "Answers file"), stdlib
only, written from the specification: checks every `answers_*.toml` vector against its
`answers_*.expect.json` (outcome, confirmers and the number of strings per id; or the error's
line, column and message). Usage: independent_answers_check.py [DIR]; exit 0 when all agree."""

import json
import pathlib
import sys

MAX_TRIES = 8
KEY_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


class Refused(Exception):
    def __init__(self, line, col, msg):
        super().__init__(f"line {line}, column {col}: {msg}")
        self.line, self.col, self.msg = line, col, msg


def ws(s, i):
    while i < len(s) and s[i] in " \t":
        i += 1
    return i


def string_at(s, i, ln):
    """A basic string without escapes at s[i]: (content, index after the closing quote)."""
    if i >= len(s) or s[i] != '"':
        raise Refused(ln, i + 1, "expected a string in double quotes")
    j = i + 1
    while j < len(s):
        c = s[j]
        if c == '"':
            return s[i + 1:j], j + 1
        if c == "\\":
            raise Refused(ln, j + 1, "a backslash (escape) is not allowed in an answer")
        if (ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F:
            raise Refused(ln, j + 1, "a control character is not allowed in an answer")
        j += 1
    raise Refused(ln, i + 1, "the string is not closed on its line")


def end_of_value(s, i, ln, msg="unexpected text after the value"):
    j = ws(s, i)
    if j < len(s) and s[j] != "#":
        raise Refused(ln, j + 1, msg)


def value_at(s, i, ln):
    """The strings of a value: one string, or an array of 1 to 8 strings on the line."""
    if i >= len(s) or s[i] != "[":
        v, after = string_at(s, i, ln)
        end_of_value(s, after, ln)
        return [v], False
    out, j = [], ws(s, i + 1)
    while True:
        if j < len(s) and s[j] == "]":
            if not out:
                raise Refused(ln, j + 1, "an empty array answers nothing")
            end_of_value(s, j + 1, ln)
            return out, True
        v, after = string_at(s, j, ln)
        out.append(v)
        if len(out) > MAX_TRIES:
            raise Refused(ln, j + 1, f"more than {MAX_TRIES} strings in one answer")
        j = ws(s, after)
        if j < len(s) and s[j] == ",":
            j = ws(s, j + 1)
        elif not (j < len(s) and s[j] == "]"):
            raise Refused(ln, j + 1, "expected `,` or `]` after a string")


def parse(data):
    text = data.decode("utf-8")
    version, in_answers, confirmers, answers = False, False, None, {}
    for n, raw in enumerate(text.split("\n")):
        ln = n + 1
        s = raw[:-1] if raw.endswith("\r") else raw
        i = ws(s, 0)
        if i == len(s) or s[i] == "#":
            continue
        if s[i] == "[":
            if not s[i:].startswith("[answers]"):
                raise Refused(ln, i + 1, "the only table is [answers]")
            if in_answers:
                raise Refused(ln, i + 1, "[answers] appears twice")
            end_of_value(s, i + len("[answers]"), ln, "unexpected text after [answers]")
            if not version:
                raise Refused(ln, i + 1, "`version = 1` must come before [answers]")
            in_answers = True
            continue
        k = i
        while k < len(s) and s[k] in KEY_CHARS:
            k += 1
        if k == i:
            raise Refused(ln, i + 1, "expected a key (lower-case letters, digits and `-`)")
        key, eq = s[i:k], ws(s, k)
        if eq >= len(s) or s[eq] != "=":
            raise Refused(ln, eq + 1, "expected `=` after the key")
        v = ws(s, eq + 1)
        if in_answers:
            if key in answers:
                raise Refused(ln, i + 1, f"`{key}` is answered twice")
            answers[key] = len(value_at(s, v, ln)[0])
        elif key == "version":
            if version:
                raise Refused(ln, i + 1, "`version` is set twice")
            if not s[v:v + 1] == "1":
                raise Refused(ln, v + 1, "this rootkey reads answers files of version 1")
            end_of_value(s, v + 1, ln, "this rootkey reads answers files of version 1")
            version = True
        elif key == "confirmers":
            if not version:
                raise Refused(ln, i + 1, "`version = 1` must come first")
            if confirmers is not None:
                raise Refused(ln, i + 1, "`confirmers` is set twice")
            names, is_array = value_at(s, v, ln)
            names = [x.strip() for x in names]
            if not is_array or len(names) != 2 or "" in names or names[0] == names[1]:
                raise Refused(ln, v + 1, "`confirmers` must be an array of two different names")
            confirmers = names
        elif not version:
            raise Refused(ln, i + 1, "`version = 1` must come first")
        else:
            raise Refused(ln, i + 1, f"unknown key `{key}` (before [answers]: version and confirmers only)")
    if not version:
        raise Refused(1, 1, "`version = 1` is missing")
    return confirmers, answers


def check(path):
    exp = json.loads(path.with_name(path.name[:-len(".toml")] + ".expect.json").read_text())
    try:
        confirmers, answers = parse(path.read_bytes())
        got = {"outcome": "ok", "confirmers": confirmers, "answers": answers}
        want = {k: exp.get(k) for k in ("outcome", "confirmers", "answers")}
        return None if got == want else f"got {got}, expected {want}"
    except Refused as r:
        if exp["outcome"] != "error":
            return f"refused ({r}), expected ok"
        if (r.line, r.col) != (exp["line"], exp["column"]) or exp["message_contains"] not in r.msg:
            return f"refused ({r}), expected line {exp['line']}, column {exp['column']}: {exp['message_contains']}"
    return None


def main():
    d = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent)
    names = sorted(d.glob("answers_*.toml"))
    bad = [(p.name, m) for p in names if (m := check(p))]
    for n, m in bad:
        print(f"FAIL {n}: {m}")
    print(f"answers: {len(names) - len(bad)} of {len(names)} vectors agree")
    return 1 if bad or not names else 0


if __name__ == "__main__":
    sys.exit(main())
