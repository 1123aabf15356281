"""The documentation a newcomer reads: links that lead somewhere inside the repository, and the
Email2SMS template exactly as the Devino documentation prints it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
DOCUMENTED_TEMPLATE = """```
==|| НАЧАЛО ТЕКСТА ||==

UserLogin=<Логин>

Password=<Пароль>

SourceAddress=<Адрес отправителя>

PhoneNumber=<Получатель>

<Текст сообщения>

==|| КОНЕЦ ТЕКСТА ||==
```"""
SURFACE_PAGES = ("rest", "soap", "xml-api", "smpp", "smtp", "ftp")


def test_every_link_is_a_file_in_the_repository():
    for page in PAGES:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            assert not re.match(r"^[a-z]+:", target), f"{page.name} links outside the repository: {target}"
            path = (page.parent / target.split("#")[0]).resolve()
            assert path.is_file() and ROOT in path.parents, f"{page.name}: {target} is not a file here"


def test_readme_starts_with_the_two_commands_then_the_curl_quick_start():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = readme.index(".venv/bin/pip install -q . && .venv/bin/devino-mock")
    second = readme.index(".venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest -q")
    quick = readme.index("## Quick start with curl")
    assert first < second < quick < readme.index("\n## ", quick + 1)
    section = readme[quick:readme.index("\n## ", quick + 1)]
    for step in ("/rest/v2/Sms/Send", "/rest/v2/Sms/State", "/_mock/clock/advance", "/_mock/messages"):
        assert step in section


def test_readme_and_the_smtp_page_show_the_documented_template_exactly():
    for page in ("README.md", "docs/smtp.md"):
        assert DOCUMENTED_TEMPLATE in (ROOT / page).read_text(encoding="utf-8"), page


def test_every_surface_page_has_endpoints_or_example_magic_numbers_and_control_calls():
    for name in SURFACE_PAGES:
        text = (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8")
        assert "## Example" in text, name
        assert "## Magic numbers" in text, name
        assert "## Control calls that go with it" in text, name
