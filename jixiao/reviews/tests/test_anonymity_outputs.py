"""Nothing the reviewee or her managers can reach tells who wrote what in a 360 review (issue 5, decision 0009).

A property test (hypothesis) takes a cycle with 360 feedback through the services — peers nominated and
approved, customers invited, the feedback phase opened, any number of peers (0–5), direct reports (0–4) and
customers (0–3) answering with random ratings ("na" included) and comments, the manager's review, release —
and then reads every output the reviewee, her manager and her skip-level manager can reach: the pages, the PDF,
the API, the reviewee's own export, their notifications and the emails sent to them. It checks them twice:

- by searching them: no anonymous rater's name, username, email, employee number or id; no comment, mean or
  "answered" count of a group below k (nor a comment below comment k); no submission time of any 360 answer;
- by rendering them again after the raters of each group were shuffled among the group's requests (who
  answered and who wrote what changes, the answers do not) and a hidden group's ratings and comments were
  changed: every output must come out the same. This also covers the pages that list some raters for another
  reason (the nomination page lists who was asked; team pages list the direct reports, who have reviews too).

The reviewee is a manager (her direct reports give upward feedback); her manager and skip-level manager read
her report once the feedback phase is over, she once it is released. A confidential cycle lets her manager see
who was asked and who answered — never who wrote what — and tells the reviewee nothing more.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from unittest import mock

from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from jixiao.core.models import Notification
from jixiao.core.testing.personas import make_department, make_employee, make_user
from jixiao.goals.testing import make_period
from jixiao.org.models import Employee
from jixiao.reviews import breakdown, services, services_feedback
from jixiao.reviews.models import (
    CompetencyModelItem,
    Evaluation,
    EvaluationKind,
    Invitation,
    PhaseKind,
    Review,
    SectionKind,
)
from jixiao.reviews.selectors_feedback import feedback_report
from jixiao.reviews.testing import FEEDBACK_TEMPLATE, advance_to, full_answers, launch, make_competency, make_cycle
from jixiao.reviews.testing import make_template as _make_template

try:  # the PDF's text is read with pypdf, as the PDF's own tests do
    from pypdf import PdfReader

    HAVE_PYPDF = True
except ImportError:  # pragma: no cover - the PDF is then left out (test_the_pdf_is_searched_too says so)
    HAVE_PYPDF = False
NO_PYPDF = "pypdf is not installed: the 360 report's PDF is left out of the outputs searched"

GROUPS = ("peer", "upward", "customer")
LEVELS = ("1", "2", "3", "4", "5")
NA = "na"
HUNDREDTH = Decimal("0.01")
# How many of each group are asked (all of them answer at most).
ASKED = {"peer": 5, "upward": 4, "customer": 3}
# Raters' employee and user ids: far from everything else and of a shape nothing else has, so a search for them
# finds nothing by chance. Each submission gets its own minute on its own day, days no page shows otherwise.
ID_BASE = 7_310_000
SUBMITTED_BASE = dt.datetime(2024, 5, 13, 3, 7, tzinfo=dt.UTC)
LANGUAGES = ("en", "zh-hans")


# ---- the company ---------------------------------------------------------------------------------


@dataclass
class Person:
    """An anonymous rater as the outputs could name her: every string that would identify her."""

    group: str
    index: int
    name: str
    identities: list[str]
    employee: Employee | None = None  # None for a customer
    email: str = ""

    @property
    def staff(self) -> Employee:
        assert self.employee is not None, "a customer has no account"
        return self.employee


@dataclass
class Company:
    admin: Any
    ceo: Employee  # the reviewee's skip-level manager
    boss: Employee  # the reviewee's manager
    lead: Employee  # the reviewee: a manager whose direct reports give upward feedback
    east: Any
    raters: dict[str, list[Person]] = field(default_factory=dict)


def _rater(group: str, index: int, name: str, english: str, department: Any, manager: Employee) -> Person:
    pk = ID_BASE + (10 * GROUPS.index(group) + index) * 1000
    tag = f"{group[:2]}{index}"
    user = make_user(f"zx_{tag}_login", pk=pk)  # her login address: zx_<tag>_login@example.com
    employee = make_employee(
        name,
        department,
        manager=manager,
        user=user,
        pk=pk,
        number=f"ZN{pk}",
        email=f"zx.{tag}.work@raters.example",
        english_name=english,
    )
    pinyin = employee.name_pinyin.split()[0]
    identities = [name, english, pinyin, user.username, user.email, employee.email, employee.employee_number, str(pk)]
    return Person(group, index, name, identities, employee)


def build_company() -> Company:
    admin = make_user("zx_admin", is_superuser=True, is_staff=True)
    root = make_department("总部", name_en="Head office")
    sales = make_department("销售部", root, name_en="Sales")
    east = make_department("华东区", sales, name_en="East China")
    ceo = make_employee("高总", root, user=make_user("zx_ceo"))
    boss = make_employee("孙部长", sales, manager=ceo, user=make_user("zx_boss"))
    lead = make_employee("李经理", east, manager=boss, user=make_user("zx_lead"))
    root.head, sales.head, east.head = ceo, boss, lead
    for department in (root, sales, east):
        department.save(update_fields=["head"])
    company = Company(admin=admin, ceo=ceo, boss=boss, lead=lead, east=east)
    # Her peers work with her from another department, outside the cycle (it covers her department only) and
    # outside her managers' teams, so none of the three readers has a reason to see their names.
    rnd = make_department("研发部", root, name_en="R&D")
    rnd.head = make_employee("钱研发", rnd, manager=ceo, user=make_user("zx_rnd"))
    rnd.save(update_fields=["head"])
    peer_names = ["贲同仁一", "贲同仁二", "贲同仁三", "贲同仁四", "贲同仁五"]
    company.raters["peer"] = [
        _rater("peer", i, name, f"Quorvath P{i}", rnd, rnd.head) for i, name in enumerate(peer_names)
    ]
    # Her direct reports are in the cycle (they have reviews of their own) and rate her upward.
    report_names = ["邝部属一", "邝部属二", "邝部属三", "邝部属四"]
    company.raters["upward"] = [
        _rater("upward", i, name, f"Velmoria R{i}", east, lead) for i, name in enumerate(report_names)
    ]
    company.raters["customer"] = [
        Person("customer", i, name, [name, email], email=email)
        for i, (name, email) in enumerate(
            [
                ("禚客户一", "zx.cu0@client.example"),
                ("禚客户二", "zx.cu1@client.example"),
                ("禚客户三", "zx.cu2@client.example"),
            ]
        )
    ]
    return company


# ---- what the raters say -------------------------------------------------------------------------


@dataclass
class Answer:
    """One rater's submitted 360 answers as drawn: a rating per competency ("na" allowed) and maybe a comment."""

    ratings: tuple[str, ...]
    comment: bool

    @property
    def usable(self) -> bool:
        """She counts towards k: she rated at least one competency."""
        return any(r != NA for r in self.ratings)


def marker(group: str, index: int, prefix: str = "ZQ") -> str:
    """A comment nothing else contains; markers never contain one another."""
    return f"{prefix}{group[0]}{index}K{group[-1]}"


def submitted_at(group: str, index: int) -> dt.datetime:
    return SUBMITTED_BASE + dt.timedelta(days=GROUPS.index(group) * 5 + index, minutes=7 * index + 1)


def q2(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def mean(values: Sequence[Decimal]) -> Decimal | None:
    return q2(sum(values, Decimal(0)) / len(values)) if values else None


@dataclass
class Expected:
    """What the answers say, computed here from the drawn answers (not through the code under test)."""

    k: int
    comment_k: int
    answers: dict[str, list[Answer]]

    def usable(self, group: str) -> list[tuple[int, Answer]]:
        return [(i, a) for i, a in enumerate(self.answers[group]) if a.usable]

    def shown(self, group: str) -> bool:
        return len(self.usable(group)) >= self.k

    def comments_shown(self, group: str) -> set[int]:
        """The raters whose comment may be read: a shown group, a usable rater, enough commenters."""
        writers = {i for i, a in self.usable(group) if a.comment}
        return writers if self.shown(group) and len(writers) >= self.comment_k else set()

    def hidden_comments(self) -> list[str]:
        return [
            marker(g, i)
            for g in GROUPS
            for i, a in enumerate(self.answers[g])
            if a.comment and i not in self.comments_shown(g)
        ]

    def shown_comments(self) -> list[str]:
        return [marker(g, i) for g in GROUPS for i in sorted(self.comments_shown(g))]

    def group_means(self, group: str) -> list[Decimal]:
        """The group's per-competency means and its overall score (the mean of its raters' means)."""
        usable = [a for _i, a in self.usable(group)]
        out = []
        for c in range(3):
            m = mean([Decimal(a.ratings[c]) for a in usable if a.ratings[c] != NA])
            if m is not None:
                out.append(m)
        rater_means = [mean([Decimal(r) for r in a.ratings if r != NA]) for a in usable]
        overall = mean([m for m in rater_means if m is not None])
        return [*out, *([overall] if overall is not None else [])]

    def rollups_with_hidden(self) -> list[Decimal]:
        """ "Others" per competency over every anonymous answer, hidden groups included (must not be shown)."""
        if all(self.shown(g) for g in GROUPS if self.usable(g)):
            return []
        out = []
        for c in range(3):
            values = [Decimal(a.ratings[c]) for g in GROUPS for _i, a in self.usable(g) if a.ratings[c] != NA]
            m = mean(values)
            if m is not None:
                out.append(m)
        return out


def answer_strategy() -> st.SearchStrategy[Answer]:
    rating = st.sampled_from((*LEVELS, NA, NA))
    ratings = st.one_of(st.tuples(rating, rating, rating), st.tuples(rating, rating, rating), st.just((NA, NA, NA)))
    return st.builds(Answer, ratings=ratings, comment=st.booleans())


# ---- the cycle, through the services -------------------------------------------------------------


def feedback_template() -> Any:
    """The factories' 360 template (peers 50 / reports 30 / customers 20, self for comparison), three competencies."""
    template = _make_template(**FEEDBACK_TEMPLATE, peers=(3, 8))
    section = template.sections.get(kind=SectionKind.FEEDBACK)
    assert section.competency_model is not None
    CompetencyModelItem.objects.create(model=section.competency_model, competency=make_competency(), order=10)
    return template


def answers_payload(review: Review, kind: str, answer: Answer, comment: str) -> dict[str, Any]:
    ratings, texts = {}, {}
    items = list(breakdown.rated_items(review.cycle.snapshot, review.competency_model, kind))
    competencies = [f"{s}:{item}" for s, item, _required in items if item.startswith("c")]
    assert len(competencies) == 3, competencies
    for key, value in zip(competencies, answer.ratings, strict=True):
        ratings[key] = value
    for section, item, _required in items:
        if not item.startswith("c") and answer.comment:
            texts[f"{section}:{item}"] = comment
    return {"ratings": ratings, "answers": texts}


@dataclass
class Run:
    cycle: Any
    review: Review
    expected: Expected
    confidential: bool
    evaluations: dict[str, list[Evaluation]]  # per group, in the order of company.raters[group]


def run_cycle(
    company: Company, *, k: int, comment_k: int, confidential: bool, self_rating: str, answers: dict[str, list[Answer]]
) -> Run:
    admin, boss, lead = company.admin, company.boss, company.lead
    cycle = make_cycle(
        admin,
        make_period(admin),
        template=feedback_template(),
        departments=(company.east,),
        feedback=True,
        anonymity_k=k,
        comment_k=comment_k,
        confidential=confidential,
    )
    cycle = launch(admin, cycle)
    review = Review.objects.select_related("cycle").get(cycle=cycle, reviewee=company.lead)
    # She proposes her peers, her manager approves them and invites three customers.
    for person in company.raters["peer"]:
        nomination = services_feedback.nomination_propose(actor=lead.user, review=review, rater=person.staff)
        services_feedback.nomination_decide(actor=boss.user, nomination=nomination, approve=True)
    tokens = []
    for person in company.raters["customer"]:
        _nomination, token = services_feedback.customer_invite(
            actor=boss.user, review=review, email=person.email, name=person.name
        )
        tokens.append(token)
    cycle = advance_to(admin, cycle, PhaseKind.FEEDBACK)
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    own = Evaluation.objects.select_related("review__cycle", "rater").get(review=review, kind=EvaluationKind.SELF)
    services.evaluation_save(
        actor=lead.user,
        evaluation=own,
        answers=full_answers(review, rating=self_rating),
        version=own.version,
        submit=True,
    )
    evaluations: dict[str, list[Evaluation]] = {}
    for group in GROUPS:
        rows = Evaluation.objects.select_related("review__cycle").filter(review=review, kind=group)
        if group == "customer":
            by_email = {(e.nomination.email if e.nomination else ""): e for e in rows.select_related("nomination")}
            evaluations[group] = [by_email[p.email] for p in company.raters[group]]
        else:
            by_rater = {e.rater_id: e for e in rows}
            evaluations[group] = [by_rater[p.staff.pk] for p in company.raters[group]]
        assert len(evaluations[group]) == ASKED[group]
    # Each rater answers at her own time (the first ones of each group answer; who does is shuffled later).
    for group in GROUPS:
        for i, answer in enumerate(answers[group]):
            evaluation = evaluations[group][i]
            payload = answers_payload(review, group, answer, marker(group, i))
            with mock.patch("django.utils.timezone.now", return_value=submitted_at(group, i)):
                services_feedback.feedback_save(
                    actor=None if group == "customer" else company.raters[group][i].staff.user,
                    evaluation=evaluation,
                    answers=payload,
                    version=evaluation.version,
                    submit=True,
                    token=tokens[i] if group == "customer" else None,
                )
    cycle = advance_to(admin, cycle, PhaseKind.MANAGER)
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    part = Evaluation.objects.select_related("review__cycle", "rater").get(review=review, kind=EvaluationKind.MANAGER)
    services.evaluation_save(
        actor=boss.user,
        evaluation=part,
        answers=full_answers(review, rating="4", kind=EvaluationKind.MANAGER),
        version=part.version,
        submit=True,
    )
    cycle = advance_to(admin, cycle, PhaseKind.RELEASE)
    services.reviews_release(actor=admin, cycle=cycle)
    review = Review.objects.select_related("cycle").get(pk=review.pk)
    assert review.state == Review.State.RELEASED
    return Run(cycle, review, Expected(k, comment_k, answers), confidential, evaluations)


# ---- every output the reviewee and her managers can reach -----------------------------------------


@dataclass(frozen=True)
class Output:
    reader: str  # reviewee | manager | skip_level
    name: str  # the URL name, or "notification" / "email"
    language: str
    status: int
    text: str  # what a search runs over (for a PDF: its text without spaces)


_SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def _json_text(content: bytes) -> str:
    try:
        return json.dumps(json.loads(content), ensure_ascii=False, sort_keys=True)
    except ValueError:
        return content.decode(errors="replace")


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    # The font subset's codes come out with NULs between glyphs (see test_report_pdf.pdf_text).
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


def _xlsx_text(data: bytes) -> str:
    """Every XML part of the workbook but the file's own timestamps (docProps)."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return "\n".join(
            book.read(name).decode()
            for name in sorted(book.namelist())
            if name.endswith(".xml") and not name.startswith("docProps/")
        )


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def page_urls(run: Run) -> list[tuple[str, str]]:
    """(name, URL) of every page, file and API answer the three readers might open about this review."""
    review, cycle = run.review.pk, run.cycle.pk
    urls = [
        ("core:home", reverse("core:home")),
        ("core:notifications", reverse("core:notifications")),
        ("reviews:mine", reverse("reviews:mine")),
        ("reviews:team", reverse("reviews:team")),
        ("reviews:team_nominations", reverse("reviews:team_nominations")),
        ("reviews:feedback_inbox", reverse("reviews:feedback_inbox")),
        ("reviews:review", reverse("reviews:review", args=[review])),
        ("reviews:feedback_report", reverse("reviews:feedback_report", args=[review])),
        ("reviews:upward_report", reverse("reviews:upward_report", args=[review])),
        ("reviews:nominations", reverse("reviews:nominations", args=[review])),
        ("reviews:cycle", reverse("reviews:cycle", args=[cycle])),
        ("reviews:cycle_nominations", reverse("reviews:cycle_nominations", args=[cycle])),
        ("reviews:cycle_upward", reverse("reviews:cycle_upward", args=[cycle])),
        ("reviews:cycle_export", reverse("reviews:cycle_export", args=[cycle])),
        ("reviews:my_export", reverse("reviews:my_export")),
        ("api:reviews", "/api/v1/reviews?limit=100"),
        ("api:review", f"/api/v1/reviews/{review}"),
        ("api:review_feedback", f"/api/v1/reviews/{review}/feedback"),
        ("api:evaluations", "/api/v1/reviews/evaluations?open=false&limit=100"),
        ("api:cycle", f"/api/v1/reviews/cycles/{cycle}"),
    ]
    if HAVE_PYPDF:  # a PDF takes a second to make (the CJK font): render_outputs asks for one
        urls.append(("reviews:feedback_report_pdf", reverse("reviews:feedback_report_pdf", args=[review])))
    return urls


def anonymous_urls(run: Run) -> list[tuple[str, str]]:
    """The raters' own parts: nobody but the rater opens them (404 for the reviewee and her managers)."""
    out = []
    for group in GROUPS:
        for evaluation in run.evaluations[group]:
            out += [
                ("reviews:evaluation", reverse("reviews:evaluation", args=[evaluation.pk])),
                ("reviews:feedback_form", reverse("reviews:feedback_form", args=[evaluation.pk])),
                ("api:evaluation", f"/api/v1/reviews/evaluations/{evaluation.pk}"),
            ]
    return out


# What the report pages are also read in: Chinese (dates and counts are written differently there).
TRANSLATED = ("reviews:review", "reviews:feedback_report", "reviews:upward_report", "reviews:nominations")


def readers(company: Company) -> dict[str, Any]:
    return {"reviewee": company.lead.user, "manager": company.boss.user, "skip_level": company.ceo.user}


def render_outputs(company: Company, run: Run, *, pdf_for: str = "") -> dict[tuple[str, str, str], Output]:
    """Every page, file and API answer of page_urls() for the three readers, as text (200 answers only).

    The PDF is made for `pdf_for` only: it is drawn from the same page model as the report page, and making
    one takes a second.
    """
    out: dict[tuple[str, str, str], Output] = {}
    for reader, user in readers(company).items():
        client = Client()
        client.force_login(user)
        for language in LANGUAGES:
            client.cookies["jixiao_language"] = language
            for name, url in page_urls(run):
                if language != "en" and name not in TRANSLATED:
                    continue
                if name == "reviews:feedback_report_pdf" and reader != pdf_for:
                    continue
                response = client.get(url)
                assert response.status_code in (200, 404), (reader, url, response.status_code)
                if response.status_code != 200:
                    continue
                body = _body(response)
                kind = response.get("Content-Type", "")
                if "pdf" in kind:
                    text = _pdf_text(body)
                elif "spreadsheet" in kind:
                    text = _xlsx_text(body)
                elif "json" in kind:
                    text = _json_text(body)
                else:
                    # Icons' path data is full of numbers like "3.25": not something a reader sees as a score.
                    text = _SVG.sub("<svg/>", body.decode())
                out[(reader, name, language)] = Output(reader, name, language, response.status_code, text)
    return out


def messages_to(company: Company) -> list[Output]:
    """Every notification and every email the three readers received during the cycle."""
    out = []
    for reader, user in readers(company).items():
        for n in Notification.objects.filter(user=user):
            out.append(Output(reader, "notification", "", 200, f"{n.title}\n{n.body}\n{n.url}"))
        for message in mail.outbox:
            if user.email in message.to or user.email in message.cc or user.email in message.bcc:
                out.append(Output(reader, "email", "", 200, f"{message.subject}\n{message.body}\n{message.to}"))
    return out


# ---- searching ---------------------------------------------------------------------------------------


def _number_pattern(text: str) -> re.Pattern[str]:
    """The number alone: not a part of a longer one, nor its negative ("-1.67" is a gap, not a mean)."""
    return re.compile(rf"(?<![\d.\-]){re.escape(text)}(?![\d])")


def renderings(value: Decimal) -> list[str]:
    """How a page or file could write a mean: "2.33", "2.5" and "2.50"; a whole number is not searchable."""
    two = f"{value:.2f}"
    short = format(value.normalize(), "f")
    return [two] if "." not in short else sorted({two, short})


def numbers_in(data: Any) -> set[Decimal]:
    """Every number in a structure (strings that are numbers included)."""
    out: set[Decimal] = set()
    if isinstance(data, Mapping):
        for value in data.values():
            out |= numbers_in(value)
    elif isinstance(data, list | tuple):
        for value in data:
            out |= numbers_in(value)
    elif isinstance(data, bool) or data is None:
        pass
    elif isinstance(data, int | float | Decimal):
        out.add(Decimal(str(data)))
    elif isinstance(data, str):
        with contextlib.suppress(ArithmeticError):
            out.add(Decimal(data))
    return out


def time_renderings(moment: dt.datetime) -> list[str]:
    """A submission time as pages, files and the API would write it (UTC and local, ISO, localised, Excel)."""
    out = set()
    local = timezone.localtime(moment)
    for at in (moment, local):
        out |= {at.date().isoformat(), at.strftime("%Y-%m-%d %H:%M"), at.isoformat()[:16], at.strftime("%Y/%m/%d")}
        for language in LANGUAGES:
            with translation.override(language):
                out |= {date_format(at.date(), "DATE_FORMAT"), date_format(at.date(), "SHORT_DATE_FORMAT")}
        out.add(f"<v>{(local.date() - dt.date(1899, 12, 30)).days}")  # an Excel date serial, as in the XLSX
    return sorted(s for s in out if s)


def answered_patterns(asked: int) -> list[re.Pattern[str]]:
    """ "N of <asked> answered" in English and in Chinese, spaces or not (PDF text has none)."""
    out = []
    for language in LANGUAGES:
        with translation.override(language):
            template = translation.gettext("%(answered)s of %(asked)s answered")
        before, _sep, after = template.partition("%(answered)s")
        text = re.escape(before) + r"\d+" + re.escape(after).replace(re.escape("%(asked)s"), str(asked))
        out.append(re.compile(text.replace(r"\ ", r"\s*")))
    return out


def pages_allowed_to_name(run: Run, reader: str, name: str, group: str) -> bool:
    """Where a rater's name may appear for a reason other than her answers (who was asked; her own review).

    The outputs that name her are still checked: they must not change when the raters are shuffled.
    """
    if name == "reviews:nominations":
        # The reviewee chose her peers; her manager approved them, invited the customers, sees the reports.
        return group == "peer" if reader == "reviewee" else reader == "manager"
    if name == "reviews:team_nominations":
        return reader == "manager"
    if run.confidential and reader == "manager" and name in ("reviews:feedback_report", "reviews:feedback_report_pdf"):
        return True  # who was asked and who answered, never who wrote what
    # The direct reports are reviewees of the same cycle: her team's pages and the cycle's lists show them.
    return group == "upward" and name not in (
        "reviews:review",
        "reviews:feedback_report",
        "reviews:feedback_report_pdf",
        "reviews:upward_report",
        "api:review",
        "api:review_feedback",
        "reviews:my_export",
        "notification",
        "email",
    )


def problems_in(company: Company, run: Run, outputs: Sequence[Output]) -> list[str]:
    """Everything in the outputs that breaks decision 0009, as sentences (empty when all is well)."""
    expected = run.expected
    report = feedback_report(run.review)
    assert report is not None
    # Numbers a reader may see: the report's, the review's breakdown and score, and the cycle's frozen settings
    # (weights, the scale's levels and band thresholds such as "Outstanding ≥ 4.5").
    legit = (
        numbers_in(report)
        | numbers_in(run.review.breakdown)
        | numbers_in([run.review.final_score])
        | numbers_in(run.cycle.snapshot)
    )
    found: list[str] = []

    def search(what: str, needles: Sequence[str], *, numbers: bool = False) -> None:
        for output in outputs:
            for needle in needles:
                hit = (_number_pattern(needle) if numbers else re.compile(re.escape(needle))).search(output.text)
                if hit:
                    around = output.text[max(0, hit.start() - 60) : hit.end() + 60]
                    found.append(
                        f"{what} {needle!r} in {output.reader}'s {output.name} ({output.language}): {around!r}"
                    )

    # (a) no anonymous rater's name, login, email, number or id, except where she is named for another reason.
    for group in GROUPS:
        for person in company.raters[group]:
            for output in outputs:
                if pages_allowed_to_name(run, output.reader, output.name, group):
                    continue
                for identity in person.identities:
                    pattern = _number_pattern(identity) if identity.isdigit() else None
                    if (pattern.search(output.text) if pattern else identity in output.text) or (
                        output.name.endswith("_pdf") and re.sub(r"\s+", "", identity) in output.text
                    ):
                        found.append(f"{group} rater {identity!r} in {output.reader}'s {output.name}")
    # (b) a group below k: none of its comments, none of its means (nor a roll-up that includes it).
    search("hidden comment", expected.hidden_comments())
    hidden_values: set[Decimal] = set()
    for group in GROUPS:
        if not expected.shown(group):
            hidden_values |= set(expected.group_means(group))
    hidden_values |= set(expected.rollups_with_hidden())
    for value in sorted(hidden_values - legit):
        search("hidden mean", renderings(value), numbers=True)
    # (c) no submission time of a 360 answer, however written.
    for group in GROUPS:
        for i in range(len(expected.answers[group])):
            search(f"{group} submission time", time_renderings(submitted_at(group, i)))
    # (d) "n of m answered" only beside a shown group (the groups are asked 5, 4 and 3: each m is one group's).
    for group in GROUPS:
        if not expected.shown(group):
            for output in outputs:
                for pattern in answered_patterns(ASKED[group]):
                    if pattern.search(output.text):
                        found.append(f"answered count of hidden {group} in {output.reader}'s {output.name}")
    return found


def check_report_agrees(run: Run, outputs: Mapping[tuple[str, str, str], Output]) -> None:
    """The report says what the answers say: shown groups, counts and comments (so the search is not vacuous)."""
    expected = run.expected
    report = feedback_report(run.review)
    assert report is not None
    groups = {g["group"]: g for g in report["groups"]}
    for group in GROUPS:
        assert groups[group]["shown"] == expected.shown(group), (group, groups[group])
        if expected.shown(group):
            assert groups[group]["answered"] == len(expected.usable(group))
            assert groups[group]["asked"] == ASKED[group]
            means = expected.group_means(group)
            assert Decimal(groups[group]["score"]) == means[-1]
        else:
            assert groups[group]["answered"] is None and groups[group]["asked"] is None
    page = outputs[("reviewee", "reviews:feedback_report", "en")].text
    for text in expected.shown_comments():
        assert text in page, text
        assert text in outputs[("reviewee", "api:review_feedback", "en")].text, text
        assert text in outputs[("reviewee", "reviews:my_export", "en")].text, text
    for group in GROUPS:
        if expected.shown(group):
            assert any(p.search(page) for p in answered_patterns(ASKED[group])), group


# ---- rendering again with the raters shuffled and the hidden answers changed ------------------------------


def _normalise(text: str) -> str:
    text = re.sub(r"[A-Za-z0-9]{64}", "TOKEN", text)  # CSRF tokens are masked afresh on every page
    text = re.sub(r"(<time [^>]*>)[^<]*(</time>)", r"\1\2", text)  # "3 seconds ago" moves on by itself
    return re.sub(r'nonce="[^"]*"', 'nonce=""', text)


def shuffle_and_change(run: Run, order: Mapping[str, Sequence[int]]) -> None:
    """Give each group's requests to other raters of the group (keeping the answers where they are), and change
    every rating and comment nobody may read. Confidential cycles show who answered: only answered requests
    are shuffled among themselves there, and the others among themselves."""
    expected = run.expected
    for group in GROUPS:
        rows = run.evaluations[group]
        answered = set(range(len(expected.answers[group])))
        ranked = sorted(range(len(rows)), key=lambda i: order[group].index(i))
        if run.confidential:
            moves: dict[int, int] = {}
            for part in (answered, set(range(len(rows))) - answered):
                moves.update(zip(sorted(part), [i for i in ranked if i in part], strict=True))
        else:
            moves = dict(zip(range(len(rows)), ranked, strict=True))
        owners = [(rows[i].rater_id, rows[i].nomination_id) for i in range(len(rows))]
        Evaluation.objects.filter(pk__in=[e.pk for e in rows]).update(rater=None, nomination=None)
        for i, evaluation in enumerate(rows):
            rater_id, nomination_id = owners[moves[i]]
            Evaluation.objects.filter(pk=evaluation.pk).update(rater_id=rater_id, nomination_id=nomination_id)
            if group == "customer" and nomination_id is not None:  # the link is spent by whoever answered
                Invitation.objects.filter(nomination_id=nomination_id).update(
                    used_at=submitted_at(group, i) if i in answered else None
                )
        visible = expected.comments_shown(group)
        for i, answer in enumerate(expected.answers[group]):
            evaluation = Evaluation.objects.get(pk=rows[i].pk)
            answers = dict(evaluation.answers)
            if not expected.shown(group):
                answers["ratings"] = {
                    key: value if value == NA else str(int(value) % 5 + 1) for key, value in answers["ratings"].items()
                }
            if answer.comment and i not in visible:
                answers["answers"] = {key: marker(group, i, "ZW") for key in answers["answers"]}
            Evaluation.objects.filter(pk=evaluation.pk).update(answers=answers)


def differences(
    before: Mapping[tuple[str, str, str], Output], after: Mapping[tuple[str, str, str], Output]
) -> list[str]:
    out = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a is None or b is None:
            out.append(f"{key}: answered {'200' if a else '404'} before, {'200' if b else '404'} after")
            continue
        x, y = _normalise(a.text), _normalise(b.text)
        if x != y:
            at = (
                next(i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q)
                if x[: len(y)] != y[: len(x)]
                else min(len(x), len(y))
            )
            out.append(f"{key}: differs at {at}: {x[max(0, at - 80) : at + 80]!r} / {y[max(0, at - 80) : at + 80]!r}")
    return out


# ---- the tests ---------------------------------------------------------------------------------------


def answers_for_groups() -> st.SearchStrategy[dict[str, list[Answer]]]:
    return st.fixed_dictionaries({g: st.lists(answer_strategy(), max_size=ASKED[g]) for g in GROUPS})


def orders() -> st.SearchStrategy[dict[str, list[int]]]:
    return st.fixed_dictionaries({g: st.permutations(range(ASKED[g])) for g in GROUPS})


def _all(rating: str, n: int, comment: bool = True) -> list[Answer]:
    return [Answer((rating, rating, rating), comment) for _ in range(n)]


class AnonymityOfEveryOutput(TestCase):
    company: Company

    @classmethod
    def setUpTestData(cls) -> None:
        cls.company = build_company()

    def setUp(self) -> None:
        mail.outbox = []

    # Each example takes a cycle through every phase and renders some 60 pages: a dozen draws, no shrinking (a
    # failing example is small enough to read as it is, and shrinking it would take minutes).
    @settings(
        max_examples=12,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        k=st.sampled_from((3, 4)),
        comment_k=st.sampled_from((3, 4, 5)),
        confidential=st.booleans(),
        self_rating=st.sampled_from(LEVELS),
        answers=answers_for_groups(),
        order=orders(),
        pdf_for=st.sampled_from(("reviewee", "manager", "skip_level")),
    )
    @example(  # peers exactly at k, reports one short, a single customer; comments everywhere
        k=3,
        comment_k=3,
        confidential=False,
        self_rating="5",
        answers={"peer": _all("3", 3), "upward": _all("2", 2), "customer": _all("1", 1)},
        order={"peer": [4, 3, 2, 1, 0], "upward": [3, 2, 1, 0], "customer": [2, 1, 0]},
        pdf_for="reviewee",
    )
    @example(  # customers below k = 4 whose mean on one competency (4.5) is also a band's threshold on the page
        k=4,
        comment_k=3,
        confidential=True,
        self_rating="1",
        answers={
            "customer": [
                Answer(("4", "5", "1"), False),
                Answer(("5", "2", "2"), False),
                Answer(("na", "na", "2"), False),
            ],
            "peer": [Answer(("1", "1", "1"), False)],
            "upward": [],
        },
        order={"upward": [1, 3, 0, 2], "peer": [0, 4, 2, 3, 1], "customer": [2, 0, 1]},
        pdf_for="reviewee",
    )
    @example(  # a confidential cycle: her manager sees who answered, she sees nobody
        k=3,
        comment_k=4,
        confidential=True,
        self_rating="2",
        answers={
            "peer": [*_all("4", 3), Answer((NA, NA, NA), True)],
            "upward": [Answer(("1", NA, "2"), True), *_all("5", 3)],
            "customer": _all("2", 2),
        },
        order={"peer": [1, 0, 4, 3, 2], "upward": [0, 2, 1, 3], "customer": [1, 2, 0]},
        pdf_for="manager",
    )
    def test_no_output_tells_who_wrote_what_nor_shows_a_group_below_k(
        self,
        k: int,
        comment_k: int,
        confidential: bool,
        self_rating: str,
        answers: dict[str, list[Answer]],
        order: dict[str, list[int]],
        pdf_for: str,
    ) -> None:
        mail.outbox = []
        company = self.company
        run = run_cycle(
            company, k=k, comment_k=comment_k, confidential=confidential, self_rating=self_rating, answers=answers
        )
        outputs = render_outputs(company, run, pdf_for=pdf_for)
        for reader in readers(company):
            for name in ("reviews:review", "reviews:feedback_report", "api:review_feedback"):
                assert (reader, name, "en") in outputs, f"{reader} cannot open {name}"
        assert ("reviewee", "reviews:my_export", "en") in outputs
        check_report_agrees(run, outputs)
        everything = [*outputs.values(), *messages_to(company)]
        found = problems_in(company, run, everything)
        assert not found, "\n".join(found)
        if confidential:
            # Her manager sees who was asked; the reviewee and the skip-level manager see nobody (checked above).
            page = outputs[("manager", "reviews:feedback_report", "en")].text
            assert all(p.name in page for g in GROUPS for p in company.raters[g]), "the manager sees who was asked"
        # Shuffle the raters and change what nobody may read: nothing the three can open may change.
        with transaction.atomic():
            shuffle_and_change(run, order)
            again = render_outputs(company, run)
            transaction.set_rollback(True)
        changed = differences({key: o for key, o in outputs.items() if key[1] != "reviews:feedback_report_pdf"}, again)
        assert not changed, "\n".join(changed)

    def test_the_pdf_is_searched_too(self) -> None:
        if not HAVE_PYPDF:
            self.skipTest(NO_PYPDF)
        run = run_cycle(
            self.company,
            k=3,
            comment_k=3,
            confidential=False,
            self_rating="5",
            answers={"peer": _all("2", 3), "upward": _all("4", 2), "customer": _all("1", 3)},
        )
        outputs = render_outputs(self.company, run, pdf_for="reviewee")
        pdf = outputs[("reviewee", "reviews:feedback_report_pdf", "en")]
        assert all(text in pdf.text for text in run.expected.shown_comments())
        assert not problems_in(self.company, run, [pdf])

    def test_the_raters_own_parts_are_not_found_by_the_reviewee_or_her_managers(self) -> None:
        run = run_cycle(
            self.company,
            k=3,
            comment_k=3,
            confidential=True,
            self_rating="3",
            answers={"peer": _all("4", 3), "upward": _all("3", 3), "customer": _all("2", 3)},
        )
        answered = []
        for reader, user in readers(self.company).items():
            client = Client()
            client.force_login(user)
            for name, url in anonymous_urls(run):
                response = client.get(url)
                if response.status_code != 404:
                    answered.append(f"{reader}: {name} {url} answered {response.status_code}")
        assert not answered, "\n".join(answered)
