"""The printed report's HTML as an element tree, built by the C XML parser (expat) instead of
WeasyPrint's pure-Python HTML5 parser (tinyhtml5: 0.09 s of the example report's ~1.5 s print,
issue 19; expat takes ~5 ms with the checks below).

:func:`parse` returns the tree tinyhtml5 would build (``namespace_html_elements=False``: HTML
elements without a namespace, SVG elements in the SVG namespace), or ``None`` whenever the
document is not one for which that is certain; the caller then lets WeasyPrint parse the text
as before. Certain means: the markup is well-formed once void elements are closed and ``<style>``
is read as raw text, and it avoids every HTML5 tree-construction rule that would build another
tree from such markup - implied ``<p>``, ``<li>``, ``<dd>``/``<dt>`` and heading ends, nested
links, table content that HTML5 would move (foster parenting), HTML inside SVG, names that HTML5
lowercases or re-cases, attribute values with line breaks or tabs (which XML turns into spaces),
character references HTML5 maps differently, comments, scripts, forms. Elements are restricted to
a list whose HTML5 parsing has no other rule. What HTML5 does add on such markup is reproduced:
the ``<tbody>`` around rows written directly in a table, the whitespace around ``<head>`` and
after ``</body>``, the ``xmlns`` attribute of ``<svg>``. ``tests/test_htmltree.py`` checks the
trees are identical, element by element, text and attributes included, for reports in each
language, layout and option, and that markup outside the subset falls back.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

SVG = "http://www.w3.org/2000/svg"
_XMLNS_ATTR = "{http://www.w3.org/2000/xmlns/}xmlns"
# attributes tinyhtml5 gives a namespace on SVG elements (its adjust_foreign_attributes)
_FOREIGN_ATTRS = frozenset(
    [f"{{http://www.w3.org/1999/xlink}}{n}"
     for n in ("actuate", "arcrole", "href", "role", "show", "title", "type")]
    + [f"{{http://www.w3.org/XML/1998/namespace}}{n}" for n in ("base", "lang", "space")])

_VOID = "area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr"
_VOID_TAG = re.compile(rf"<({_VOID})\b([^<>]*?)/?>")
# constructs parsed by other HTML5 rules: comments, CDATA, processing instructions, raw-text
# and escapable raw-text elements other than <style>/<title>, forms, frames, MathML
_UNSUPPORTED = re.compile(r"<(?:!--|!\[|\?|/?(?:script|textarea|template|noscript|plaintext|xmp|"
                          r"iframe|noembed|noframes|frameset|math|select|option|form|button)\b)",
                          re.I)
_ANY_STYLE_TAG = re.compile(r"</?style\b", re.I)
# an attribute value holding a tab or line break (XML would read each as a space)
_BROKEN_VALUE = re.compile(r"=[ \t\n\r]*(?:\"[^\"<]*|'[^'<]*)[\t\n\r]")
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")

# HTML elements whose HTML5 parsing, on well-formed nested markup, builds exactly that nesting
# (with the checks in _check for p, li, dd/dt, headings, a and tables)
_HTML = frozenset("""
html head body meta title style link div span p a strong em b i u s small code kbd samp var
sub sup br wbr ul ol li dl dt dd table caption colgroup col thead tbody tfoot tr td th h1 h2
h3 h4 h5 h6 section article nav header footer aside main figure figcaption img pre blockquote
abbr time mark q cite dfn bdi bdo data hr address details summary ins del
""".split())
# start tags that close an open <p> (in "button scope")
_CLOSES_P = frozenset("""
address article aside blockquote center details dialog dir div dl fieldset figcaption figure
footer header hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 h5 h6 pre listing
form li dd dt plaintext table hr xmp
""".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_SCOPE = frozenset("table td th caption".split())  # end the scopes the checks look into
_TABLE_PARTS = {"table": frozenset("caption colgroup thead tbody tfoot tr".split()),
                "colgroup": frozenset(["col"]), "thead": frozenset(["tr"]),
                "tbody": frozenset(["tr"]), "tfoot": frozenset(["tr"]),
                "tr": frozenset(["td", "th"])}
_IN_TABLE = {"caption": "table", "colgroup": "table", "thead": "table", "tbody": "table",
             "tfoot": "table", "col": "colgroup", "td": "tr", "th": "tr"}
# HTML elements that leave SVG in HTML5 (tinyhtml5's InForeignContentPhase.breakout_elements)
_BREAKOUT = frozenset("""
b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img li
listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u ul var font
""".split())
_SVG_TAGS = {n.lower(): n for n in """
altGlyph altGlyphDef altGlyphItem animateColor animateMotion animateTransform clipPath feBlend
feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting
feDisplacementMap feDistantLight feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage
feMerge feMergeNode feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile
feTurbulence foreignObject glyphRef linearGradient radialGradient textPath""".split()}
_SVG_ATTRS = {n.lower(): n for n in """
attributeName attributeType baseFrequency baseProfile calcMode clipPathUnits
contentScriptType contentStyleType diffuseConstant edgeMode externalResourcesRequired filterRes
filterUnits glyphRef gradientTransform gradientUnits kernelMatrix kernelUnitLength keyPoints
keySplines keyTimes lengthAdjust limitingConeAngle markerHeight markerUnits markerWidth
maskContentUnits maskUnits numOctaves pathLength patternContentUnits patternTransform
patternUnits pointsAtX pointsAtY pointsAtZ preserveAlpha preserveAspectRatio primitiveUnits
refX refY repeatCount repeatDur requiredExtensions requiredFeatures specularConstant
specularExponent spreadMethod startOffset stdDeviation stitchTiles surfaceScale systemLanguage
tableValues targetX targetY textLength viewBox viewTarget xChannelSelector yChannelSelector
zoomAndPan""".split()}
_SVG_INTEGRATION = frozenset(["foreignObject", "desc", "title"])  # HTML inside: not supported


class _Unsupported(Exception):
    """The document is outside the subset: let the HTML5 parser read it."""


class _Target:
    """An ElementTree builder that remembers which elements declared namespaces."""

    def __init__(self) -> None:
        self.builder = ET.TreeBuilder()
        self.declared: list[tuple[str, str]] = []
        self.svg_roots: list[ET.Element] = []

    def start_ns(self, prefix: str, uri: str) -> None:
        self.declared.append((prefix, uri))

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        element = self.builder.start(tag, attrs)
        if self.declared:
            if self.declared != [("", SVG)] or tag != f"{{{SVG}}}svg":
                raise _Unsupported("a namespace declared other than on <svg>")
            self.declared = []
            self.svg_roots.append(element)
        return element

    def end(self, tag: str) -> ET.Element:
        return self.builder.end(tag)

    def data(self, data: str) -> None:
        self.builder.data(data)

    def close(self) -> ET.Element:
        return self.builder.close()


def parse(html: str) -> ET.Element | None:
    """The root element tinyhtml5 would build from ``html`` (``namespace_html_elements=False``),
    or None when that is not certain (see the module docstring)."""
    try:
        return _parse(html)
    except (_Unsupported, ET.ParseError):
        return None


def _parse(html: str) -> ET.Element:
    if html.lstrip(" \t\n\r\f")[:15].lower() != "<!doctype html>" \
            or _UNSUPPORTED.search(html) or _BROKEN_VALUE.search(html):
        raise _Unsupported("outside the subset")  # without that doctype: quirks mode
    for hexa, dec in _CHAR_REF.findall(html):
        if 0x80 <= int(hexa or dec, 16 if hexa else 10) <= 0x9F:  # HTML5 maps these (cp1252)
            raise _Unsupported("character reference")
    # <style> is raw text in HTML: as CDATA for XML, outside it void elements closed
    parts, last, styles = [], 0, 0
    while (start := html.find("<style", last)) >= 0:
        opened = html.find(">", start) + 1
        closed = html.find("</style>", opened)
        if not opened or closed < 0 or "<" in html[start + 1:opened] \
                or html[start + 6] not in " \t\n\r/>":
            raise _Unsupported("a <style> element this does not read")
        if "]]>" in html[opened:closed]:
            raise _Unsupported("]]> in a style sheet")
        parts += [_VOID_TAG.sub(r"<\1\2/>", html[last:opened]),
                  "<![CDATA[", html[opened:closed], "]]>"]
        last, styles = closed, styles + 1
    if len(_ANY_STYLE_TAG.findall(html)) != 2 * styles:
        raise _Unsupported("a <style> tag not in lower case")
    parts.append(_VOID_TAG.sub(r"<\1\2/>", html[last:]))
    target = _Target()
    parser = ET.XMLParser(target=target)
    parser.feed("".join(parts))
    root: ET.Element = parser.close()
    for svg in target.svg_roots:
        svg.set(_XMLNS_ATTR, SVG)
    _document_level(root, html)
    for part in root:
        _check(part, p=False, li=False, dd=False, a=False)
    return root


def _blank(text: str | None) -> bool:
    return text is None or not text.strip(" \t\n\r\f")


def _document_level(root: ET.Element, html: str) -> None:
    """<html><head>...</head><body>...</body></html> and HTML5's whitespace there: ignored before
    <head>, kept after it, moved into <body> (at its end) after </body> and </html>."""
    if root.tag != "html" or len(root) != 2 or root[0].tag != "head" or root[1].tag != "body":
        raise _Unsupported("document structure")
    head, body = root
    trailing = html[len(html.rstrip(" \t\n\r")):].replace("\r\n", "\n").replace("\r", "\n")
    if not (_blank(root.text) and _blank(head.tail) and _blank(body.tail)) or \
            not html.rstrip(" \t\n\r").endswith("</html>"):
        raise _Unsupported("text outside <head> and <body>")
    for child in head:
        if child.tag not in ("meta", "title", "style", "link"):
            raise _Unsupported(f"<{child.tag}> in <head>")
    for element in (root, head, body):
        _check_attributes(element)
    root.text = None
    after = (body.tail or "") + trailing
    body.tail = None
    if after:
        if len(body):
            body[-1].tail = (body[-1].tail or "") + after
        else:
            body.text = (body.text or "") + after


def _check(element: ET.Element, *, p: bool, li: bool, dd: bool, a: bool) -> None:
    """Raise _Unsupported where HTML5 would build another tree; add implied <tbody>.
    ``p``, ``li``, ``dd``, ``a``: such an element is open in the scope HTML5 looks into."""
    for child in list(element):
        tag = child.tag
        if not isinstance(tag, str):
            raise _Unsupported("not an element")
        if tag.startswith(f"{{{SVG}}}"):
            if tag != f"{{{SVG}}}svg" or child.get(_XMLNS_ATTR) != SVG:
                raise _Unsupported("SVG outside <svg>")
            _check_svg(child)
            continue
        if tag not in _HTML or tag in ("html", "head", "body"):
            raise _Unsupported(f"<{tag}>")
        _check_attributes(child)
        if p and tag in _CLOSES_P:
            raise _Unsupported(f"<{tag}> would close a <p>")
        if (li and tag == "li") or (dd and tag in ("dd", "dt")) or (a and tag == "a"):
            raise _Unsupported(f"<{tag}> would close an open one")
        if tag in _HEADINGS and element.tag in _HEADINGS:
            raise _Unsupported("a heading in a heading")
        if tag == "pre" and (child.text or "").startswith("\n"):
            raise _Unsupported("a line break after <pre>")  # HTML5 drops it
        if tag == "title" and len(child):
            raise _Unsupported("markup in <title>")
        parent = _IN_TABLE.get(tag)
        if parent is not None and element.tag != parent:
            raise _Unsupported(f"<{tag}> in <{element.tag}>")
        allowed = _TABLE_PARTS.get(tag)
        if allowed is not None:
            if not _blank(child.text) or any(
                    c.tag not in allowed or not _blank(c.tail) for c in child):
                raise _Unsupported(f"content HTML5 moves out of <{tag}>")
            if tag == "table":
                _implied_tbody(child)
        if tag == "tr" and element.tag not in ("tbody", "thead", "tfoot"):
            raise _Unsupported("<tr> outside a table")
        if tag in _SCOPE:
            _check(child, p=False, li=False, dd=False, a=tag == "table" and a)
        else:
            _check(child, p=p or tag == "p", li=(li or tag == "li") and tag not in ("ul", "ol"),
                   dd=(dd or tag in ("dd", "dt")) and tag != "dl", a=a or tag == "a")


def _check_attributes(element: ET.Element) -> None:
    for key in element.attrib:  # HTML5 lowercases names and gives HTML ones no namespace
        if key != key.lower() or "{" in key or ":" in key:
            raise _Unsupported(f"attribute {key!r}")


def _implied_tbody(table: ET.Element) -> None:
    """HTML5 puts each run of rows written directly in a table into a new <tbody>."""
    children = list(table)
    if not any(c.tag == "tr" for c in children):
        return
    for c in children:
        table.remove(c)
    group: ET.Element | None = None
    for c in children:
        if c.tag == "tr":
            if group is None:
                group = ET.SubElement(table, "tbody")
            group.append(c)
        else:
            group = None
            table.append(c)


def _check_svg(element: ET.Element) -> None:
    """SVG content as HTML5 reads it: names re-cased from its tables, no HTML inside."""
    for key in element.attrib:
        if "{" in key:
            if key not in _FOREIGN_ATTRS and key != _XMLNS_ATTR:
                raise _Unsupported(f"SVG attribute {key!r}")
        elif _SVG_ATTRS.get(key.lower(), key.lower()) != key:
            raise _Unsupported(f"SVG attribute {key!r}")
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or not tag.startswith(f"{{{SVG}}}"):
            raise _Unsupported("non-SVG element in SVG")
        name = tag[len(SVG) + 2:]
        if _SVG_TAGS.get(name.lower(), name.lower()) != name or name.lower() in _BREAKOUT:
            raise _Unsupported(f"SVG element {name!r}")
        if name in _SVG_INTEGRATION and len(child):
            raise _Unsupported(f"markup in SVG <{name}>")
        _check_svg(child)


def wrap(tree: ET.Element) -> Any:
    """The cssselect2 wrapper WeasyPrint's ``HTML`` keeps for a tree (as in its constructor)."""
    import cssselect2

    return cssselect2.ElementWrapper.from_html_root(tree, content_language=None)
