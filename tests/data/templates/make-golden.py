#!/usr/bin/python3
"""make-golden.py - renders every template here with every conversation of
conversations.json using Jinja2 exactly as HF transformers does
(ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols,
its tojson, raise_exception and strftime_now), and writes the results to
golden/TEMPLATE.CASE.expected, or golden/TEMPLATE.CASE.error holding
"ExceptionType: message" when Jinja2 raises.

tests/test_chat_template.c compares runtime/jinja's output with these files
byte for byte; it never runs Python. Rerun this after changing a template or
a conversation, and commit the results:

    /usr/bin/python3 tests/data/templates/make-golden.py

Needs Debian's python3-jinja2 (use /usr/bin/python3: a pyenv `python3` on
PATH will not see it). Also checks that deepseek-r1.jinja is byte for byte
the tokenizer.chat_template of the r1-vocab fixture GGUF, when present.
"""
import datetime
import glob
import json
import os
import struct
import sys
import time

import jinja2
import jinja2.ext
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # transformers replaces Jinja2's tojson (which sorts keys and escapes HTML)
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def gguf_chat_template(path):
    """tokenizer.chat_template of a GGUF file (v2/v3), or None."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"GGUF":
        return None
    n_kv = struct.unpack_from("<Q", data, 16)[0]
    off = 24
    fixed = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

    def read_str(o):
        n = struct.unpack_from("<Q", data, o)[0]
        return data[o + 8:o + 8 + n], o + 8 + n

    def skip(t, o):
        if t == 8:
            return read_str(o)[1]
        if t == 9:
            et, n = struct.unpack_from("<IQ", data, o)
            o += 12
            if et in fixed:
                return o + fixed[et] * n
            for _ in range(n):
                o = skip(et, o)
            return o
        return o + fixed[t]

    for _ in range(n_kv):
        key, off = read_str(off)
        t = struct.unpack_from("<I", data, off)[0]
        off += 4
        if key == b"tokenizer.chat_template" and t == 8:
            return read_str(off)[0].decode("utf-8")
        off = skip(t, off)
    return None


def main():
    print("jinja2", jinja2.__version__)
    conv = json.load(open(os.path.join(HERE, "conversations.json"), encoding="utf-8"))
    now = datetime.datetime.fromisoformat(conv["now"])
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: now.strftime(fmt)

    fixture = os.path.join(HERE, "../../../../shared/fixtures/models/r1-vocab-q4_k_m.gguf")
    if os.path.exists(fixture):
        with open(os.path.join(HERE, "deepseek-r1.jinja"), encoding="utf-8", newline="") as f:
            mine = f.read()
        if gguf_chat_template(fixture) != mine:
            sys.exit("deepseek-r1.jinja differs from the fixture GGUF's tokenizer.chat_template")

    os.makedirs(GOLDEN, exist_ok=True)
    for old in glob.glob(os.path.join(GOLDEN, "*")):
        os.remove(old)
    counts = {"expected": 0, "error": 0}
    for path in sorted(glob.glob(os.path.join(HERE, "*.jinja"))):
        name = os.path.basename(path)[:-len(".jinja")]
        with open(path, encoding="utf-8", newline="") as f:
            template = env.from_string(f.read())
        tokens = conv["special_tokens"].get(name, {"bos_token": "", "eos_token": ""})
        for case in conv["cases"]:
            if "templates" in case and name not in case["templates"]:
                continue
            try:
                out = template.render(messages=case["messages"], tools=case.get("tools"), documents=None,
                                      add_generation_prompt=case["add_generation_prompt"], **tokens,
                                      **case.get("extra", {}))
                kind = "expected"
            except Exception as e:  # the C test expects a failure, and this message for raise_exception
                out = "%s: %s\n" % (type(e).__name__, e)
                kind = "error"
            with open(os.path.join(GOLDEN, "%s.%s.%s" % (name, case["name"], kind)), "w",
                      encoding="utf-8", newline="") as f:
                f.write(out)
            counts[kind] += 1
    print("wrote %d expected outputs and %d expected errors to %s" % (counts["expected"], counts["error"], GOLDEN))


if __name__ == "__main__":
    main()
