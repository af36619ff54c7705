#!/usr/bin/python3
"""make-cases.py - renders the snippets of cases.txt with Jinja2 set up as HF
transformers does (see ../templates/make-golden.py) and writes cases.json:
[{"template", "vars", "output"} or {"template", "vars", "error"}].
tests/test_jinja.c renders each snippet with runtime/jinja and compares.

cases.txt: snippets separated by lines "====", optional variables as JSON
after a line "----". Run with Debian's python3-jinja2:

    /usr/bin/python3 tests/data/jinja/make-cases.py
"""
import datetime
import json
import os

import jinja2.ext
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = datetime.datetime(2025, 3, 14, 15, 9, 26)


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = lambda fmt: NOW.strftime(fmt)

out = []
with open(os.path.join(HERE, "cases.txt"), encoding="utf-8") as f:
    chunks = f.read().split("\n====\n")
for chunk in chunks:
    if not chunk.strip():
        continue
    src, sep, v = chunk.partition("\n----\n")
    variables = json.loads(v) if sep else {}
    case = {"template": src, "vars": variables}
    try:
        case["output"] = env.from_string(src).render(**variables)
    except Exception as e:
        case["error"] = "%s: %s" % (type(e).__name__, e)
    out.append(case)
with open(os.path.join(HERE, "cases.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, indent=1, ensure_ascii=False)
    f.write("\n")
print("%d cases, %d errors" % (len(out), sum("error" in c for c in out)))
