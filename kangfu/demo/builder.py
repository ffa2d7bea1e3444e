"""A synthetic demo province: fictional places and people, valid-looking identity numbers.

Division codes borrow the 52xxxx range so that the synthetic ID numbers pass GB 11643 region
checks; every name of a place and of a person is invented. Same seed, same data.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kangfu.access.choices import DepartmentKind, Level, Role
from kangfu.access.models import Department, Jurisdiction, User
from kangfu.access.services import department_create, grant_create, jurisdiction_create
from kangfu.access.signin.policy import second_factor_required
from kangfu.cases import services as cases
from kangfu.cases.models import Case, Measure
from kangfu.cases.selectors import category_of
from kangfu.demo.models import DemoMarker
from kangfu.people import idnumber
from kangfu.people.models import Person
from kangfu.people.services import PersonData, person_register
from kangfu.referrals import services as referrals
from kangfu.reports.services import snapshot_backfill
from kangfu.risk import services as risk
from kangfu.schedule import services as schedule
from kangfu.schedule import sweep
from kangfu.schedule.models import Appointment
from kangfu.visits import services as visits

DEMO_PASSWORD = "kangfu-demo-2026"
DEMO_LOGIN_ORDER = (
    "demo_worker",
    "demo_officer",
    "demo_officer2",
    "demo_county",
    "demo_city",
    "demo_province",
    "demo_civil",
    "demo_health",
    "demo_admin",
    "demo_admin2",
)

# city code, city name, [(county code, county name, [(township code, township name)])]
TREE = [
    (
        "520100",
        "东川市",
        [
            (
                "520102",
                "城关区",
                [("520102001", "城东街道"), ("520102002", "城西街道"), ("520102003", "新桥街道")],
            ),
            ("520121", "河口县", [("520121100", "河口镇"), ("520121200", "柳林乡")]),
        ],
    ),
    (
        "520200",
        "南屏市",
        [
            ("520202", "南湖区", [("520202001", "南湖街道"), ("520202002", "北山街道")]),
            ("520221", "石门县", [("520221100", "石门镇"), ("520221200", "青溪乡")]),
        ],
    ),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
MALE_CHARS = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林亮成建国志文斌海东振兴永"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀英华慧巧美琳玲婷雪梅兰凤洁琴云莉萍红燕晶倩颖佳月欣怡"
ROADS = (
    "人民路",
    "解放路",
    "建设路",
    "中山路",
    "和平路",
    "新华路",
    "滨河路",
    "文化路",
    "青年路",
    "胜利路",
)
# Places of household registration outside the demo province (region codes for ID numbers).
OTHER_REGIONS = [
    ("510104", "四川省成都市锦江区"),
    ("430102", "湖南省长沙市芙蓉区"),
    ("450103", "广西壮族自治区南宁市青秀区"),
    ("530102", "云南省昆明市五华区"),
]


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    where: str


class DemoRefused(Exception):
    pass


def database_is_empty() -> bool:
    return not (User.objects.exists() or Jurisdiction.objects.exists() or Person.objects.exists())


def build(*, seed: int = 2016, persons: int = 320) -> None:
    """Create the demo province. Refuses a database that holds anything but demo data."""
    existing = DemoMarker.objects.first()
    if existing is not None:
        raise DemoRefused(f"demo data (seed {existing.seed}) is already loaded")
    if not database_is_empty():
        raise DemoRefused("the database holds data that is not demo data")
    rng = random.Random(seed)
    with transaction.atomic():
        DemoMarker.objects.create(seed=seed)
        _build(rng, persons)


def logins() -> list[Login]:
    """The demo accounts worth trying, one per role (all share DEMO_PASSWORD)."""
    users = User.objects.filter(username__startswith="demo_").prefetch_related(
        "grants__jurisdiction"
    )
    order = {name: i for i, name in enumerate(DEMO_LOGIN_ORDER)}
    found = [
        Login(u.username, g.get_role_display(), g.jurisdiction.name)
        for u in users
        for g in u.grants.all()
    ]
    return sorted(found, key=lambda login: order.get(login.username, 99))


def _user(
    username: str, name: str, role: str, node: Jurisdiction, department=None, **extra
) -> User:
    user = User.objects.create_user(
        username=username, password=DEMO_PASSWORD, display_name=name, department=department, **extra
    )
    grant_create(user=user, role=role, jurisdiction=node, department=department)
    return user


def _person_name(rng: random.Random, sex: str) -> str:
    chars = MALE_CHARS if sex == "M" else FEMALE_CHARS
    given = "".join(rng.choice(chars) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _build(rng: random.Random, persons: int) -> None:
    nation = jurisdiction_create(code="100000", name="全国", level=Level.NATIONAL, parent=None)
    province = jurisdiction_create(
        code="520000", name="示范省", level=Level.PROVINCE, parent=nation
    )
    _user(
        "demo_admin", "系统管理员", Role.ADMINISTRATOR, province, is_staff=True, is_superuser=True
    )
    # Grants and resets need a second administrator (four eyes, docs/access.md).
    _user(
        "demo_admin2",
        "系统管理员（复核）",
        Role.ADMINISTRATOR,
        province,
        is_staff=True,
        is_superuser=True,
    )
    _user("demo_province", "省禁毒办督导", Role.SUPERVISOR, province)
    townships: list[tuple[Jurisdiction, Jurisdiction, list[User]]] = []
    for city_code, city_name, counties in TREE:
        city = jurisdiction_create(
            code=city_code, name=city_name, level=Level.CITY, parent=province
        )
        city_user = _user(f"sup_{city_code}", f"{city_name}禁毒办督导", Role.SUPERVISOR, city)
        if city_code == "520100":
            city_user.username = "demo_city"
            city_user.save(update_fields=["username"])
        for county_code, county_name, towns in counties:
            county = jurisdiction_create(
                code=county_code, name=county_name, level=Level.COUNTY, parent=city
            )
            for kind, label in (
                (DepartmentKind.ANTI_DRUG_OFFICE, "禁毒办"),
                (DepartmentKind.CIVIL_AFFAIRS, "民政局"),
                (DepartmentKind.HEALTH, "卫生健康局"),
                (DepartmentKind.HUMAN_RESOURCES, "人力资源和社会保障局"),
            ):
                department_create(jurisdiction=county, kind=kind, name=f"{county_name}{label}")
            sup = _user(f"sup_{county_code}", f"{county_name}禁毒办督导", Role.SUPERVISOR, county)
            civil = _user(
                f"civil_{county_code}",
                f"{county_name}民政干部",
                Role.PARTNER,
                county,
                department=county.departments.get(kind=DepartmentKind.CIVIL_AFFAIRS),
            )
            health = _user(
                f"health_{county_code}",
                f"{county_name}卫健干部",
                Role.PARTNER,
                county,
                department=county.departments.get(kind=DepartmentKind.HEALTH),
            )
            if county_code == "520102":
                for user, new in (
                    (sup, "demo_county"),
                    (civil, "demo_civil"),
                    (health, "demo_health"),
                ):
                    user.username = new
                    user.save(update_fields=["username"])
            for town_code, town_name in towns:
                town = jurisdiction_create(
                    code=town_code, name=town_name, level=Level.TOWNSHIP, parent=county
                )
                first = town_code == "520102001"
                officer = _user(
                    "demo_officer"
                    if first
                    # The receiving side of a transfer from 城东街道 (README's logins).
                    else "demo_officer2"
                    if town_code == "520102002"
                    else f"officer_{town_code}",
                    f"{town_name}禁毒专干",
                    Role.TOWNSHIP_OFFICER,
                    town,
                )
                workers = [
                    _user(
                        "demo_worker" if first and n == 1 else f"worker_{town_code}_{n}",
                        _person_name(rng, rng.choice("MF")),
                        Role.CASEWORKER,
                        town,
                    )
                    for n in (1, 2)
                ]
                townships.append((county, town, workers, officer))
    people = _people(rng, persons, townships)
    _second_factors(rng)
    _casework(rng, people)
    _waiting_for_the_officer()
    _support()
    _transfers()
    _documents()
    # The daily sweep, as cron would run it, so reminders are there from the first look.
    today = timezone.localdate()
    sweep.run(on=today)  # also writes today's statistics snapshot (reactions table)
    # Two years of month-end figures, so the supervisors' trends show something.
    snapshot_backfill(months=24, on=today)


def _second_factors(rng: random.Random) -> None:
    """Demo accounts whose role requires TOTP get a device, so `demo --code` can sign in."""
    for user in User.objects.filter(username__startswith="demo_"):
        if second_factor_required(user):
            TOTPDevice.objects.create(
                user=user, name="demo", confirmed=True, key=f"{rng.getrandbits(160):040x}"
            )


def current_code(username: str) -> str:
    """The TOTP code a demo account would read from its phone right now."""
    if not DemoMarker.objects.exists():
        raise DemoRefused("codes are shown only for a demo database")
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is None:
        raise DemoRefused(f"{username} has no second factor")
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _people(rng: random.Random, count: int, townships) -> list[tuple[Person, User, User]]:
    used: set[str] = set()
    today = dt.date(2026, 11, 1)
    created: list[Person] = []
    people: list[tuple[Person, User, User]] = []
    for n in range(count):
        county, town, workers, officer = townships[n % len(townships)]
        sex = "M" if rng.random() < 0.82 else "F"
        birth = dt.date(1962, 1, 1) + dt.timedelta(days=rng.randrange(0, 42 * 365))
        if rng.random() < 0.85:
            region, hukou = county.code, f"示范省{county.parent.name}{county.name}"
        else:
            region, hukou = rng.choice(OTHER_REGIONS)
        while True:
            seq = rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
            number = idnumber.make(region, birth, seq)
            if number not in used:
                used.add(number)
                break
        data = PersonData(
            name=_person_name(rng, sex),
            sex=sex,
            birth_date=birth,
            id_number=number,
            phone=f"1{rng.choice('3578')}{rng.randrange(0, 10**9):09d}",
            hukou_place=hukou,
            residence_place=f"示范省{county.parent.name}{county.name}{town.name}",
            address=f"{rng.choice(ROADS)}{rng.randrange(1, 400)}号",
        )
        caseworker = rng.choice(workers) if rng.random() < 0.93 else None
        person = person_register(actor=workers[0], township=town, data=data, caseworker=caseworker)
        # Registration dates spread over three years look like a real registry.
        created.append(person)
        people.append((person, caseworker or workers[0], officer))
        person.created_at = dt.datetime.combine(
            today - dt.timedelta(days=rng.randrange(0, 3 * 365)),
            dt.time(9, 30),
            tzinfo=dt.UTC,
        )
    Person.objects.bulk_update(created, ["created_at"])
    return people


DECIDERS = (
    "东川市公安局城关分局",
    "东川市公安局河口分局",
    "南屏市公安局南湖分局",
    "南屏市公安局石门分局",
)


def _casework(rng: random.Random, people: list[tuple[Person, User, User]]) -> None:
    """Cases at every stage, dated back from today so that the today page has work on it:
    most measures started in the last few months, some await the report, a few community
    recovery measures end soon; categories approved by the township officer; past tests
    recorded, a few left overdue."""
    today = timezone.localdate()
    for n, (person, worker, officer) in enumerate(people):
        roll = rng.random()
        if roll > 0.85:
            continue  # registered only: no measure (yet)
        started = today - dt.timedelta(days=rng.randrange(15, 150))
        received = started - dt.timedelta(days=rng.randrange(1, 12))
        if roll > 0.78:
            received = today - dt.timedelta(days=rng.randrange(0, 12))  # awaiting the report
        case = cases.case_open(
            actor=worker, person=person, responsible=person.township, opened_on=received
        )
        recovery = roll < 0.12
        measure = cases.measure_record_decision(
            actor=worker,
            case=case,
            kind="community_recovery" if recovery else "community_treatment",
            decision_number=f"公(禁)决字〔{received.year}〕{100 + n}号",
            deciding_authority=rng.choice(DECIDERS),
            decided_on=received - dt.timedelta(days=2),
            received_on=received,
            term_months=rng.choice((6, 12, 24)) if recovery else None,
        )
        if roll > 0.78:
            continue
        cases.measure_report(actor=worker, measure=measure, reported_on=started)
        assessment = risk.assessment_start(actor=worker, person=person)
        if rng.random() < 0.15:
            risk.assessment_update(
                actor=worker,
                assessment=assessment,
                answers={"mental_disorder": True},
                evidence={"H3": {"note": "县人民医院精神科诊断", "document": f"诊断证明 {n:04d}"}},
            )
        risk.assessment_submit(actor=worker, assessment=assessment)
        risk.assessment_approve(actor=officer, assessment=assessment, comment="同意")
        _past_results(rng, worker, case, today)
        if rng.random() < 0.08:
            cases.leave_request_record(
                actor=worker,
                case=case,
                submitted_on=today,
                leaves_on=today + dt.timedelta(days=rng.randrange(3, 10)),
                returns_on=today + dt.timedelta(days=rng.randrange(12, 20)),
                destination_county=rng.choice(("南屏市南湖区", "四川省成都市锦江区", "石门县")),
                reason=rng.choice(("探望父母", "务工面试", "就医复查")),
            )


def _waiting_for_the_officer() -> None:
    """In 城东街道, for demo_officer: a proposed serious breach the person was told of and
    answered (ready for a decision by an officer who entered none of its facts), and a
    leave report awaiting its decision."""
    today = timezone.localdate()
    worker = User.objects.get(username="demo_worker")
    measures = Measure.objects.filter(
        case__caseworker=worker,
        state="active",
        starts_on__lte=today - dt.timedelta(days=40),
        case__state="open",
    ).order_by("starts_on", "pk")
    breach, leave = measures[:1], measures[1:2]
    for measure in breach:
        start = measure.starts_on
        for offset in (2, 12, 22):  # three trips of 4 days without a written report
            cases.absence_record(
                actor=worker,
                case=measure.case,
                first_day=start + dt.timedelta(days=offset),
                last_day=start + dt.timedelta(days=offset + 4),
                note="电话回访时得知外出务工",
            )
        finding = measure.findings.get(kind="serious_breach")
        notified = min(today, start + dt.timedelta(days=30))
        cases.finding_notify(actor=worker, finding=finding, notified_on=notified)
        cases.finding_explain(
            actor=worker,
            finding=finding,
            text="本人当面陈述：三次均随亲戚外出打零工，不知道需要事先书面报告，今后会先报告。",
            explained_on=notified,
        )
    for measure in leave:
        if not measure.leave_requests.filter(state="pending").exists():
            cases.leave_request_record(
                actor=worker,
                case=measure.case,
                submitted_on=today,
                leaves_on=today + dt.timedelta(days=5),
                returns_on=today + dt.timedelta(days=12),
                destination_county="四川省成都市锦江区",
                reason="探望住院的父亲",
            )


def _documents() -> None:
    """For two of demo_worker's cases (see below): a decision scan (a one-page PDF), a photo
    of a test cassette (a PNG) and, on the first, the signed agreement, which marks the
    agreement signed; the second keeps an unsigned agreement to try the upload on. Made on
    the fly (one small WeasyPrint page, one Pillow picture) to keep the build quick."""
    import io

    from PIL import Image, ImageDraw
    from weasyprint import HTML

    from kangfu.documents.services import document_upload

    worker = User.objects.get(username="demo_worker")
    # The township's cases with a measure in force, demo_worker's own first (however few the
    # random draw gave them), so a small build shows documents too.
    measures = [
        Measure.objects.get(case=case, state="active") for case in _active_cases(worker)[:2]
    ]
    pdf = HTML(
        string="<h1 style='font-family: Noto Sans CJK SC, sans-serif'>社区戒毒决定书（演示）</h1>"
        "<p style='font-family: Noto Sans CJK SC, sans-serif'>演示数据，非真实文书。</p>"
    ).write_pdf()
    picture = Image.new("RGB", (360, 240), (245, 245, 240))
    draw = ImageDraw.Draw(picture)
    draw.rounded_rectangle((40, 60, 320, 180), radius=18, outline=(90, 90, 90), width=4)
    for x in (150, 190):  # the two lines of a negative cassette: control and test
        draw.line((x, 85, x, 155), fill=(180, 40, 60), width=6)
    photo = io.BytesIO()
    picture.save(photo, format="PNG")

    class _File(io.BytesIO):
        def __init__(self, data: bytes, name: str):
            super().__init__(data)
            self.name, self.size = name, len(data)

    for n, measure in enumerate(measures):
        case = measure.case
        category = category_of(case).value
        agreement = cases.agreement_draw_up(actor=worker, measure=measure, category=category)
        uploads = [
            ("decision_scan", pdf, "决定书.pdf"),
            ("cassette_photo", photo.getvalue(), "检测板.png"),
        ]
        if n == 0 and agreement.signed_on is None:
            uploads.append(("signed_agreement", pdf, "协议签字页.pdf"))
        for kind, data, name in uploads:
            document_upload(
                actor=worker,
                case=case,
                kind=kind,
                upload=_File(data, name),
                file_name=name,
                signed_on=measure.reported_on,
            )


# (name, kind, department kind or None, what it offers) of 城关区's support directory.
PROVIDERS = (
    ("城关区社区药物维持治疗门诊", "methadone", DepartmentKind.HEALTH, "美沙酮维持治疗，每日服药"),
    (
        "城关区民政局临时救助窗口",
        "assistance",
        DepartmentKind.CIVIL_AFFAIRS,
        "临时救助、最低生活保障申请",
    ),
    ("城关区阳光心理咨询中心", "counselling", None, "个体心理咨询、家庭辅导"),
    (
        "城关区就业培训基地",
        "training",
        DepartmentKind.HUMAN_RESOURCES,
        "厨师、电工技能培训与推荐就业",
    ),
)


def _active_cases(worker: User) -> list[Case]:
    """Open cases of the worker's township with a measure in force: the worker's own first,
    the most recently started first (the oldest carry the proposed finding and the leave)."""
    measures = Measure.objects.filter(
        case__township__in=worker.grants.values("jurisdiction"), state="active"
    ).filter(case__state="open")
    ordered = measures.select_related("case").order_by("-starts_on", "-pk")
    own = [m.case for m in ordered if m.case.caseworker_id == worker.pk]
    return own + [m.case for m in ordered if m.case.caseworker_id != worker.pk]


def _support() -> None:
    """城关区's support directory and referrals of 城东街道's persons (demo_worker's first) at
    every step: one proposed (consent to record), one sent to civil affairs (for demo_civil
    to answer), one accepted and under way at the methadone clinic (demo_health's)."""
    today = timezone.localdate()
    county = Jurisdiction.objects.get(code="520102")
    supervisor = User.objects.get(username="demo_county")
    providers = {}
    for name, kind, department, offers in PROVIDERS:
        providers[kind] = referrals.provider_create(
            actor=supervisor,
            jurisdiction=county,
            data={
                "name": name,
                "kind": kind,
                "offers": offers,
                "contact": "城关区人民路 88 号 · 0851-8000000",
                "opening_hours": "周一至周五 8:30–17:30",
                "capacity": 40,
                "department": Department.objects.get(jurisdiction=county, kind=department)
                if department
                else None,
                "active": True,
            },
        )
    worker = User.objects.get(username="demo_worker")
    health = User.objects.get(username="demo_health")
    cases_ = _active_cases(worker)
    plan = (
        ("counselling", "情绪低落，家属希望接受心理疏导", None),
        ("assistance", "失业三个月，家庭生活困难，申请临时救助", "sent"),
        ("methadone", "自愿参加美沙酮维持治疗", health),
    )
    for case, (kind, need, step) in zip(cases_, plan, strict=False):
        referral = referrals.referral_propose(
            actor=worker, case=case, provider=providers[kind], need=need, proposed_on=today
        )
        if step is None:
            continue
        referrals.referral_consent(
            actor=worker,
            referral=referral,
            categories=["identity", "contact", "support"],
            reference=f"同意书 {today:%Y}-{referral.pk:03d}",
            consented_on=today,
        )
        referrals.referral_send(actor=worker, referral=referral, sent_on=today)
        if step == "sent":
            continue  # waits on demo_civil's answer
        referrals.referral_answer(actor=step, referral=referral, accept=True, answered_on=today)
        referrals.referral_start(actor=step, referral=referral, started_on=today)


def _transfers() -> None:
    """A transfer from 城西街道 waiting for demo_officer to accept (the person moved to
    城东街道). demo_worker can propose one to 城西街道 for demo_officer2 to accept."""
    west = Jurisdiction.objects.get(code="520102002")
    east = Jurisdiction.objects.get(code="520102001")
    sender = User.objects.get(username="worker_520102002_1")
    case = (
        Case.objects.filter(township=west, state="open", measures__state="active")
        .order_by("-opened_on", "-pk")
        .first()
    )
    if case is not None:
        cases.transfer_propose(
            actor=sender,
            case=case,
            to_township=east,
            reason="residence",
            note="已搬至城东街道居住，租房合同复印件附后",
        )


def _past_results(rng: random.Random, worker: User, case, today: dt.date) -> None:
    for appointment in Appointment.objects.filter(case=case, on__lt=today, state="planned"):
        if rng.random() < 0.08:
            continue  # left undone: shows as overdue on the today page
        if appointment.is_test:
            schedule.test_record(
                actor=worker,
                case=case,
                appointment=appointment,
                taken_on=appointment.on,
                sample=schedule.sample_for(appointment),
                screen_result="positive" if rng.random() < 0.02 else "negative",
            )
        elif appointment.kind == "visit":
            _visit(rng, worker, case, appointment.on, today)
        else:
            schedule.appointment_outcome(
                actor=worker, appointment=appointment, outcome="done", on=appointment.on
            )


VISIT_NOTES = (
    "入户走访，本人在家，精神状态良好。谈到近期在找工作，愿意参加技能培训。",
    "在社区办公室谈话。本人按时尿检，对协议内容清楚，反映与家人关系有所缓和。",
    "电话回访。本人在外地务工已书面报告，近况稳定，约定返回后到办公室面谈。",
    "到工作单位了解情况，负责人反映本人工作表现正常，出勤稳定。",
    "视频谈话。本人情绪低落，睡眠不好，建议转介心理咨询，本人同意考虑。",
)
FOLLOW_UPS = ("联系街道就业服务站推荐岗位", "转介心理咨询并确认预约时间", "协助申请临时救助")
# The note of each kind of visit above, by where it took place.
VISIT_PLACES = ("home", "office", "phone", "workplace", "video")


def _visit(rng: random.Random, worker: User, case, on: dt.date, today: dt.date) -> None:
    """A visit recorded on its planned day (which fulfils the plan), a few with a follow-up
    task still open around today, so the case page and the today page show them."""
    pick = rng.randrange(len(VISIT_NOTES))
    follow_ups = []
    if today - on <= dt.timedelta(days=45) and rng.random() < 0.5:
        due = max(on, today + dt.timedelta(days=rng.randrange(-3, 6)))
        follow_ups.append((rng.choice(FOLLOW_UPS), due))
    visits.visit_record(
        actor=worker,
        case=case,
        visited_on=on,
        place=VISIT_PLACES[pick],
        staff=[worker],
        others_present="母亲" if VISIT_PLACES[pick] == "home" else "",
        note=VISIT_NOTES[pick],
        follow_ups=follow_ups,
    )
