"""The default 1–5 rating scale with bands S/A/B/C/D (卓越/优秀/良好/待改进/不合格), both languages stored."""

from decimal import Decimal

from django.db import migrations

LEVELS = [
    ("1", "不合格", "Unsatisfactory", "明显未达到岗位要求。", "Clearly falls short of what the role requires."),
    (
        "2",
        "待改进",
        "Needs improvement",
        "部分达到岗位要求，需要改进。",
        "Meets some of what the role requires; needs to improve.",
    ),
    ("3", "良好", "Meets expectations", "全面达到岗位要求。", "Meets what the role requires in full."),
    ("4", "优秀", "Exceeds expectations", "经常超出岗位要求。", "Often goes beyond what the role requires."),
    (
        "5",
        "卓越",
        "Outstanding",
        "持续远超岗位要求，是他人的榜样。",
        "Consistently far beyond the role; a model for others.",
    ),
]
BANDS = [
    ("S", "卓越", "Outstanding", "4.5"),
    ("A", "优秀", "Excellent", "3.8"),
    ("B", "良好", "Good", "3.0"),
    ("C", "待改进", "Needs improvement", "2.0"),
    ("D", "不合格", "Unsatisfactory", "0"),
]


def create(apps, schema_editor):
    RatingScale = apps.get_model("reviews", "RatingScale")
    ScaleLevel = apps.get_model("reviews", "ScaleLevel")
    ScaleBand = apps.get_model("reviews", "ScaleBand")
    if RatingScale.objects.exists():
        return
    scale = RatingScale.objects.create(name="五级评分", name_en="Five-point scale", is_default=True)
    ScaleLevel.objects.bulk_create(
        ScaleLevel(scale=scale, value=Decimal(v), label=zh, label_en=en, description=dzh, description_en=den)
        for v, zh, en, dzh, den in LEVELS
    )
    ScaleBand.objects.bulk_create(
        ScaleBand(scale=scale, code=code, label=zh, label_en=en, threshold=Decimal(t)) for code, zh, en, t in BANDS
    )


def remove(apps, schema_editor):
    apps.get_model("reviews", "RatingScale").objects.filter(name="五级评分", templates__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
