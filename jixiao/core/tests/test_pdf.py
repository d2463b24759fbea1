"""The shared PDF helpers: one document with the CJK font, headings, paragraphs and a table."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from pypdf import PdfReader

from jixiao.core import pdf


def test_a_document_holds_its_heading_text_table_and_page_footer():
    doc = pdf.document("A title", "Confidential · footer")
    pdf.heading(doc, "绩效改进计划")
    pdf.text(doc, "Some words", colour=pdf.MUTED)
    pdf.table(doc, (60, 40), [["Name", "Score"], ["Wang Fang", "4.5"]], ("LEFT", "RIGHT"))
    reader = PdfReader(io.BytesIO(bytes(doc.output())))
    content = reader.pages[0].extract_text().replace("\x00", "")
    assert reader.metadata is not None and reader.metadata.title == "A title"
    for shown in ("Some words", "Wang Fang", "4.5", "Confidential · footer", "1 / 1"):
        assert shown in content


def test_the_font_comes_from_the_setting_with_its_face(settings):
    settings.JIXIAO_PDF_FONT = "/fonts/cjk.ttc#3"
    assert pdf.font_file() == ("/fonts/cjk.ttc", 3)


def test_without_any_font_the_error_says_what_to_install(settings, monkeypatch):
    settings.JIXIAO_PDF_FONT = ""
    monkeypatch.delenv("JIXIAO_PDF_FONT", raising=False)
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", (("/nowhere/font.ttc", 0),))
    with pytest.raises(ImproperlyConfigured, match="fonts-noto-cjk"):
        pdf.font_file()
