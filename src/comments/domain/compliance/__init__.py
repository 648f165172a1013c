"""EU Digital Services Act duties: notices (Art. 16), statements of reasons (Art. 17), appeals (Art. 20),
misuse (Art. 23), transparency (Art. 15, 24). At the end of the import direction: nothing but app.py
imports it. Statements for decisions taken elsewhere come from their audit entries (hook.py)."""

from comments.domain.compliance.controllers import API_CONTROLLERS
from comments.domain.compliance.deps import dependencies
from comments.domain.compliance.hook import install
from comments.domain.compliance.pages import NoticePageController

DSA_CONTROLLERS = [*API_CONTROLLERS, NoticePageController]

__all__ = ["DSA_CONTROLLERS", "dependencies", "install"]
