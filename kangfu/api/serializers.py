from rest_framework import serializers

from kangfu.access.models import Jurisdiction


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
