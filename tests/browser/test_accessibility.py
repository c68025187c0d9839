"""Keyboard use and colour contrast (WCAG AA) on the pages residents use most."""

from playwright.sync_api import expect

# For every element with its own text: the text colour against the first opaque background up
# the tree, as WCAG's contrast ratio; returns the ones under 4.5:1 (3:1 for large text).
CONTRAST_JS = """() => {
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.99)) return c;
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest("[hidden], script, style, option") || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || parseFloat(style.opacity) < 0.5) continue;
    const fg = parse(style.color), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return bad;
}"""


def test_text_meets_wcag_aa_contrast(people, demo_of):
    ctx = demo_of("network", "problems", "voting", "campaigns")
    resident = people("contrast", phone=True)
    resident.login("wangayi")
    happy = ctx.communities["幸福社区"]
    found = []
    for path in [
        "/",
        "/problems/",
        "/ballots/",
        "/campaigns/",
        "/campaigns/my-pledges/",
        "/me/",
        f"/communities/{happy.pk}/",
    ]:
        resident.goto(path)
        found += [f"{path}: {b}" for b in resident.page.evaluate(CONTRAST_JS)]
    assert not found, "\n".join(found)
    # The check itself notices pale text.
    resident.page.evaluate("""() => { const p = document.createElement('p'); p.id = 'pale';
      p.style.color = '#bbbbbb'; p.textContent = '浅灰色的字'; document.querySelector('main').append(p); }""")
    assert any("浅灰色的字" in b for b in resident.page.evaluate(CONTRAST_JS))


def test_the_keyboard_reaches_the_content_with_a_visible_focus(people, demo_of):
    demo_of("network")
    resident = people("keyboard", phone=False)
    page = resident.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    assert skip.is_visible()  # shown when focused
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    # Every focusable control shows an outline when reached by the keyboard.
    for _ in range(6):
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        assert outline[0] != "none" and outline[1] >= 2, outline
