"""The chat UI in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against the real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from serving import running_copy

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
TIMEOUT_MS = 120_000
HOSTILE = ("Title: Exampleton <img src=x onerror=\"window.__xss=1\"> opens libraries\nSource: Test Wire\n"
           "Date: 2023-05-02\n\nThe town of Exampleton opened 17 new public libraries on Monday, the mayor said. "
           "<script>window.__xss=2</script> Each library lends books, maps and **bicycles** to residents.\n")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                 "(apt-get install -y chromium; `make setup-dev` does it)")]


@pytest.fixture(scope="module")
def server_url(tmp_path_factory, seed_settings):
    """app.py over a private copy of the seed index."""
    with running_copy(seed_settings.index_dir, tmp_path_factory.mktemp("browser")) as url:
        yield url


@pytest.fixture(scope="module")
def page(server_url):
    """A Chromium page with the app loaded."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server_url)
        page.wait_for_selector("#nqa-question textarea")
        page.wait_for_selector("#nqa-corpus .nqa-figure")
        yield page
        browser.close()


def ask(page, question: str, n: int):
    """Type a question, press Enter, and return the n-th finished answer (1-based) once it is shown."""
    page.fill("#nqa-question textarea", question)
    page.press("#nqa-question textarea", "Enter")
    page.wait_for_function(f"document.querySelectorAll('#nqa-chat .nqa-answer:not(.nqa-streaming)').length >= {n}")
    return page.locator("#nqa-chat .nqa-answer:not(.nqa-streaming)").nth(n - 1)


def test_asks_and_shows_cited_sources(page, artifacts):
    assert page.inner_text("#nqa-corpus .nqa-figure >> nth=0").split() == ["2", "articles"]
    answer = ask(page, "How many US troops remain?", 1)
    assert "2,500" in answer.locator(".nqa-text").inner_text()
    short = answer.locator(".nqa-text b.nqa-short")
    assert short.count() == 1 and "2,500" in short.inner_text(), "the short answer comes first, in bold"
    sources = answer.locator(".nqa-source")
    assert sources.count() == 2
    heads = [sources.nth(i).locator(".nqa-source-head").inner_text() for i in range(sources.count())]
    assert any("2022-12-18" in head for head in heads) and any("undated" in head for head in heads)
    assert [h.split("]")[0] + "]" for h in heads] == ["[1]", "[2]"]
    marks = answer.locator(".nqa-passage:not(.nqa-full) mark")
    assert marks.count() == 2 and all("2,500" in mark for mark in marks.all_inner_texts())
    whole = answer.locator(".nqa-full").first
    assert not whole.is_visible()
    answer.locator(".nqa-whole summary").first.click()
    assert whole.is_visible() and whole.locator("mark").inner_text() == marks.first.inner_text()
    assert len(whole.inner_text()) > len(answer.locator(".nqa-passage").first.inner_text())
    answer.locator(".nqa-whole summary").first.click()
    answer.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "ui-answer.png"))


def test_follow_up_shows_the_rewritten_question(page):
    answer = ask(page, "And in Mosul?", 2)
    assert answer.locator(".nqa-rewritten").inner_text().startswith("Understood as: ")
    assert "Mosul" in answer.locator(".nqa-rewritten q").inner_text()


def test_refusal_says_what_the_corpus_covers(page, artifacts):
    answer = ask(page, "Who won the 2018 World Cup?", 3)
    assert answer.locator(".nqa-refused").count() == 1
    assert answer.locator(".nqa-refused-title").inner_text() == "Not answered by the indexed articles"
    assert answer.locator(".nqa-coverage").inner_text().startswith("The index covers 2 articles, dated 2022-12-18")
    page.screenshot(path=str(artifacts / "ui-refusal.png"))


def test_empty_question_is_a_readable_error(page):
    page.fill("#nqa-question textarea", "   ")
    page.press("#nqa-question textarea", "Enter")
    page.get_by_text("The question is empty: type a question about the news articles.").first.wait_for()
    assert page.locator("#nqa-chat .nqa-answer").count() == 3


def test_upload_then_ask_about_it_safely(page, tmp_path, artifacts):
    page.get_by_role("tab", name="Articles").click()
    upload = tmp_path / "libraries.txt"
    upload.write_text(HOSTILE)
    page.set_input_files("#nqa-files input[type=file]", str(upload))
    page.click("#nqa-add")
    page.wait_for_function("document.querySelector('#nqa-upload-result').innerText.includes('added 1')")
    assert "libraries.txt" in page.inner_text("#nqa-upload-result")
    page.wait_for_function("document.querySelector('#nqa-articles').innerText.includes('Exampleton')")
    page.screenshot(path=str(artifacts / "ui-upload.png"))
    page.get_by_role("tab", name="Ask").click()
    assert page.inner_text("#nqa-corpus .nqa-figure >> nth=0").split() == ["3", "articles"]
    answer = ask(page, "How many libraries did Exampleton open?", 4)
    assert "17" in answer.locator(".nqa-text").inner_text()
    head = answer.locator(".nqa-source-head").first.inner_text()
    assert '<img src=x onerror="window.__xss=1">' in head and "Test Wire" in head and "2023-05-02" in head
    assert "<script>window.__xss=2</script>" in answer.locator(".nqa-passage").first.inner_text()
    assert "**bicycles**" in answer.locator(".nqa-passage").first.inner_text()
    assert page.evaluate("window.__xss === undefined")
    assert page.locator("#nqa-chat img[src='x'], #nqa-chat script").count() == 0
    page.screenshot(path=str(artifacts / "ui-uploaded-answer.png"))


def test_the_outlet_filter_lists_the_upload_and_the_timeline_view_renders(page, artifacts):
    page.get_by_role("tab", name="Ask").click()
    page.click("#nqa-sources input")
    page.get_by_role("option", name="Test Wire").first.wait_for()
    page.keyboard.press("Escape")
    assert page.locator("#nqa-since input, #nqa-since textarea").count() == 1
    page.get_by_role("tab", name="Timeline").click()
    page.fill("#nqa-topic input, #nqa-topic textarea", "Kirkuk")
    page.click("#nqa-show-timeline")
    page.wait_for_function("document.querySelectorAll('#nqa-timeline .nqa-event').length === 2")
    dates = page.locator("#nqa-timeline .nqa-event-date").all_inner_texts()
    assert dates[0].startswith("2022-12-18") and dates[1].startswith("Undated")
    page.screenshot(path=str(artifacts / "ui-timeline.png"))


def test_remove_an_article(page):
    page.get_by_role("tab", name="Articles").click()
    page.click("#nqa-article-choice input")
    page.get_by_role("option", name="Exampleton", exact=False).first.click()
    page.wait_for_function("document.querySelector('#nqa-articles').innerText.includes('Exampleton')")
    page.click("#nqa-remove")
    page.wait_for_function("document.querySelector('#nqa-upload-result').innerText.startsWith('Removed article')")
    page.wait_for_function("!document.querySelector('#nqa-articles').innerText.includes('Exampleton')")
    page.get_by_role("tab", name="Ask").click()
    assert page.inner_text("#nqa-corpus .nqa-figure >> nth=0").split() == ["2", "articles"]


def test_markdown_in_a_question_is_shown_as_text(page):
    """Issue 13: before, the user's own `![q](x)` was rendered as Markdown (the page loaded an image)."""
    page.get_by_role("tab", name="Ask").click()
    ask(page, "![q](x) How many US troops remain?", 5)
    asked = page.locator("#nqa-chat .nqa-question").last
    assert asked.inner_text() == "![q](x) How many US troops remain?"
    assert page.locator("#nqa-chat img[src='x']").count() == 0


def test_an_upload_where_every_file_fails_keeps_the_article_table(page, tmp_path):
    """Issue 13: before, the Articles table and dropdown turned into red "Error" badges, and a file named with
    Markdown had it rendered in the upload result."""
    page.get_by_role("tab", name="Articles").click()
    empty = tmp_path / "[x](y).txt"  # Gradio itself drops a leading "!" from uploaded names
    empty.write_text("   \n")
    page.set_input_files("#nqa-files input[type=file]", str(empty))
    page.click("#nqa-add")
    page.wait_for_function("document.querySelector('#nqa-upload-result').innerText.includes('Nothing was indexed')")
    result = page.inner_text("#nqa-upload-result")
    assert "[x](y).txt" in result and "empty file" in result
    assert page.locator("#nqa-upload-result a, #nqa-upload-result img").count() == 0, "no Markdown link or image"
    table = page.inner_text("#nqa-articles")
    assert "Over a dozen Iraqi security service members" in table and "Error" not in table


def test_an_article_url_added_in_the_articles_tab(page, tmp_path, seed_settings, artifacts):
    """The URL box fetches a page from a real local server into the index."""
    import shutil

    from serving import running_server
    from webserver import FixtureServer

    shutil.copytree(seed_settings.index_dir, tmp_path / "index")
    with FixtureServer() as web, running_server(tmp_path / "index", tmp_path / "server.log",
                                                NEWSQA_ALLOW_LOCAL_URLS="1") as url:
        page = page.context.browser.new_page(viewport={"width": 1280, "height": 1000})  # the module's Chromium
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        page.get_by_role("tab", name="Articles").click()
        page.fill("#nqa-url input, #nqa-url textarea", web.url("/pages/01-harbor-gazette-bridge.html"))
        page.click("#nqa-add-url")
        page.wait_for_function("document.querySelector('#nqa-url-result').innerText.includes('added')")
        assert "added 1," in page.inner_text("#nqa-url-result"), page.inner_text("#nqa-url-result")
        page.screenshot(path=str(artifacts / "ui-urls.png"))
        page.close()
