"""The 360 report as a PDF: a real PDF, in the reader's language with CJK glyphs, audited, and holding what the
page holds — the shown numbers and comments, never a hidden group's numbers or a rater's name (decision 0009)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from jixiao.audit.models import AuditEvent
from jixiao.reviews.tests.test_report_pages import build, client_for, identities

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    """The text of every page, without the spaces text extraction puts between CJK glyphs.

    pypdf reads the font subset's two-byte codes (Identity-H) as single bytes when they are below 256 and
    puts a NUL before each character; poppler's pdftotext reads them right. The NULs are dropped here.
    """
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


def pdf_url(world) -> str:
    return f"/reviews/{world.review.pk}/360.pdf"


def test_the_pdf_holds_the_shown_numbers_and_comments_and_no_hidden_group(personas):
    # Peers (3) rate 4; two customers rate 1 and 2, a group below k whose mean (1.5) must appear nowhere.
    world = build(personas, rating="4", self_rating="5", customers=2, customer_rating=["1", "2"], comment="PEER-SAYS")
    text = pdf_text(client_for(personas.employee.user).get(pdf_url(world)))
    assert "王小明" in text  # CJK glyphs embedded and extractable
    assert "360°feedbackreport" in text
    assert "3of3answered" in text
    assert "Notenoughanswerstoshow(fewerthan3)" in text
    assert all(f"PEER-SAYS-{i}" in text for i in range(3))
    assert "Blindspot" in text
    assert "CUSTOMER-SAYS" not in text
    assert "1.5" not in text
    for identity in identities(world):
        assert re.sub(r"\s+", "", identity) not in text


def test_the_pdf_is_in_the_readers_language(personas):
    world = build(personas)
    client = client_for(personas.employee.user)
    english = pdf_text(client.get(pdf_url(world)))
    client.cookies["jixiao_language"] = "zh-hans"
    chinese = pdf_text(client.get(pdf_url(world)))
    assert "Competency" in english and "能力" not in english.replace("王小明", "")
    assert "能力" in chinese and "Competency" not in chinese


def test_taking_the_pdf_is_audited(personas):
    world = build(personas, stage="closed")
    before = AuditEvent.objects.filter(action="feedback.report_pdf").count()
    pdf_text(client_for(personas.manager.user).get(pdf_url(world)))
    event = AuditEvent.objects.filter(action="feedback.report_pdf").latest("pk")
    assert AuditEvent.objects.filter(action="feedback.report_pdf").count() == before + 1
    assert event.actor_id == personas.manager.user.pk and event.target_id == str(world.review.pk)


def test_the_pdf_is_404_for_whoever_may_not_read_the_report(personas):
    world = build(personas, stage="closed")
    assert client_for(personas.employee.user).get(pdf_url(world)).status_code == 404
    assert client_for(world.peers[0].user).get(pdf_url(world)).status_code == 404
    assert not AuditEvent.objects.filter(action="feedback.report_pdf").exists()


def test_an_empty_report_still_makes_a_pdf_that_says_why(personas):
    world = build(personas, answering=2, rating="1", comment="HIDDEN")
    text = pdf_text(client_for(personas.employee.user).get(pdf_url(world)))
    assert "Nofeedbacktoshowyet" in text
    assert "HIDDEN" not in text


def test_a_confidential_cycle_lists_who_was_asked_for_the_manager_only(personas):
    world = build(personas, peers=4, answering=3, confidential=True)
    manager = pdf_text(client_for(personas.manager.user).get(pdf_url(world)))
    assert all(rater.name in manager for rater in world.peers)
    reviewee = pdf_text(client_for(personas.employee.user).get(pdf_url(world)))
    assert not any(rater.name in reviewee for rater in world.peers)
