from rest_framework import serializers

from kangfu.access.models import Jurisdiction
from kangfu.documents.choices import DocumentKind


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, as every error response carries."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class JurisdictionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Jurisdiction
        fields = ["code", "name", "level", "parent", "path"]
        read_only_fields = fields


class PersonSerializer(serializers.Serializer):
    """A person as the caller may see them: fields outside the caller's need are null."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    name = serializers.CharField(allow_null=True)
    former_names = serializers.CharField(allow_null=True)
    sex = serializers.ChoiceField(choices=["M", "F"], allow_null=True)
    birth_date = serializers.DateField(allow_null=True)
    id_number = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    hukou_place = serializers.CharField(allow_null=True)
    residence_place = serializers.CharField(allow_null=True)
    address = serializers.CharField(allow_null=True)
    township = serializers.CharField(allow_null=True, help_text="Division code.")
    caseworker = serializers.CharField(allow_null=True, help_text="User name.")

    def to_representation(self, person):
        allowed = set(self.context["fields_for"](person))
        data = {"id": str(person.public_id)}
        for name in self.fields:
            if name == "id":
                continue
            value = getattr(person, name) if name in allowed else None
            if name == "township" and value is not None:
                value = person.township.code
            elif name == "caseworker" and value is not None:
                value = person.caseworker.get_username()
            elif name == "birth_date" and value is not None:
                value = value.isoformat()
            data[name] = value
        return data


class PersonWriteSerializer(serializers.Serializer):
    """Input for registering or correcting a person; validated by the same form as the page."""

    name = serializers.CharField(max_length=50)
    former_names = serializers.CharField(max_length=200, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=25)
    sex = serializers.ChoiceField(choices=["M", "F"], required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    hukou_place = serializers.CharField(max_length=100)
    residence_place = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    township = serializers.CharField(
        required=False, help_text="Division code of the managing township (register only)."
    )
    caseworker = serializers.CharField(required=False, allow_blank=True, help_text="User name.")


class MeasureSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=["community_treatment", "community_recovery"])
    state = serializers.CharField(read_only=True)
    decision_number = serializers.CharField(max_length=60)
    deciding_authority = serializers.CharField(max_length=100)
    decided_on = serializers.DateField()
    received_on = serializers.DateField()
    term_months = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=36
    )
    report_due_on = serializers.DateField(read_only=True)
    reported_on = serializers.DateField(read_only=True, allow_null=True)
    starts_on = serializers.DateField(read_only=True, allow_null=True)
    ends_on = serializers.DateField(read_only=True, allow_null=True)
    suspended_days = serializers.IntegerField(read_only=True)


class AgreementSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    measure = serializers.IntegerField(source="measure_id", read_only=True)
    signed_on = serializers.DateField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class DocumentSerializer(serializers.Serializer):
    """A document's metadata; its bytes come from …/documents/{id}/file/ (an audited read)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    case = serializers.UUIDField(source="case.public_id", read_only=True)
    kind = serializers.CharField(read_only=True)
    file_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    file_name = serializers.CharField(read_only=True)
    note = serializers.CharField(read_only=True)
    agreement = serializers.IntegerField(source="agreement_id", read_only=True, allow_null=True)
    has_preview = serializers.SerializerMethodField()
    uploaded_at = serializers.DateTimeField(read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    withdrawn_on = serializers.DateField(read_only=True, allow_null=True)
    withdrawal_reason = serializers.CharField(read_only=True)

    def get_has_preview(self, document) -> bool:
        return bool(document.preview_name) and not document.is_withdrawn


class DocumentUploadSerializer(serializers.Serializer):
    """multipart/form-data: the file is checked by its content (PDF, JPEG, PNG; ≤ 10 MB)."""

    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    signed_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class CaseSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    person = serializers.UUIDField(source="person.public_id", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    township = serializers.CharField(source="township.code", read_only=True)
    caseworker = serializers.CharField(
        source="caseworker.username", read_only=True, allow_null=True, default=None
    )
    state = serializers.CharField(read_only=True)
    opened_on = serializers.DateField(read_only=True)
    closed_on = serializers.DateField(read_only=True, allow_null=True)
    pack_id = serializers.CharField(read_only=True)


class LeaveRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    case = serializers.UUIDField(source="case.public_id")
    submitted_on = serializers.DateField()
    leaves_on = serializers.DateField()
    returns_on = serializers.DateField()
    destination_county = serializers.CharField(max_length=60)
    reason = serializers.CharField(max_length=300)
    long_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
    state = serializers.CharField(read_only=True)
    decided_on = serializers.DateField(read_only=True, allow_null=True)
    decision_reason = serializers.CharField(read_only=True)


class LeaveDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class TransferSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    case = serializers.UUIDField(source="case.public_id", read_only=True)
    from_township = serializers.CharField(source="from_township.code", read_only=True)
    to_township = serializers.CharField(source="to_township.code", read_only=True)
    reason = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    proposed_on = serializers.DateField(read_only=True)
    decided_on = serializers.DateField(read_only=True, allow_null=True)


class AuditEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField(read_only=True)
    occurred_at = serializers.DateTimeField(read_only=True)
    actor = serializers.CharField(source="actor_username", read_only=True)
    roles = serializers.CharField(read_only=True)
    action = serializers.CharField(read_only=True)
    object_type = serializers.CharField(read_only=True)
    object_id = serializers.CharField(read_only=True)
    fields = serializers.ListField(child=serializers.CharField(), read_only=True)
    purpose = serializers.CharField(read_only=True)
    outside_caseload = serializers.BooleanField(read_only=True)
    client_address = serializers.CharField(read_only=True, allow_null=True)
    # The event in words, in the language asked for (Accept-Language), as the audit page shows it.
    description = serializers.CharField(read_only=True)


class AssessmentSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    person = serializers.UUIDField(source="person.public_id")
    status = serializers.CharField(read_only=True)
    as_of = serializers.DateField(read_only=True)
    facts = serializers.DictField(read_only=True)
    from_record = serializers.ListField(child=serializers.CharField(), read_only=True)
    evidence = serializers.DictField(read_only=True)
    pack_id = serializers.CharField(read_only=True)
    pack_version = serializers.CharField(read_only=True)
    assessed = serializers.CharField(read_only=True)
    criteria = serializers.ListField(child=serializers.CharField(), read_only=True)
    category = serializers.CharField(read_only=True)
    current_before = serializers.CharField(read_only=True, allow_null=True)
    changed = serializers.BooleanField(read_only=True)
    reasons = serializers.ListField(child=serializers.DictField(), read_only=True)
    assessor = serializers.CharField(source="assessor.username", read_only=True)
    approver = serializers.CharField(
        source="approver.username", read_only=True, allow_null=True, default=None
    )
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    approved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    next_review_on = serializers.DateField(read_only=True, allow_null=True)


class AssessmentAnswersSerializer(serializers.Serializer):
    """The assessor's answers (facts by name) and evidence per criterion code."""

    answers = serializers.DictField(required=False, default=dict)
    evidence = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True)),
        required=False,
        default=dict,
    )


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AppointmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    case = serializers.UUIDField(source="case.public_id", read_only=True)
    kind = serializers.CharField(read_only=True)
    basis = serializers.CharField(read_only=True)
    due_on = serializers.DateField(read_only=True)
    on = serializers.DateField(read_only=True)
    moved_reason = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    done_on = serializers.DateField(read_only=True, allow_null=True)


class DrugTestSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    case = serializers.UUIDField(source="case.public_id")
    appointment = serializers.IntegerField(
        source="appointment_id", required=False, allow_null=True, min_value=1, max_value=2**63 - 1
    )
    taken_on = serializers.DateField()
    sample = serializers.ChoiceField(choices=["urine", "saliva", "hair"])
    screen_result = serializers.ChoiceField(choices=["negative", "positive"])
    lab_result = serializers.CharField(read_only=True)
    lab_result_on = serializers.DateField(read_only=True, allow_null=True)
    retest_requested_on = serializers.DateField(read_only=True, allow_null=True)
    retest_result = serializers.CharField(read_only=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class FollowUpSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    task = serializers.CharField(max_length=300)
    due_on = serializers.DateField()
    done_on = serializers.DateField(read_only=True, allow_null=True)


class VisitSerializer(serializers.Serializer):
    """A visit or interview. ``note``, ``others_present`` and ``follow_ups`` are written on
    create and read back only on one visit's own address, and only by the case's front-line
    staff (``visit.note_view``); lists never carry them."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    case = serializers.UUIDField(source="case.public_id")
    visited_on = serializers.DateField()
    place = serializers.ChoiceField(choices=["home", "office", "phone", "video", "workplace"])
    staff = serializers.SerializerMethodField()
    appointment = serializers.IntegerField(source="appointment_id", read_only=True)
    withdrawn_on = serializers.DateField(read_only=True, allow_null=True)
    others_present = serializers.CharField(
        max_length=300, required=False, allow_blank=True, write_only=True
    )
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, write_only=True)
    follow_ups = FollowUpSerializer(many=True, required=False, write_only=True)

    def get_staff(self, visit) -> list[str]:
        return [u.username for u in visit.staff.all()]


class VisitNoteSerializer(VisitSerializer):
    """One visit as its front-line staff read it: with the note and the follow-ups."""

    others_present = serializers.CharField(read_only=True)
    note = serializers.CharField(read_only=True)
    follow_ups = FollowUpSerializer(many=True, read_only=True, source="follow_ups.all")


class ReminderSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    case = serializers.UUIDField(source="case.public_id", read_only=True)
    kind = serializers.CharField(read_only=True)
    due_on = serializers.DateField(read_only=True)
    urgency = serializers.IntegerField(read_only=True)


class InboxItemSerializer(serializers.Serializer):
    kind = serializers.CharField()
    ref = serializers.CharField(help_text="the record's public id (an audit event: its seq)")
    since = serializers.DateField()
    due = serializers.DateField(allow_null=True)
    township = serializers.CharField()
    url = serializers.CharField(help_text="the page that acts on it")
