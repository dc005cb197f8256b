#!/usr/bin/env python3
"""Draws a flame graph from folded stacks: a self-contained SVG.

    tools/flamegraph.py [options] [FOLDED ...] > graph.svg

FOLDED (or standard input) holds one stack per line, `frame;frame;frame
COUNT`, outermost frame first, as `mcusim --profile FILE` writes (and
flamegraph.pl's stackcollapse scripts): the count is whatever the profile
counts (mcusim: cycles). Lines of one stack add up. Each frame becomes a
box as wide as its share of the total, on top of its caller; hovering
over a box shows its name, count and share (the SVG <title>). Boxes are
sorted by name at each level, so the same input gives the same SVG, byte
for byte. Colours come from the frame's name: functions in warm colours,
trap frames (`[irq N]`, `[exception N]`) blue, `[sleep]` grey.

Python's standard library only (Debian ships no flamegraph.pl).
"""
import argparse
import hashlib
import math
import sys
from xml.sax.saxutils import escape

FONT_SIZE = 12
CHAR_WIDTH = 0.59  # of the font size: an average glyph of a sans-serif face
PAD_TOP = 36       # the title
PAD_BOTTOM = 8
PAD_SIDE = 10


class Frame:
    """A box: a frame in one calling context, with what it called."""

    def __init__(self, name):
        self.name = name
        self.total = 0
        self.children = {}

    def child(self, name):
        if name not in self.children:
            self.children[name] = Frame(name)
        return self.children[name]

    def depth(self):
        """Levels of boxes from this one up (no recursion: stacks may be
        deeper than Python's recursion limit)."""
        deepest, todo = 0, [(self, 1)]
        while todo:
            frame, level = todo.pop()
            deepest = max(deepest, level)
            todo.extend((c, level + 1) for c in frame.children.values())
        return deepest


def parse_count(text):
    value = float(text)
    if value < 0 or not math.isfinite(value):  # inf would overflow int()
        raise ValueError(text)
    return int(value) if value == int(value) else value


def read_folded(lines, root, source):
    """Adds each `stack count` line to the tree under root; a line that is
    not one raises ValueError naming source:line."""
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        try:
            if not stack.strip():
                raise ValueError(line)
            value = parse_count(count)
        except ValueError:
            raise ValueError("%s:%d: not `frame;frame COUNT`: %r" % (source, number, line))
        root.total += value
        node = root
        for name in stack.strip().split(";"):
            node = node.child(name)
            node.total += value


def colour(name):
    """A fill colour from the name alone (stable between runs)."""
    digest = hashlib.sha1(name.encode("utf-8", "replace")).digest()
    a, b, c = digest[0] / 255.0, digest[1] / 255.0, digest[2] / 255.0
    if name.startswith("[irq ") or name.startswith("[exception "):
        return "rgb(%d,%d,%d)" % (80 + 40 * a, 140 + 50 * b, 220 + 35 * c)
    if name == "[sleep]":
        shade = int(180 + 40 * a)
        return "rgb(%d,%d,%d)" % (shade, shade, shade)
    return "rgb(%d,%d,%d)" % (205 + 50 * c, 80 + 150 * a, 30 + 40 * b)


def fit_label(name, width):
    """The name, cut with '..' to fit width pixels; '' when nothing fits."""
    chars = int(width / (FONT_SIZE * CHAR_WIDTH))
    if chars < 3:
        return ""
    if len(name) <= chars:
        return name
    return name[:chars - 2] + ".."


def format_count(value):
    return "{:,}".format(value)


class Drawing:
    def __init__(self, args, total, depth):
        self.args = args
        self.total = total
        self.scale = (args.width - 2 * PAD_SIDE) / float(total)
        self.height = PAD_TOP + depth * args.frame_height + PAD_BOTTOM
        self.out = []

    def y_of(self, level):
        """The top of a box `level` frames above the root (or below it,
        --inverted)."""
        if self.args.inverted:
            return PAD_TOP + level * self.args.frame_height
        return self.height - PAD_BOTTOM - (level + 1) * self.args.frame_height

    def box(self, frame, x, level):
        """Draws frame at x, and what it called above it (in name order),
        each box before its children; narrow boxes and theirs are left out."""
        todo = [(frame, x, level)]
        while todo:
            frame, x, level = todo.pop()
            width = frame.total * self.scale
            if width < self.args.min_width:
                continue
            self.draw(frame, x, width, level)
            child_x, children = x, []
            for name in sorted(frame.children):
                child = frame.children[name]
                children.append((child, child_x, level + 1))
                child_x += child.total * self.scale
            todo.extend(reversed(children))

    def draw(self, frame, x, width, level):
        y = self.y_of(level)
        share = 100.0 * frame.total / self.total
        tip = "%s (%s %s, %.2f%%)" % (frame.name, format_count(frame.total),
                                      self.args.count_name, share)
        self.out.append('<g><title>%s</title>' % escape(tip))
        self.out.append('<rect x="%.2f" y="%d" width="%.2f" height="%d" fill="%s" rx="2"/>' % (
            x, y, width, self.args.frame_height - 1, colour(frame.name)))
        label = fit_label(frame.name, width - 6)
        if label:
            self.out.append('<text x="%.2f" y="%.1f">%s</text>' % (
                x + 3, y + self.args.frame_height - 4.5, escape(label)))
        self.out.append('</g>')

    def svg(self, root):
        a = self.args
        head = [
            '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
            '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="%d" height="%d" '
            'viewBox="0 0 %d %d">' % (a.width, self.height, a.width, self.height),
            '<style>text { font-family: Verdana, "DejaVu Sans", sans-serif; font-size: %dpx; '
            'fill: #000; pointer-events: none; } rect:hover { stroke: #000; stroke-width: 0.8; }'
            '</style>' % FONT_SIZE,
            '<rect x="0" y="0" width="%d" height="%d" fill="#f8f8f0"/>' % (a.width, self.height),
            '<text x="%d" y="22" text-anchor="middle" style="font-size: %dpx">%s</text>' % (
                a.width // 2, FONT_SIZE + 5, escape(a.title)),
        ]
        root.name = "all"
        self.box(root, PAD_SIDE, 0)
        return "\n".join(head + self.out + ["</svg>"]) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", metavar="FOLDED",
                        help="folded stacks (default: standard input)")
    parser.add_argument("--title", default="Flame Graph", help="the title on top")
    parser.add_argument("--count-name", default="cycles",
                        help="what the counts count, in the hover text (default: cycles)")
    parser.add_argument("--width", type=int, default=1200, help="SVG width in pixels")
    parser.add_argument("--frame-height", type=int, default=16,
                        help="height of one frame in pixels")
    parser.add_argument("--min-width", type=float, default=0.1,
                        help="leave out boxes narrower than this many pixels")
    parser.add_argument("--inverted", action="store_true",
                        help="an icicle graph: the outermost frame on top")
    parser.add_argument("-o", "--output", help="write here instead of standard output")
    args = parser.parse_args(argv)
    if args.width <= 2 * PAD_SIDE or args.frame_height < 4:
        parser.error("--width or --frame-height too small")
    root = Frame("all")
    try:
        if not args.files:
            read_folded(sys.stdin, root, "<stdin>")
        for path in args.files:
            with open(path, encoding="utf-8", errors="replace") as f:
                read_folded(f, root, path)
    except (OSError, ValueError) as e:
        print("flamegraph.py: %s" % e, file=sys.stderr)
        return 1
    if root.total <= 0:
        print("flamegraph.py: no stacks with a count above 0", file=sys.stderr)
        return 1
    text = Drawing(args, root.total, root.depth()).svg(root)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
