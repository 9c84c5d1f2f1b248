import pytest

from core.data.workspace import Workspace


class ScriptedDialogs:
    """Answers the GUI's questions in tests (a real modal dialog would hang offscreen)."""

    def __init__(self, confirm: bool = True) -> None:
        self.answer = confirm
        self.asked: list[str] = []
        self.errors: list[tuple[str, str, str]] = []
        self.infos: list[str] = []
        self.folder = None
        self.save_path = None
        self.text_answer: str | None = None
        self.documents: list[tuple[str, str]] = []

    def confirm(self, parent, title, text):
        self.asked.append(f"{title}: {text}")
        return self.answer

    def error(self, parent, title, text, details=""):
        self.errors.append((title, text, details))

    def info(self, parent, title, text):
        self.infos.append(text)

    def choose_folder(self, parent, title, start):
        return self.folder

    def save_file(self, parent, title, start, filter):
        return self.save_path

    def ask_text(self, parent, title, label, start=""):
        self.asked.append(title)
        return self.text_answer

    def document(self, parent, title, html):
        self.documents.append((title, html))


@pytest.fixture(autouse=True)
def no_real_dialogs(monkeypatch):
    """A real modal dialog would wait for a click forever offscreen: fail instead."""
    from app.gui.widgets.dialogs import Dialogs

    def refuse(*args, **kwargs):
        raise AssertionError("a test opened a real modal dialog; pass ScriptedDialogs")

    # Every question the class asks, found on the class itself, so a new one cannot slip through
    # (ask_text once did).
    questions = [name for name, value in vars(Dialogs).items() if callable(value) and not name.startswith("_")]
    assert "ask_text" in questions and "confirm" in questions
    for name in questions:
        monkeypatch.setattr(Dialogs, name, refuse)


@pytest.fixture
def dialogs():
    return ScriptedDialogs()


@pytest.fixture
def workspace(tmp_path):
    return Workspace(tmp_path / "workspace")
