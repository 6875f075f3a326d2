"""Replaces (or appends) one benchmark's section of docs/BENCHMARKS.md: bench/write-section.py NAME < section.md
The section sits between <!-- bench:NAME-begin --> and <!-- bench:NAME-end -->; the rest of the file is kept."""
import os, re, sys

name = sys.argv[1]
begin, end = f"<!-- bench:{name}-begin -->", f"<!-- bench:{name}-end -->"
section = f"{begin}\n{sys.stdin.read().strip()}\n{end}"
path = "docs/BENCHMARKS.md"
text = open(path).read() if os.path.exists(path) else "# Benchmarks\n\nEach section is written by `./platform.sh bench` on the machine and date it names.\n"
if begin in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
print(section)
